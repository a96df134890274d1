"""The structure of a database built beside (parallel.py), restored from the
archive's table of contents alone.

The pre-data and post-data sections (tables; then indexes, constraints,
triggers) are SQL held in the archive's header and table of contents, the
first kilobytes of the file, which the first pass keeps: pg_restore reads no
data block for them. So pg_restore gets those bytes rather than the whole
backup decrypted once more:

- where a file can live in memory only (Linux: scratch.memory_file), as a
  file it can seek in, so that post-data runs with several jobs (pg_restore
  --jobs reopens the file in each worker, which inherits its descriptor).
  The data blocks' offsets are "not set" in a streamed archive; these
  sections never need them;
- elsewhere on its stdin, one job.

Neither in one transaction nor stopped at the first error: the database is
dropped should anything fail. pg_restore >= 17 sends `SET
transaction_timeout = 0` on every connection it opens, which servers <= 16
refuse; it says so and goes on, exiting with 1 ("errors ignored on
restore"). There that error, and only that one, is accepted: any other fails
the restore. The tool speaks untranslated (LC_ALL=C) so that its messages
can be read here (SectionMessages: how, with workers writing at once).
"""
import logging
import re
from contextlib import ExitStack
from subprocess import DEVNULL, PIPE
from typing import Optional

from desktop.core.jobs.restore.modes import (
    STALL_SECONDS,
    check_exit,
    dbname_arg,
    needs_script_route,
    pg_restore_options,
    restore_steps,
)
from desktop.core.jobs.restore.request import RestoreRun
from desktop.core.postgres.process import LineCallback, ToolProcess, Watchdog
from desktop.core.scratch import inherited_fds, memory_file, memory_files_exist

log = logging.getLogger("lifeboat.restore")
_ERROR = "error: "  # logging.c's level, written on its own
# The pieces a message starts with (logging.c): the program's name, a space, its level.
_LEADING_PIECES = re.compile(r"(?:pg_restore:| |error: |warning: |detail: |hint: )*")
_LAUNCHED = "launching item "  # --verbose with --jobs: an item handed to a worker
_REFUSED = "Command was: SET transaction_timeout = 0;"
_REFUSAL = 'unrecognized configuration parameter "transaction_timeout"'
_SERVER_ERROR = "ERROR:"


def restore_section(run: RestoreRun, toc: bytes, section: str, jobs: int = 1,
                    only: Optional[list[int]] = None) -> None:
    """`section` (pre-data, post-data) from `toc`, the archive's bytes up to the end of its
    table of contents; with `jobs` workers where the archive can be a file in memory.
    `only` (dump ids) narrows it, where the archive is a file in memory."""
    argv = [run.tools.pg_restore, "--verbose", "--no-password", dbname_arg(run.profile.dbname),
            *pg_restore_options(run.request), f"--section={section}"]
    env = {**run.env, "LC_ALL": "C"}
    messages = SectionMessages(restore_steps(run))
    in_memory = memory_files_exist()
    if only is not None and not in_memory:
        raise ValueError("a list of entries needs the archive as a file in memory")  # all would be restored
    with ExitStack() as stack:
        if in_memory:
            path = stack.enter_context(memory_file("lifeboat-toc", toc))
            fds = inherited_fds(path)
            if only is not None:  # pg_restore -L reads each line's dump id, up to the ";"
                listed = stack.enter_context(memory_file("lifeboat-list", "".join(f"{i};\n" for i in only).encode()))
                argv.append(f"--use-list={listed}")
                fds += inherited_fds(listed)
            proc = stack.enter_context(ToolProcess([*argv, f"--jobs={jobs}", path], env, stdout=DEVNULL,
                                                   on_stderr_line=messages, pass_fds=fds))
        else:
            proc = stack.enter_context(ToolProcess(argv, env, stdin=PIPE, stdout=DEVNULL, on_stderr_line=messages))
        with Watchdog(proc, run.cancel, STALL_SECONDS):
            if not in_memory:
                _write(proc, toc)
            code = proc.wait()
    _check(proc, code, run, messages)
    if messages.launched:
        log.info("restore beside: pg_restore handed %d %s steps to its %d workers", messages.launched, section, jobs)


def _write(proc: ToolProcess, toc: bytes) -> None:
    try:
        proc.stdin.write(toc)
        proc.stdin.close()
    except BrokenPipeError:
        pass  # pg_restore stopped: its exit code and messages say why


def _check(proc: ToolProcess, code: int, run: RestoreRun, messages: "SectionMessages") -> None:
    accepted = messages.refused if needs_script_route(run.tools, run.server_num) else 0
    others = messages.errors - accepted
    # Exit code 1 with the refused setting as its only errors: pg_restore went on past them.
    went_on = code == 1 and messages.errors and not others
    check_exit(proc, 0 if went_on else code, run.cancel, finished=not others, first_error=messages.first_other())


class SectionMessages:
    """pg_restore's stderr line by line: the progress steps, the items handed
    to workers, the errors.

    With --jobs its processes write at once, each message in pieces (the
    program's name, "error: ", then the text: logging.c), so the pieces of
    two messages may share a line; only a text comes whole, with its lines,
    the last ending in a newline. So the pieces before a text are all at the
    start of a line, and an error is counted by each "error: " there (not
    one in a table's name, say); the refused setting by its text: the
    server's message naming the setting, then a line that is exactly
    `Command was: SET transaction_timeout = 0;`."""

    def __init__(self, steps: LineCallback):
        self._steps = steps
        self.errors = 0
        self.refused = 0
        self.launched = 0
        self._previous = ""
        self._previous_errs = False
        self._other: Optional[str] = None
        self._server_error: Optional[str] = None

    def __call__(self, line: str) -> None:
        self._steps(line)
        lead = _LEADING_PIECES.match(line).group()
        self.errors += lead.count(_ERROR)
        text = line[len(lead):]
        if _SERVER_ERROR in text and _REFUSAL not in text and self._server_error is None:
            self._server_error = text
        self.launched += line[len(lead):].startswith(_LAUNCHED)
        if line == _REFUSED and "transaction_timeout" in self._previous:
            self.refused += 1
        elif self._previous_errs and self._other is None:
            self._other = self._previous
        self._previous, self._previous_errs = line, _ERROR in lead

    def first_other(self) -> Optional[str]:
        """The text of the first error that is not the refused setting's: the first the server
        sent (its text says ERROR:, wherever its pieces went), else the first after an error's
        pieces (another process's message may have come between them)."""
        if self._server_error:
            return self._server_error
        line = self._other or (self._previous if self._previous_errs else None)
        return line and _LEADING_PIECES.sub("", line, count=1)
