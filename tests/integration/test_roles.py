"""Roles travel with a backup (issue 14, "Roles and other globals").

One Pagila backup whose tables belong to a role and are granted to another
that the target server then lacks (both dropped on pg15 after the backup;
a third role, kept, holds a grant that must survive): refused with
--roles require, naming them, the target unchanged; restored with
map-to-me, the default into development, as a user who is not a member of
the roles that own the rest either (that user owns them all, the kept grant
stays) and
with --roles create (the roles exist afterwards, NOLOGIN, owning the tables).
Without pg_dumpall the backup keeps the names only, says so, and create
makes the roles bare; map-to-me refuses a policy's missing role up front.
"""
import json
from dataclasses import replace

import pytest

from desktop.cli.main import main as cli_main
from desktop.core.format.manifest import BackupOptions, Manifest
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.restore.request import RestoreRequest
from desktop.core.jobs.restore.roles import named_roles
from desktop.core.open_backup import open_backup
from desktop.core.postgres.globals_sql import creation_sql, filter_globals
from desktop.core.postgres.tools import bundled_tools_dir
from desktop.core.store.profiles import Profile
from desktop.core.store.settings import Settings, save_settings
from desktop.core.workspace import Workspace
from tests.dbcompare import schema_dump
from tests.roles_data import backup_naming_missing_roles, forget_roles, owner_of, run_sql

OWNER, READER, KEPT, RESTORER = "Film Owner", "pagila_reader", "pagila_auditor", "roles_restorer"


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


@pytest.fixture
def roles_backup(ws, pg15, pagila_db, make_profile):
    """A backup of Pagila naming three roles, two of which pg15 no longer has."""
    make_profile(pg15, pagila_db, name="source")
    yield backup_naming_missing_roles(
        lambda: run_backup(ws, BackupRequest("source")), pg15, pagila_db, OWNER, READER, ("film", "actor"),
        setup=f"""COMMENT ON ROLE "{OWNER}" IS 'owns the films'; CREATE ROLE {KEPT};
                  GRANT SELECT ON actor TO {KEPT}""")
    for dbname in run_sql(pg15, "postgres", "SELECT datname FROM pg_database WHERE datname LIKE 'roles\\_%'"):
        pg15.drop_database(dbname[0])
    forget_roles(pg15, "postgres", OWNER, READER, RESTORER)
    forget_roles(pg15, pagila_db, KEPT)


