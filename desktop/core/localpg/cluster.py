"""Throwaway local PostgreSQL clusters: the one `lifeboat --demo` opens and
the ones the test suite runs against.

A cluster listens on 127.0.0.1 only, on a free TCP port, with scram-sha-256
password authentication for every connection: clients reach it exactly as
they reach a real server. It has no Unix socket (`unix_socket_directories =
''`): a socket path is capped at 107 bytes, which deep temporary folders
exceed, and nothing here needs one.

Under root the server programs run as the `postgres` account (see
server_account.py), and the cluster must live where that account can reach
it: when the requested data directory's parents are closed to it (pytest's
/tmp/pytest-of-root is 0700, so is /root), the cluster moves to a fresh
private folder made by `tempfile.mkdtemp()`, and `data_dir` says where.
"""
import locale
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from desktop.core.errors import ClusterError
from desktop.core.localpg.selfsigned import self_signed_certificate
from desktop.core.localpg.server_account import give_to, reachable_by, run_as, server_account
from desktop.core.localpg.server_programs import server_version

START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    # The kernel picks a free port; another process could take it before the
    # server binds it, so LocalCluster.start() retries on "could not bind".
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalCluster:
    host = "127.0.0.1"

    def __init__(
        self,
        bin_dir: Path,
        data_dir: Path,
        *,
        superuser: str = "lifeboat_admin",
        password: str | None = None,
        port: int | None = None,
        ssl: bool = False,
        fast: bool = False,
    ):
        """`fast` turns fsync and synchronous commit off: for tests only,
        a crash then loses the cluster."""
        self.bin_dir = Path(bin_dir)
        self.data_dir = Path(data_dir).absolute()
        self.superuser = superuser
        self.password = password or secrets.token_urlsafe(24)
        if "\n" in self.password or "\r" in self.password:
            raise ValueError("a password cannot contain a line break")
        self._fixed_port = port is not None
        self.port = port or free_port()
        self.ssl = ssl
        self.fast = fast
        self.version = server_version(self.bin_dir)
        self.major = int(re.match(r"\d+", self.version).group())
        self._account = server_account()
        self._owned_dir: Path | None = None  # removed by destroy()

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.log"

    @property
    def cert_path(self) -> Path | None:
        return self.data_dir / "server.crt" if self.ssl else None

    def tool(self, name: str) -> Path:
        """One of this cluster's own programs (psql, pg_dump...)."""
        return self.bin_dir / name

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> "LocalCluster":
        if not (self.data_dir / "PG_VERSION").exists():
            self._prepare_dirs()
            self._initdb()
            self._configure()
        for _ in range(3):
            result = self._server_tool(
                "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file),
                "-w", "-t", str(START_TIMEOUT_SECONDS), "-o", f"-p {self.port}", "start",
            )
            if result.returncode == 0:
                break
            if self._fixed_port or "could not bind" not in self._log_tail(5):
                break
            self.port = free_port()
        if result.returncode != 0:
            raise ClusterError(
                "Lifeboat could not start its local PostgreSQL server.",
                f"pg_ctl start failed:\n{result.stdout}\n--- server log ---\n{self._log_tail()}",
            )
        self._check_login()
        return self

    def stop(self, mode: str = "fast") -> None:
        """`mode`: pg_ctl's; "immediate" skips the checkpoint, for data thrown away next."""
        if not (self.data_dir / "postmaster.pid").exists():
            return
        result = self._server_tool("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")
        if result.returncode != 0:
            raise ClusterError(
                "Lifeboat could not stop its local PostgreSQL server.",
                f"pg_ctl stop failed:\n{result.stdout}\n--- server log ---\n{self._log_tail()}",
            )

    def destroy(self) -> None:
        self.stop()
        if self._owned_dir is not None:
            shutil.rmtree(self._owned_dir, ignore_errors=True)
        else:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.log_file.unlink(missing_ok=True)

    # -- SQL ---------------------------------------------------------------

    def conninfo(self, dbname: str = "postgres") -> str:
        """A libpq connection string WITH the password: tests and demo only."""
        return make_conninfo(
            host=self.host, port=self.port, user=self.superuser,
            password=self.password, dbname=dbname, connect_timeout=10,
        )

    def create_database(self, name: str, template: str | None = None) -> None:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        self._execute(query)

    def drop_database(self, name: str) -> None:
        query = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
        if self.major >= 13:  # WITH (FORCE) arrived in PostgreSQL 13
            query += sql.SQL(" WITH (FORCE)")
        self._execute(query)

    def run_psql(
        self, dbname: str, sql_file_or_text: Path | str, *, on_error_stop: bool = True
    ) -> subprocess.CompletedProcess:
        """Run a script file (Path) or SQL text (str, fed on stdin) with this
        cluster's psql. Raises ClusterError when psql exits non-zero, which
        without ON_ERROR_STOP happens only when it cannot connect or read."""
        args = [str(self.tool("psql")), "-X", "-q", "-v", f"ON_ERROR_STOP={int(on_error_stop)}"]
        if isinstance(sql_file_or_text, Path):
            args += ["-f", str(sql_file_or_text)]
            stdin_text = None
        else:
            args += ["-f", "-"]
            stdin_text = sql_file_or_text
        with self.client_env(dbname) as env:
            result = subprocess.run(
                args, input=stdin_text, capture_output=True, env=env,
                text=True, encoding="utf-8", errors="replace",
            )
        if result.returncode != 0:
            raise ClusterError(
                "A SQL script failed on the local PostgreSQL server.",
                f"psql exited {result.returncode} on database {dbname!r}:\n{result.stderr[-4000:]}",
            )
        return result

    @contextmanager
    def client_env(self, dbname: str = "postgres") -> Iterator[dict[str, str]]:
        """Environment for this cluster's client tools (psql, pg_dump...).

        The password goes through a private 0600 PGPASSFILE deleted on exit,
        never argv or PGPASSWORD (visible to other users on some systems).
        The database name goes through PGDATABASE rather than `-d`, where a
        name containing '=' would be parsed as a connection string."""
        fd, passfile = tempfile.mkstemp(prefix="lifeboat-pgpass-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(f"{self.host}:{self.port}:*:{_pgpass_escape(self.superuser)}:"
                          f"{_pgpass_escape(self.password)}\n")
            env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
            env.update(
                PGHOST=self.host, PGPORT=str(self.port), PGUSER=self.superuser,
                PGDATABASE=dbname, PGPASSFILE=passfile, PGCONNECT_TIMEOUT="10",
                PGCLIENTENCODING="UTF8",
            )
            yield env
        finally:
            os.unlink(passfile)

    def _execute(self, query: sql.Composable) -> None:
        # CREATE/DROP DATABASE cannot run inside a transaction block.
        try:
            with psycopg.connect(self.conninfo(), autocommit=True) as conn:
                conn.execute(query)
        except psycopg.Error as exc:
            raise ClusterError(
                "A command failed on the local PostgreSQL server.", f"{exc.sqlstate}: {exc}"
            ) from exc

    def _check_login(self) -> None:
        try:
            psycopg.connect(self.conninfo()).close()
        except psycopg.Error as exc:
            raise ClusterError(
                "Lifeboat started its local PostgreSQL server but could not log in to it.",
                f"{exc}\n--- server log ---\n{self._log_tail()}",
            ) from exc

    # -- creating the cluster ----------------------------------------------

    def _prepare_dirs(self) -> None:
        """Make the data directory and its private parent, reachable by the
        account the server runs as."""
        home = self.data_dir.parent
        if not reachable_by(_nearest_existing(home), self._account):
            self._owned_dir = Path(tempfile.mkdtemp(prefix="lifeboat-pg-"))
            self.data_dir = self._owned_dir / self.data_dir.name
            home = self._owned_dir
        elif not home.exists():
            home.mkdir(mode=0o700, parents=True)
            self._owned_dir = home
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        self.log_file.touch(mode=0o600)
        give_to(self._account, self.data_dir, self.log_file)
        if home == self._owned_dir:
            give_to(self._account, home)
        for needed in (self.data_dir, self.bin_dir):
            if not reachable_by(needed, self._account):
                raise ClusterError(
                    "PostgreSQL cannot open the folders Lifeboat gave it.",
                    f"{needed} is not reachable by the OS account the server runs as",
                )

    def _initdb(self) -> None:
        fd, pwfile = tempfile.mkstemp(prefix="pwfile-", dir=self.data_dir.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(self.password + "\n")
            give_to(self._account, Path(pwfile))
            args = [
                "-D", str(self.data_dir), "-U", self.superuser, f"--pwfile={pwfile}",
                "--auth=scram-sha-256", "-E", "UTF8", f"--locale={_initdb_locale()}",
            ]
            if self.fast:
                args.append("--no-sync")
            result = self._server_tool("initdb", *args)
        finally:
            os.unlink(pwfile)
        if result.returncode != 0:
            raise ClusterError(
                "Lifeboat could not create its local PostgreSQL server.",
                f"initdb failed:\n{result.stdout[-4000:]}",
            )

    def _configure(self) -> None:
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": "''",
            "password_encryption": "'scram-sha-256'",
        }
        if self.fast:
            settings.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        if self.ssl:
            self._write_certificate()
            settings["ssl"] = "on"
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# Lifeboat local cluster\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _write_certificate(self) -> None:
        """server.crt/server.key in the data directory, PostgreSQL's defaults.
        The server refuses a key readable by others or owned by anyone but
        itself or root."""
        cert_pem, key_pem = self_signed_certificate(self.host)
        for name, content in (("server.crt", cert_pem), ("server.key", key_pem)):
            path = self.data_dir / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            give_to(self._account, path)

    # -- running server programs -------------------------------------------

    def _server_tool(self, name: str, *args: str) -> subprocess.CompletedProcess:
        """Run initdb/pg_ctl as the server's account, output into a temporary
        file: a pipe can hang when the forked postmaster inherits it."""
        with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as out:
            result = subprocess.run(
                [str(self.tool(name)), *args], stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, cwd=self.data_dir.parent, **run_as(self._account),
            )
            out.seek(0)
            result.stdout = out.read()
        return result

    def _log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])


def _pgpass_escape(value: str) -> str:
    # .pgpass fields are ':'-separated; '\' escapes ':' and itself.
    return value.replace("\\", "\\\\").replace(":", "\\:")


@cache
def _initdb_locale() -> str:
    """C.UTF-8 where the C library has it (glibc, musl), else plain C.

    Probed on LC_COLLATE only and put back at once: it affects strcoll alone."""
    saved = locale.setlocale(locale.LC_COLLATE)
    try:
        locale.setlocale(locale.LC_COLLATE, "C.UTF-8")
        return "C.UTF-8"
    except locale.Error:
        return "C"
    finally:
        locale.setlocale(locale.LC_COLLATE, saved)


def _nearest_existing(path: Path) -> Path:
    while not path.exists():
        path = path.parent
    return path
