import os
import stat
from urllib.parse import quote

import pytest

from desktop.core.errors import InvalidProfile, KeyringUnavailable, ProfileExists, UnknownProfile
from desktop.core.store.paths import app_paths
from desktop.core.store.profiles import Profile, ProfileStore, parse_database_url, profile_from_url
from desktop.core.store.secret_store import Secrets
from tests.keyrings import NoKeyring

SECRET = "s3cr:et/p@ss word%"


# -- URLs ----------------------------------------------------------------


def test_url_with_every_part():
    fields, password = parse_database_url(
        "postgresql://alice:s3cr%3Aet%2Fp%40ss%20word%25@db.example.com:6543/sales?sslmode=require"
    )
    assert fields == {
        "host": "db.example.com", "port": 6543, "user": "alice", "dbname": "sales", "sslmode": "require",
    }
    assert password == SECRET


def test_postgres_scheme_and_defaults():
    fields, password = parse_database_url("postgres://db.example.com")
    assert fields == {"host": "db.example.com", "port": 5432, "user": "postgres", "dbname": "postgres"}
    assert password is None


def test_database_defaults_to_user_name_like_libpq():
    fields, _ = parse_database_url("postgresql://bob@db.example.com")
    assert fields["dbname"] == "bob"


def test_ipv6_host():
    fields, _ = parse_database_url("postgresql://u@[::1]:5433/app")
    assert fields["host"] == "::1"
    assert fields["port"] == 5433


def test_query_parameters_are_percent_decoded_but_plus_is_kept():
    fields, password = parse_database_url(
        "postgresql://u@h/d?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&password=a+b%26c&application_name=x"
    )
    assert fields["sslmode"] == "verify-full"
    assert fields["sslrootcert"] == "/etc/ca.pem"
    assert password == "a+b&c"


def test_socket_folder_as_host_parameter():
    fields, _ = parse_database_url("postgresql:///app?host=%2Fvar%2Frun%2Fpostgresql")
    assert fields["host"] == "/var/run/postgresql"
    assert fields["dbname"] == "app"


def test_non_ascii_database_name():
    fields, _ = parse_database_url("postgresql://u@h/caf%C3%A9%20bar")
    assert fields["dbname"] == "café bar"


@pytest.mark.parametrize("url", [
    "mysql://u:pw@h/d",
    "https://u:pw@h/d",
    "db.example.com/sales",
    "postgresql:///sales",
    "postgresql://u:pw@/sales",
    "postgresql://u:pw@h:notaport/d",
    "postgresql://u:pw@h:99999/d",
    "postgresql://u:pw@h1:5432,h2:5432/d",
    "postgresql://u:pw@[::1/d",
])
def test_bad_urls_are_refused_without_echoing_the_password(url):
    with pytest.raises(InvalidProfile) as caught:
        parse_database_url(url)
    assert "pw" not in caught.value.message
    assert "postgresql://" in caught.value.message  # shows what a good one looks like


def test_profile_from_url_validates_and_returns_the_password():
    profile, password = profile_from_url("shop", "postgresql://u:pw@h/d", "production", notes="main")
    assert (profile.name, profile.environment, profile.notes, profile.has_password) == (
        "shop", "production", "main", False)
    assert password == "pw"
    with pytest.raises(InvalidProfile, match="development or production"):
        profile_from_url("shop", "postgresql://u@h/d", "staging")


# -- the profile itself --------------------------------------------------


def test_display_target_and_production_flag():
    profile = Profile(name="p", environment="production", host="::1", port=5433, dbname="app")
    assert profile.display_target() == "app on [::1]:5433"
    assert profile.is_production
    assert not Profile(name="d", environment="development", host="h").is_production


def test_dict_round_trip_ignores_unknown_keys():
    profile = Profile(name="p", environment="development", host="h", sslmode="require", notes="n")
    data = profile.to_dict()
    assert Profile.from_dict({**data, "added_by_a_newer_version": 1}) == profile


# -- the store -----------------------------------------------------------


def _profile(name="shop", **kw):
    return Profile(**{"name": name, "environment": "development", "host": "db.example.com", **kw})


