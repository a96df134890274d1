"""Fixtures that create connection profiles.

`make_profile(cluster, dbname)` adds a profile for the cluster's superuser,
its password in the (in-memory, see conftest) keyring like a user's would be.
"""
import re

import pytest

from desktop.core.store.installation import Installation
from desktop.core.store.paths import app_paths
from desktop.core.store.profiles import Profile, ProfileStore
from desktop.core.store.secret_store import Secrets


@pytest.fixture
def secrets() -> Secrets:
    """The keyring entries of this test's LIFEBOAT_HOME (namespaced by its installation id)."""
    return Secrets().for_installation(Installation(app_paths().ensure()))


@pytest.fixture
def profile_store(secrets) -> ProfileStore:
    return ProfileStore(app_paths().ensure(), secrets)


@pytest.fixture
def make_profile(profile_store):
    def make(cluster, dbname: str, environment: str = "development", name: str | None = None, **kw) -> Profile:
        if name is None:
            # Database names in tests hold spaces, quotes and non-ASCII;
            # profile names are kept to what a file name can carry.
            base = re.sub(r"[^\w-]+", "-", dbname)[:40].strip("-") or "db"
            name = f"{base}-pg{cluster.major}"
            taken = {p.name.casefold() for p in profile_store.list()}
            n = 2
            while name.casefold() in taken:
                name = f"{base}-pg{cluster.major}-{n}"
                n += 1
        profile = Profile(
            name=name, environment=environment, host=cluster.host, port=cluster.port,
            dbname=dbname, user=cluster.superuser, **kw,
        )
        return profile_store.add(profile, password=cluster.password)

    return make
