"""Making things go wrong on purpose, for the failure tests.

- mounts: a small tmpfs that fills up, a read-only folder (tests run as root
  in CI, where chmod stops nobody, so a read-only mount is the only real
  "not writable"; without root, chmod 0500 does it);
- what a failed job must leave behind: no backup file and no `.partial`;
- messages a non-technical person can read: key words present, no
  traceback, no raw driver text, no password;
- a database of incompressible rows, big enough that a dump is still
  running when a test interferes with it.
"""
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import psycopg
import pytest

from desktop.core.errors import LifeboatError

# Text that means a technical message reached the user: a traceback, the
# driver's or the server's own wording, an OS error repr.
_LEAKS = (
    "traceback", "psycopg", "operationalerror", "fatal:", "error:", "[errno",
    "connection to server at", "libpq", "pq", "oserror", "exception",
)


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _mount(args: list[str], target: Path) -> None:
    result = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount here ({result.stderr.strip()}); this case needs mount privileges")


def _unmount(target: Path) -> None:
    # Lazy as a fallback: a test that failed may still hold a file open there.
    if subprocess.run(["umount", str(target)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


@contextmanager
def small_tmpfs(target: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` (e.g. "4m") at `target`: a drive that fills up."""
    if not is_root():
        pytest.skip("a small filesystem that fills up needs root to mount a tmpfs")
    target.mkdir(parents=True, exist_ok=True)
    _mount(["-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs"], target)
    try:
        yield target
    finally:
        _unmount(target)


@contextmanager
def read_only_folder(target: Path) -> Iterator[Path]:
    """A folder nobody can create files in, root included."""
    target.mkdir(parents=True, exist_ok=True)
    if not is_root():
        os.chmod(target, 0o500)
        try:
            yield target
        finally:
            os.chmod(target, 0o700)
        return
    _mount(["-t", "tmpfs", "-o", "size=1m,ro", "tmpfs"], target)
    try:
        yield target
    finally:
        _unmount(target)


def backup_files(folder: Path) -> list[Path]:
    """Anything in `folder` that looks like a backup, finished or not."""
    folder = Path(folder)
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.name.endswith((".lifeboat", ".partial")))


def assert_reads_well(error: LifeboatError, *keywords, secrets=()) -> None:
    """The message says what happened and what to do, in plain words.

    Each keyword must appear (case-insensitive); a tuple is a set of
    alternatives. No secret may appear in the message or the log detail."""
    message = error.message
    assert isinstance(message, str) and len(message) > 20, message
    assert str(error) == message
    lowered = message.lower()
    for leak in _LEAKS:
        # "pq" as a word only (libpq's function names: PQgetCopyData...)
        if leak == "pq":
            assert " pq" not in lowered, f"raw libpq text in the message: {message!r}"
        else:
            assert leak not in lowered, f"{leak!r} in the message: {message!r}"
    for secret in secrets:
        if secret:
            assert secret not in message, "a secret in the message"
            assert secret not in (error.detail or ""), "a secret in the log detail"
    for keyword in keywords:
        options = keyword if isinstance(keyword, tuple) else (keyword,)
        assert any(option.lower() in lowered for option in options), (
            f"none of {options} in the message: {message!r}"
        )


def wait_for(condition: Callable[[], object], timeout: float = 30.0, what: str = "condition"):
    """Polls `condition` until it returns something true (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def child_processes(name: str, parent: psutil.Process | None = None, holding: str | None = None
                    ) -> list[psutil.Process]:
    """Running descendants of `parent` (this process by default) called `name`, with `holding` among
    their arguments if given (read here: a short-lived one, a `--version`, may be gone a moment later)."""
    parent = parent or psutil.Process()
    found = []
    for child in parent.children(recursive=True):
        try:
            if (child.name() == name and child.status() != psutil.STATUS_ZOMBIE
                    and (holding is None or holding in child.cmdline())):
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def fill_with_noise(conninfo: str, megabytes: int) -> None:
    """A table of random hex text: zstd gets it to about half, no better."""
    rows = megabytes * (1 << 20) // 128
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CREATE TABLE noise (id integer, payload text)")
        conn.execute(
            "INSERT INTO noise SELECT g, md5(random()::text) || md5(random()::text)"
            " || md5(random()::text) || md5(g::text || random()::text)"
            " FROM generate_series(1, %s) g",
            (rows,),
        )
        conn.execute("VACUUM ANALYZE noise")


def flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0x01]))


def cut_to(path: Path, size: int) -> None:
    with open(path, "r+b") as f:
        f.truncate(size)


def noise_database(cluster, megabytes: int = 20) -> str:
    """A database holding `megabytes` of noise on `cluster`, made once per run
    (several test modules share it; they only read it or copy it as a template)."""
    name = f"noise_{os.getpid()}_{megabytes}mb"
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if not exists:
        cluster.create_database(name)
        fill_with_noise(cluster.conninfo(name), megabytes)
    return name


@contextmanager
def tables_held(cluster, dbname: str) -> Iterator[None]:
    """The public tables of `dbname` locked (ACCESS EXCLUSIVE) for the block: a
    backup started meanwhile waits at pg_dump's first lock, surely under way
    (a small database's backup is otherwise over before a test can stop it)."""
    with psycopg.connect(cluster.conninfo(dbname)) as holder:
        for (table,) in holder.execute("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
                                       "WHERE schemaname = 'public'").fetchall():
            holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield
        holder.rollback()


def waits_for_a_lock(cluster, dbname: str) -> bool:
    with psycopg.connect(cluster.conninfo(), autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                            (dbname,)).fetchone()[0] > 0