def test_password_goes_to_the_keyring_never_the_file(profile_store, secrets):
    profile_store.add(_profile(), password=SECRET)
    path = app_paths().profiles_file
    text = path.read_text(encoding="utf-8")
    assert SECRET not in text
    assert "s3cr" not in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert profile_store.get("shop").has_password
    assert secrets.get_password("shop") == SECRET
    assert profile_store.password_for(profile_store.get("shop")) == SECRET


def test_url_password_is_stored_in_the_keyring_only(profile_store):
    profile, password = profile_from_url("neon", f"postgresql://u:{quote(SECRET, safe='')}@h/d", "production")
    profile_store.add(profile, password)
    assert "s3cr" not in app_paths().profiles_file.read_text(encoding="utf-8")
    assert profile_store.password_for(profile_store.get("neon")) == SECRET


def test_profile_without_password_never_touches_the_keyring(tmp_path):
    store = ProfileStore(app_paths().ensure(), Secrets(backend=NoKeyring()))
    added = store.add(_profile("trusty"))
    assert not added.has_password
    assert store.password_for(added) is None
    store.update(_profile("trusty", notes="peer login"))
    store.remove("trusty")
    assert store.list() == []


def test_password_without_a_keyring_is_a_readable_error():
    store = ProfileStore(app_paths().ensure(), Secrets(backend=NoKeyring()))
    with pytest.raises(KeyringUnavailable) as caught:
        store.add(_profile(), password=SECRET)
    message = caught.value.message
    assert "gnome-keyring" in message and "KWallet" in message
    assert "Traceback" not in message and "Error" not in message
    assert SECRET not in message and SECRET not in caught.value.detail
    # Nothing half-done: the profile was not saved either.
    assert store.list() == []


def test_names_are_unique_ignoring_case(profile_store):
    profile_store.add(_profile("Shop"))
    with pytest.raises(ProfileExists):
        profile_store.add(_profile("shop"))


@pytest.mark.parametrize("change", [
    {"name": ""}, {"name": "../etc"}, {"name": "a/b"}, {"name": "x" * 65}, {"name": " lead"}, {"name": "trail."},
    {"environment": "prod"}, {"port": 0}, {"port": 70000}, {"port": "5432"}, {"host": ""},
    {"dbname": ""}, {"sslmode": "on"},
])
def test_invalid_profiles_are_refused(profile_store, change):
    with pytest.raises(InvalidProfile):
        profile_store.add(_profile(**change))


def test_names_may_hold_spaces_and_non_ascii(profile_store):
    profile_store.add(_profile("Café Zürich 2"))
    assert [p.name for p in profile_store.list()] == ["Café Zürich 2"]


def test_list_get_and_unknown(profile_store):
    profile_store.add(_profile("b"))
    profile_store.add(_profile("A"))
    assert [p.name for p in profile_store.list()] == ["A", "b"]
    with pytest.raises(UnknownProfile, match="A, b"):
        profile_store.get("c")


def test_update_keeps_replaces_or_forgets_the_password(profile_store, secrets):
    profile_store.add(_profile(), password="one")
    kept = profile_store.update(_profile(notes="new notes", has_password=True))
    assert profile_store.password_for(kept) == "one"
    replaced = profile_store.update(_profile(), password="two")
    assert replaced.has_password and profile_store.password_for(replaced) == "two"
    forgotten = profile_store.update(_profile(has_password=False))
    assert profile_store.password_for(forgotten) is None
    assert secrets.get_password("shop") is None
    with pytest.raises(InvalidProfile, match="no stored password"):
        profile_store.update(_profile(has_password=True))


def test_remove_deletes_the_keyring_entry(profile_store, secrets):
    profile_store.add(_profile(), password=SECRET)
    profile_store.remove("shop")
    assert secrets.get_password("shop") is None
    with pytest.raises(UnknownProfile):
        profile_store.remove("shop")


def test_a_damaged_file_is_reported_not_replaced(profile_store):
    path = app_paths().profiles_file
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(Exception, match="damaged") as caught:
        profile_store.list()
    assert str(path) in caught.value.message
    assert path.read_text(encoding="utf-8") == "{not json"
