"""Reading inside a backup without restoring it: its plaintext, streamed into
pg_restore or read as a tar stream, and abandoned as soon as the reader has
what it needs.

Nothing decrypted is written to disk, except a directory-format backup's
`toc.dat` (its table of contents: definitions, no rows), which pg_restore can
only read from a folder: it goes into a private job folder (scratch.py)
removed when the reading ends. pg_restore runs with `--file=-` and no
connection; it is started on the thread that reads its output (its life is
tied to that thread, process.py) and fed from another, so neither can block
the other, and it is killed when the reader stops early; the feeding thread
then stops at its next chunk.
"""
import os
import tarfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from subprocess import PIPE
from typing import Optional

from desktop.core.errors import BackupFileError, Cancelled
from desktop.core.format.pipeline import ChunkReader
from desktop.core.open_backup import OpenedBackup, plaintext
from desktop.core.postgres.process import ToolProcess
from desktop.core.postgres.tools import PgTools, tools_for_server
from desktop.core.progress import CancelToken
from desktop.core.scratch import job_folder
from desktop.core.workspace import Workspace


@dataclass
class Reading:
    """How much of the backup file a look inside it read."""
    bytes_read: int = 0
    passes: int = 0

    def counter(self):
        self.passes += 1
        start = self.bytes_read

        def on_bytes(done: int) -> None:
            self.bytes_read = start + done
        return on_bytes


def archive_tools(ws: Workspace, opened: OpenedBackup) -> PgTools:
    # pg_restore reads archives of its own major version and older.
    dumped_major = int(opened.manifest.pg_dump_version.split(".")[0] or 0)
    return tools_for_server(max(dumped_major, 10) * 10000, ws.tool_dirs())


def lines_of(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a byte stream, without their newline."""
    carry = b""
    for block in blocks:
        lines = (carry + block).split(b"\n")
        carry = lines.pop()
        yield from lines
    if carry:
        yield carry


class _Feeder:
    """Writes the backup's plaintext into a tool's stdin on its own thread."""

    def __init__(self, opened: OpenedBackup, proc: ToolProcess, reading: Reading, cancel: CancelToken):
        self.error: Optional[BaseException] = None
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self._work, args=(opened, proc, reading.counter(), cancel),
                                        name="inspect-feed", daemon=True)
        self._thread.start()

    def _work(self, opened, proc, on_bytes, cancel) -> None:
        try:
            with plaintext(opened, on_bytes) as (blocks, _):
                for block in blocks:
                    if self.stop.is_set() or cancel.cancelled:
                        break
                    proc.stdin.write(block)
            proc.stdin.close()
        except (BrokenPipeError, ValueError):
            pass  # the tool stopped reading (it had what it needed, or was stopped)
        except BaseException as exc:  # raised on the reading thread by join()
            self.error = exc
            proc.kill()

    def join(self) -> None:
        self.stop.set()
        self._thread.join()
        if self.error is not None:
            raise self.error


@contextmanager
def tool_lines(opened: OpenedBackup, argv: list, reading: Reading, cancel: CancelToken,
               ) -> Iterator[Iterator[bytes]]:
    """The lines pg_restore writes for `argv` (its input: the backup, on stdin)."""
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith("PG")}
    with ToolProcess(argv, env, stdin=PIPE, stdout=PIPE) as proc:
        feeder = _Feeder(opened, proc, reading, cancel)
        finished = []

        def lines() -> Iterator[bytes]:
            for raw in proc.stdout:
                if cancel.cancelled:
                    raise Cancelled("Stopped. Nothing was changed.")
                yield raw.rstrip(b"\n")
            finished.append(True)

        try:
            yield lines()
        finally:
            if not finished:
                proc.kill()  # the reader has what it needs
            code = proc.wait()
            feeder.join()
        if finished and code != 0 and not cancel.cancelled:
            raise unreadable(proc, code)


def unreadable(proc: ToolProcess, code: int) -> BackupFileError:
    return BackupFileError(
        "Lifeboat could not read what is inside this backup. Check it with Verify; if it is intact, "
        "the PostgreSQL tools on this computer may be older than the ones that made it.",
        detail=f"{proc.name} exited {code}\n{proc.stderr_tail()}")


def run_listing(argv: list) -> list[bytes]:
    """The output of a pg_restore reading a folder (a directory backup's table of contents)."""
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith("PG")}
    with ToolProcess(argv, env, stdout=PIPE) as proc:
        output = proc.stdout.read()
        code = proc.wait()
    if code != 0:
        raise unreadable(proc, code)
    return output.split(b"\n")


@contextmanager
def tar_members(opened: OpenedBackup, reading: Reading, cancel: CancelToken) -> Iterator[tarfile.TarFile]:
    """A directory-format backup as the tar stream it is stored as (read in order, once)."""
    with plaintext(opened, reading.counter()) as (blocks, _):
        def checked() -> Iterator[bytes]:
            for block in blocks:
                if cancel.cancelled:
                    raise Cancelled("Stopped. Nothing was changed.")
                yield block

        with tarfile.open(fileobj=ChunkReader(checked()), mode="r|") as archive:
            yield archive


@contextmanager
def directory_toc(ws: Workspace, opened: OpenedBackup, reading: Reading, cancel: CancelToken,
                  ) -> Iterator[tuple[Path, dict[str, int]]]:
    """A private folder holding only the backup's toc.dat, and the size of every file in it.

    pg_dump's files are stored in name order, so toc.dat comes after the data
    files: the whole file is read once, the data files only measured."""
    sizes: dict[str, int] = {}
    ws.paths.staging_dir.mkdir(parents=True, exist_ok=True)
    with job_folder(ws.paths.staging_dir) as folder:
        with tar_members(opened, reading, cancel) as archive:
            for member in archive:
                sizes[member.name] = member.size
                if member.name == "toc.dat":
                    archive.extract(member, folder, filter="data")
        yield Path(folder), sizes