def test_a_backup_carries_its_roles_and_a_restore_stops_creates_or_maps_them(
        ws, pg15, fresh_db, make_profile, profile_store, roles_backup, capsys):
    manifest = open_backup(ws, roles_backup.id).manifest
    assert {OWNER, READER, KEPT} <= set(manifest.roles)
    assert OWNER in manifest.roles_used_as["owner"] and {READER, KEPT} <= set(manifest.roles_used_as["grantee"])
    assert not manifest.roles_names_only
    assert f'CREATE ROLE "{OWNER}";' in manifest.roles_sql
    assert f'GRANT {READER} TO "{OWNER}"' in manifest.roles_sql
    assert "PASSWORD" not in manifest.roles_sql
    assert cli_main(["show", roles_backup.id]) == 0
    assert f"roles: {OWNER}, " in capsys.readouterr().out
    assert cli_main(["show", roles_backup.id, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert set(shown["roles"]) == set(manifest.roles) and shown["roles_names_only"] is False

    target = fresh_db(prefix="roles_require")
    make_profile(pg15, target, name="target", environment="production")
    before = schema_dump(pg15, target)
    assert cli_main(["restore", roles_backup.id, "--into", "target", "--confirm", target]) == 1
    err = capsys.readouterr().err
    assert f'"{OWNER}"' in err and f'"{READER}"' in err and "Nothing was changed" in err, err
    assert KEPT not in err
    assert schema_dump(pg15, target) == before

    # As a user who is neither superuser nor member of the roles that own the rest (the superuser).
    mapped = fresh_db(prefix="roles_mapped")
    run_sql(pg15, "postgres", f"CREATE ROLE {RESTORER} LOGIN PASSWORD 'restorer-pw'",
            f"ALTER DATABASE {mapped} OWNER TO {RESTORER}")
    run_sql(pg15, mapped, f"ALTER SCHEMA public OWNER TO {RESTORER}")
    profile_store.add(Profile(name="mapped", environment="development", host=pg15.host, port=pg15.port,
                              dbname=mapped, user=RESTORER), password="restorer-pw")
    assert cli_main(["restore", roles_backup.id, "--into", "mapped"]) == 0, capsys.readouterr().err
    assert {owner_of(pg15, mapped, table) for table in ("film", "actor", "rental")} == {RESTORER}
    assert run_sql(pg15, mapped, f"SELECT has_table_privilege('{KEPT}', 'actor', 'SELECT')") == [(True,)]
    assert run_sql(pg15, "postgres", "SELECT count(*) FROM pg_roles WHERE rolname = %s", params=[OWNER]) == [(0,)]

    created = fresh_db(prefix="roles_created")
    make_profile(pg15, created, name="created")
    assert cli_main(["restore", roles_backup.id, "--into", "created", "--roles", "create"]) == 0, \
        capsys.readouterr().err
    assert owner_of(pg15, created, "film") == f'"{OWNER}"'
    made = run_sql(pg15, created, "SELECT rolcanlogin, rolcreatedb, shobj_description(oid, 'pg_authid') "
                                  "FROM pg_roles WHERE rolname = %s", params=[OWNER])
    assert made == [(False, True, "owns the films")]
    assert run_sql(pg15, created, f"SELECT pg_has_role('{OWNER}', '{READER}', 'MEMBER'), "
                                  f"has_table_privilege('{READER}', 'film', 'SELECT')") == [(True, True)]


def test_created_roles_never_log_in_nor_hold_powers_and_memberships_need_both_roles():
    captured = ('CREATE ROLE boss;\nALTER ROLE boss WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION '
                'BYPASSRLS;\nCOMMENT ON ROLE boss IS \'two\n-- lines; here\';\nGRANT boss TO other GRANTED BY x;\n')
    script = f"--\n-- Roles\n--\n\\restrict abc\nSET client_encoding = 'UTF8';\n{captured}CREATE ROLE other;\n"
    assert filter_globals(script, ["boss"]) == captured.replace("GRANT boss TO other GRANTED BY x;\n", "")
    made = creation_sql(captured, ["boss", "ghost"], ["other"])
    assert made.splitlines() == [
        "CREATE ROLE ghost NOLOGIN;", "CREATE ROLE boss;",
        "ALTER ROLE boss WITH NOSUPERUSER INHERIT CREATEROLE CREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;",
        "COMMENT ON ROLE boss IS 'two", "-- lines; here';", "GRANT boss TO other;"]


def test_without_pg_dumpall_the_names_are_kept_a_policys_role_is_not_mapped_and_create_makes_them_bare(
        ws, pg15, chinook_db, fresh_db, make_profile, tmp_path, capsys):
    tools = tmp_path / "tools-without-pg_dumpall"
    tools.mkdir()
    for name in ("pg_dump", "pg_restore", "psql"):
        (tools / name).symlink_to(bundled_tools_dir() / name)
    save_settings(ws.paths, Settings(tools_dir=str(tools)))
    ws = Workspace.open()
    make_profile(pg15, chinook_db, name="shop")
    record = backup_naming_missing_roles(
        lambda: run_backup(ws, BackupRequest("shop")), pg15, chinook_db, "Shop Owner", "shop_reader", ("artist",),
        setup="ALTER TABLE album ENABLE ROW LEVEL SECURITY; "
              "CREATE POLICY readers ON album FOR SELECT TO shop_reader USING (true)")
    manifest = open_backup(ws, record.id).manifest
    assert {"Shop Owner", "shop_reader"} <= set(manifest.roles)
    assert manifest.roles_used_as["policy"] == ["shop_reader"]
    assert manifest.roles_names_only and manifest.roles_sql == ""
    assert cli_main(["show", record.id]) == 0
    assert "names only" in capsys.readouterr().out
    target = fresh_db(prefix="roles_bare")
    make_profile(pg15, target, name="bare")
    try:
        assert cli_main(["restore", record.id, "--into", "bare", "--roles", "map-to-me"]) == 1
        assert 'policies in the backup name "shop_reader"' in capsys.readouterr().err
        assert cli_main(["restore", record.id, "--into", "bare", "--roles", "create"]) == 0, capsys.readouterr().err
        assert owner_of(pg15, target, "artist") == '"Shop Owner"'
        made = run_sql(pg15, target, "SELECT rolcanlogin, rolcreatedb FROM pg_roles WHERE rolname = 'Shop Owner'")
        assert made == [(False, False)]
        assert run_sql(pg15, target, "SELECT polroles::regrole[]::text FROM pg_policy") == [("{shop_reader}",)]
    finally:
        pg15.drop_database(target)
        forget_roles(pg15, "postgres", "Shop Owner", "shop_reader")


def test_a_restore_names_only_the_roles_it_writes():
    manifest = Manifest(backup_id="b", profile="p", environment="production", database="d", host="h", port=5432,
                        kind="manual", options=BackupOptions(), server_version="15.8", server_version_num=150008,
                        pg_dump_version="18.0", started_at="2026-12-02T11:00:00Z", roles=["a", "b", "c"],
                        roles_used_as={"owner": ["a"], "grantee": ["b"], "policy": ["c"]})
    request = RestoreRequest(source="b", into="t")
    assert named_roles(manifest, request) == ["a", "b", "c"]
    assert named_roles(manifest, replace(request, no_owner=True)) == ["b", "c"]
    assert named_roles(manifest, replace(request, no_owner=True, no_acl=True)) == ["c"]
    assert named_roles(manifest, replace(request, data_only=True)) == []
    assert named_roles(replace(manifest, roles=None, roles_used_as={}), request) == [], "a backup made before"
