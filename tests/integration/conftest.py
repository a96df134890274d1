import pytest

from desktop.core.postgres import tools as pgtools
from tests.faults import noise_database


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
