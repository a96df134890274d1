"""A private PostgreSQL server for one job: a test restore that needs no
rights on any real server and touches none.

It is a LocalCluster (cluster.py, the same code as the demo's and the test
suite's servers) run from Lifeboat's own PostgreSQL 18 (postgres/tools.py,
own_postgresql_dir: the bundle's pgtools/, or build/pgtools/ from source)
or, failing that, the newest server installed on this computer. It listens
on 127.0.0.1 only, on a free port, with scram-sha-256 and a random password
that exists only in this process's memory (and, briefly, in initdb's 0600
password file), in a new 0700 folder under the app's data folder. Its data
is thrown away, so fsync is off. The `with` block stops it and removes the
folder on every way out, and inflight.py records both before they exist, so
a killed Lifeboat leaves nothing the next start does not remove.

Under root the server runs as the `postgres` account (server_account.py):
when the data folder is out of that account's reach (/root is 0700), the
folder goes in the temporary folder instead, given to that account.
"""
import logging
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import ClusterError, LifeboatError
from desktop.core.localpg import inflight
from desktop.core.localpg.cluster import LocalCluster
from desktop.core.localpg.server_account import give_to, reachable_by, server_account
from desktop.core.localpg.server_programs import find_server_bin_dirs, has_server_programs
from desktop.core.postgres.tools import bundled_tools_dir
from desktop.core.store.profiles import Profile

log = logging.getLogger("lifeboat.private_server")
PROFILE_NAME = "private server"


@dataclass(frozen=True)
class PrivateServer:
    cluster: LocalCluster

    @property
    def password(self) -> str:
        return self.cluster.password

    @property
    def version(self) -> str:
        return self.cluster.version

    def profile(self, dbname: str) -> Profile:
        """How jobs reach a database on it (the password is `self.password`, never stored)."""
        return Profile(name=PROFILE_NAME, environment="development", host=self.cluster.host,
                       port=self.cluster.port, dbname=dbname, user=self.cluster.superuser)


def server_bin_dir() -> Path:
    """Lifeboat's own PostgreSQL 18 server programs, else the newest installed ones."""
    own = bundled_tools_dir()
    for folder in ([own] if own else []) + find_server_bin_dirs():
        if has_server_programs(folder):
            return folder
    raise ClusterError(
        "Lifeboat cannot start a private PostgreSQL server for the test restore: the server programs "
        "(postgres, initdb, pg_ctl) are missing. Reinstall Lifeboat (from source: run packaging/install-deps), "
        "or test-restore on a development server instead (--server PROFILE on the command line).",
        detail=f"no server programs in {own} nor in the system's PostgreSQL folders")


@contextmanager
def private_server(data_dir: Path) -> Iterator[PrivateServer]:
    """A started private server, stopped and removed when the block ends."""
    bin_dir = server_bin_dir()
    folder = _folder_for(data_dir)
    with inflight.holding(data_dir, inflight.PRIVATE_SERVER, bin_dir=str(bin_dir), folder=str(folder)):
        try:
            folder.mkdir(mode=0o700)
            give_to(server_account(), folder)
            yield PrivateServer(LocalCluster(bin_dir, folder / "data", fast=True).start())
        finally:
            remove_server(bin_dir, folder)


def _folder_for(data_dir: Path) -> Path:
    """A new folder's name (not made yet: the in-flight record comes first)."""
    name = f"server-{secrets.token_hex(6)}"
    base = data_dir / "private-servers"
    base.mkdir(mode=0o700, exist_ok=True)
    if reachable_by(base, server_account()):
        return base / name
    return Path(tempfile.gettempdir()) / f"lifeboat-private-{name}"


def remove_server(bin_dir: Path, folder: Path) -> None:
    """Stops the server in `folder` (if it runs) and removes the folder.

    Immediate shutdown: the data is thrown away, so the checkpoint a normal
    stop writes would be wasted time. Should the stop fail the folder still
    goes; a postmaster whose lock file vanished shuts itself down within a
    minute (it rechecks postmaster.pid)."""
    try:
        if (folder / "data" / "postmaster.pid").exists():
            LocalCluster(bin_dir, folder / "data").stop(mode="immediate")
    except LifeboatError as exc:
        log.warning("private server in %s did not stop: %s | %s", folder, exc.message, exc.detail)
    except OSError as exc:  # its programs are gone (Lifeboat moved or updated since)
        log.warning("private server in %s did not stop: %s", folder, exc)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def remove_leftover(record: inflight.Record) -> str:
    """Removes what a killed job left; returns what it did, in words."""
    folder = Path(record.details["folder"])
    remove_server(Path(record.details["bin_dir"]), folder)
    if folder.exists():
        raise ClusterError("Lifeboat could not remove a private server's folder left by an interrupted "
                           f"test restore: {folder}. Remove it by hand.", detail=str(folder))
    return f"Stopped and removed a private PostgreSQL server left by an interrupted test restore ({folder})."
