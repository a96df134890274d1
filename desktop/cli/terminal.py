"""What the CLI does on a terminal: progress line, tables, JSON out, secret prompts, Ctrl-C."""
import getpass
import json
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Optional, TextIO

from desktop.core.progress import CancelToken, Progress
from desktop.core.units import human_duration


class ProgressLine:
    """One self-overwriting line on stderr, drawn only when stderr is a terminal."""

    def __init__(self, stream: Optional[TextIO] = None, width: int = 24):
        # sys.stderr as it is now, not when this module loaded (it loads lazily, with a command's module).
        self._stream = sys.stderr if stream is None else stream
        self._width = width
        self._enabled = self._stream.isatty()
        self._last = ""
        self._waiting = ""

    def __call__(self, progress: Progress) -> None:
        if progress.waiting != self._waiting:
            self._waiting = progress.waiting
            if progress.waiting:
                self._say(progress.waiting)
        if not self._enabled:
            return
        fraction = progress.fraction
        if fraction is None:
            bar = "." * self._width
            percent = "   "
        else:
            filled = int(fraction * self._width)
            bar = "#" * filled + "-" * (self._width - filled)
            percent = f"{fraction * 100:3.0f}%"
        text = f"\r[{bar}] {percent} {progress.phase}"
        if progress.item:
            text += f": {progress.item}"
        text += f"  {human_duration(progress.elapsed)} elapsed, ETA {human_duration(progress.eta_seconds)}"
        if text != self._last:
            self._stream.write(text[:160].ljust(len(self._last)))
            self._stream.flush()
            self._last = text[:160]

    def _say(self, message: str) -> None:
        """A line of its own, above the bar and also when stderr is not a
        terminal: a scheduled job's log should tell why it waited."""
        if self._last:
            self._stream.write("\r" + " " * len(self._last) + "\r")
            self._last = ""
        self._stream.write(f"lifeboat: {message}\n")
        self._stream.flush()

    def finish(self) -> None:
        if self._enabled and self._last:
            self._stream.write("\n")
            self._stream.flush()
            self._last = ""


def table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(str(cell))) for w, cell in zip(widths, row)]
    lines = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths)).rstrip()]
    for row in rows:
        lines.append("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


def run_with_progress(job: Callable[[Callable, CancelToken], object]):
    """Runs a job on a worker thread so Ctrl-C can cancel it cleanly.

    The main thread waits on an Event, not Thread.join(): on Python 3.11 a
    Ctrl-C landing inside join() marks a still-running thread as stopped,
    and a second join() then returns before the job has cleaned up.
    """
    cancel = CancelToken()
    line = ProgressLine()
    outcome: dict = {}
    done = threading.Event()

    def work() -> None:
        try:
            outcome["value"] = job(line, cancel)
        except BaseException as exc:  # re-raised on the main thread below
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name="job", daemon=True).start()
    try:
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        cancel.cancel()
        sys.stderr.write("\nCancelling...\n")
        done.wait()
    finally:
        line.finish()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def read_secret(prompt: str) -> Optional[str]:
    if not sys.stdin.isatty():
        return None
    return getpass.getpass(prompt) or None


def print_json(data) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def print_json_array(texts: Iterable[str]) -> None:
    """An array of items that are already JSON text, one a line: what a big list prints
    without parsing its items and dumping them again."""
    separator = "[\n"
    for text in texts:
        sys.stdout.write(separator + text)
        separator = ",\n"
    sys.stdout.write("[]\n" if separator == "[\n" else "\n]\n")
