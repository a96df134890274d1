import pytest

from tests.faults import noise_database


@pytest.fixture(scope="session")
def noise_db(pg15):
    """20 MB of incompressible rows on pg15 (about 10 MB as a backup)."""
    name = noise_database(pg15)
    yield name
    pg15.drop_database(name)
