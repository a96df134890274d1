"""How a running job tells the outside world where it is, and how it is told to stop.

Jobs take a `report` callback and a `CancelToken`; the CLI draws a bar from
the reports, the GUI turns them into signals. Neither knows about the other.
"""
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Optional

from desktop.core.errors import Cancelled


@dataclass(frozen=True)
class Progress:
    phase: str
    item: str = ""
    done: int = 0
    total: int = 0
    bytes_done: int = 0
    elapsed: float = 0.0
    eta_seconds: Optional[float] = None
    # What the job waits for, in words (a table another program locked); "" when it does not wait.
    waiting: str = ""

    @property
    def headline(self) -> str:
        return self.waiting or self.phase

    @property
    def fraction(self) -> Optional[float]:
        if self.total <= 0:
            return None
        return min(1.0, self.done / self.total)


ProgressCallback = Callable[[Progress], None]


def ignore_progress(_: Progress) -> None:
    pass


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float) -> bool:
        return self._event.wait(timeout)

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled("The job was cancelled. Nothing was changed by the part that did not finish.")


class ProgressTracker:
    """Adds elapsed time and an ETA (linear in items done) to each report."""

    def __init__(self, report: ProgressCallback, clock=time.monotonic) -> None:
        self._report = report
        self._clock = clock
        self._start = clock()
        self.last = Progress(phase="Starting")
        # The job's thread and a LockWatch report at once: neither may undo the other's change.
        self._lock = threading.Lock()

    def update(self, **changes) -> None:
        with self._lock:
            progress = replace(self.last, **changes)
            elapsed = self._clock() - self._start
            eta = None
            fraction = progress.fraction
            if fraction and fraction < 1.0 and elapsed > 0:
                eta = elapsed * (1.0 - fraction) / fraction
            self.last = replace(progress, elapsed=elapsed, eta_seconds=eta)
            self._report(self.last)
