from pathlib import Path

import keyring
import pytest

from desktop.core.postgres import tools as pgtools
from tests.faults import noise_database
from tests.integration.cli_helpers import run_lifeboat
from tests.keyrings import FileKeyring


@pytest.fixture(scope="session")
def noise_db(pg15):
    """20 MB of incompressible rows on pg15 (about 10 MB as a backup)."""
    name = noise_database(pg15)
    yield name
    pg15.drop_database(name)


@pytest.fixture
def system_tools_only(tmp_path, monkeypatch):
    """A machine with only the system's client tools (PostgreSQL 15 on Debian 12):
    PostgreSQL 18 fetched by packaging/install-deps is hidden, as on a source
    install that never fetched it."""
    monkeypatch.setattr(pgtools, "SOURCE_PGTOOLS", tmp_path / "not-fetched")


@pytest.fixture
def keyring_file(tmp_path, monkeypatch) -> Path:
    """Secrets in a file, shared with the `lifeboat` processes a test starts."""
    path = tmp_path / "keyring.json"
    monkeypatch.setenv("LIFEBOAT_TEST_KEYRING_FILE", str(path))
    # Profiles the test makes in-process put their passwords where the
    # children look (conftest's memory_keyring restores its own afterwards).
    keyring.set_keyring(FileKeyring())
    return path


@pytest.fixture
def lifeboat(keyring_file):
    """lifeboat(*args, input=None) -> CompletedProcess with text stdout/stderr."""
    return run_lifeboat
