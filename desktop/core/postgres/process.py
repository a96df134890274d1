"""Running pg_dump, pg_restore and psql as child processes.

A child never reads a terminal (stdin is a pipe or /dev/null: DBeaver #7830
hung forever on a password prompt), runs in its own process group so a
cancel stops everything it started, and has its stderr read on a thread so
a full pipe can never stall it.

A child dies with Lifeboat. A pg_restore or psql that outlived a killed
Lifeboat could go on and commit what it had. On Linux the kernel
sends it SIGKILL when the thread that started it ends (PR_SET_PDEATHSIG
follows the forking *thread*, not the process): every job starts its tools
on the thread that then waits for them, and must keep doing so. Its own
process group stays, for cancel: killpg reaches what it forked. The password reaches it only through the
environment built by `connection.child_env` (a private PGPASSFILE, on
Linux a memory-only file this process hands down by descriptor).
"""
import collections
import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Optional

from desktop.core.postgres.connection import passfile_fds

try:
    import fcntl
except ImportError:  # Windows: pipes keep their size
    fcntl = None

LineCallback = Callable[[str], None]
_TAIL_LINES = 40
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
TOOL_NICENESS = 10


def _dies_with_this_thread() -> Optional[Callable[[], None]]:
    """The child-side hook that ties a Linux child's life to the forking thread."""
    if not sys.platform.startswith("linux"):
        return None
    # Looked up before the fork: the child may only call it, not load it.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def in_child() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)  # Lifeboat died before the line above took effect

    return in_child


def _yield_to_the_window(pid: int) -> None:
    """A lower CPU priority for the tool (and the workers it forks): where a job
    and the database server share the computer's cores, the window's thread
    still gets its turn at once (benchmarks/gui_responsiveness.py: the longest
    pause while two pg_dumps ran went from 45-80 ms to 23-38 ms), and the job,
    which waits for the server anyway, took no longer."""
    if os.name == "nt":
        return  # BELOW_NORMAL_PRIORITY_CLASS, given at creation
    try:
        os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, 0) + TOOL_NICENESS)
    except OSError:
        pass  # already gone, or not allowed here: it runs at Lifeboat's priority


class ToolProcess:
    def __init__(
        self,
        argv: Sequence[str | Path],
        env: dict,
        *,
        stdin: int | IO | None = subprocess.DEVNULL,
        stdout: int | IO | None = subprocess.PIPE,
        on_stderr_line: Optional[LineCallback] = None,
        pass_fds: Sequence[int] = (),
    ):
        """`pass_fds`: descriptors the child inherits besides the password file's (scratch.memory_file)."""
        self.name = Path(argv[0]).name
        self._on_line = on_stderr_line
        self._tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
        self.killed = False
        kwargs: dict = {}
        if os.name == "nt":
            # Not done on Windows yet: tying the child's life to Lifeboat's
            # needs a job object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE that
            # the child is assigned to (its handle kept open by Lifeboat),
            # and this could not be tested here. Until then a killed Lifeboat
            # leaves the tool running on Windows; psql still cannot commit
            # (Lifeboat sends COMMIT last), pg_restore sees its input end.
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.BELOW_NORMAL_PRIORITY_CLASS
        else:
            kwargs["start_new_session"] = True
            kwargs["preexec_fn"] = _dies_with_this_thread()
        self.proc = subprocess.Popen(
            [str(arg) for arg in argv], env=env, stdin=stdin, stdout=stdout,
            stderr=subprocess.PIPE, pass_fds=(*passfile_fds(env), *pass_fds), **kwargs,
        )
        _yield_to_the_window(self.proc.pid)
        self._reader = threading.Thread(target=self._read_stderr, name=f"{self.name}-stderr", daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        for raw in iter(self.proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self._tail.append(line)
            if self._on_line:
                self._on_line(line)

    @property
    def stdin(self) -> IO:
        return self.proc.stdin

    @property
    def stdout(self) -> IO:
        return self.proc.stdout

    def stderr_tail(self) -> str:
        return "\n".join(self._tail)

    def error_lines(self) -> list[str]:
        """The lines a tool marks as errors (verbose chatter left out)."""
        markers = ("error:", "ERROR:", "FATAL:", "detail:", "DETAIL:")
        return [line for line in self._tail if any(marker in line for marker in markers)]

    def wait(self, timeout: Optional[float] = None) -> int:
        code = self.proc.wait(timeout)
        self._reader.join()
        return code

    def kill(self) -> None:
        """Stop the child and everything it started (pg_dump -j forks workers)."""
        if self.proc.poll() is not None:
            return
        self.killed = True
        try:
            if os.name == "nt":
                self.proc.kill()
            else:
                os.killpg(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # already gone between poll() and the signal

    def close(self) -> None:
        """Kill if still running, reap, and close our ends of the pipes."""
        self.kill()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream:
                try:
                    stream.close()
                except OSError:
                    pass  # a broken pipe on close: the child is gone anyway
        self.wait()

    def __enter__(self) -> "ToolProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Watchdog:
    """Stops a child when the job is cancelled or when it has stalled.

    A pg_dump that neither writes nor logs for `stall_seconds` is stuck (a
    lock it waits for, a dead network): Databasus #502 left such backups
    "in progress" for hours. Better to fail it and say so.
    """

    def __init__(self, proc: ToolProcess, cancel, stall_seconds: float, clock=None):
        import time

        self._clock = clock or time.monotonic
        self._proc = proc
        self._cancel = cancel
        self._stall_seconds = stall_seconds
        self._last = self._clock()
        self.stalled = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="watchdog", daemon=True)

    def touch(self) -> None:
        self._last = self._clock()

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            if self._cancel.cancelled:
                self._proc.kill()
                return
            if self._clock() - self._last > self._stall_seconds:
                self.stalled = True
                self._proc.kill()
                return

    def __enter__(self) -> "Watchdog":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


_PIPE_BYTES = 1 << 20


def widen_pipe(stream: IO) -> None:
    """A 1 MiB pipe instead of 64 KiB (Linux): a tool writing fast waits less
    often for the reader, and the reader wakes up less often."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is None:
        return
    try:
        fcntl.fcntl(stream.fileno(), set_size, _PIPE_BYTES)
    except OSError:
        pass  # capped by /proc/sys/fs/pipe-max-size: the default size works, only slower
