"""The one way the GUI runs a core job in the background (Anki's QueryOp, DESIGN.md).

A `Worker` QObject lives on a QThread and calls the job; a `BackgroundJob`
on the GUI thread owns both and re-emits the worker's signals, so widgets
and tests connect to an object that outlives nothing they hold. The job gets
a progress callback (queued into the GUI thread as a signal) and a
CancelToken that Cancel buttons set. Widgets are never touched off the GUI
thread.
"""
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Optional

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from desktop.core.errors import Cancelled, LifeboatError
from desktop.core.progress import CancelToken, Progress

log = logging.getLogger("lifeboat.ui")

_REPORT_INTERVAL = 0.1
_running: set = set()
_BACKGROUND_NICE = 5
JobFunction = Callable[[Callable[[Progress], None], CancelToken], object]


def _yield_to_the_window() -> None:
    """Lowers this worker thread's CPU priority (and so that of the threads and
    tools it starts): on 2 cores, a 1 GB backup's threads and pg_dump otherwise
    delay the window's event loop by 60+ ms now and then. Linux sets it per
    thread; elsewhere this is skipped."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _BACKGROUND_NICE)
        except OSError:
            pass  # not allowed: run at normal priority


class _Worker(QObject):
    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    done = Signal()

    def __init__(self, function: JobFunction, cancel: CancelToken):
        super().__init__()
        self._function = function
        self._cancel = cancel
        self._last_sent = (0.0, None, None)

    def _report(self, progress: Optional[Progress]) -> None:
        """Forwards at most ~10 reports a second (plus every change of phase
        or item): a backup reports every MiB, and repainting for each would
        cost the window its smoothness."""
        now = time.monotonic()
        sent_at, phase, item = self._last_sent
        key = (getattr(progress, "phase", None), getattr(progress, "item", None))
        if key == (phase, item) and now - sent_at < _REPORT_INTERVAL:
            return
        self._last_sent = (now, *key)
        self.progressed.emit(progress)

    @Slot()
    def run(self) -> None:
        _yield_to_the_window()
        try:
            result = self._function(self._report, self._cancel)
        except LifeboatError as exc:
            log.warning("%s: %s | %s", type(exc).__name__, exc.message, exc.detail)
            self.failed.emit(exc)
        except Exception as exc:  # shown politely by the error dialog, logged in full here
            log.exception("unexpected error in a background job")
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)
        finally:
            self.done.emit()


class BackgroundJob(QObject):
    """Runs `function(report, cancel)` on its own thread.

    Signals arrive on the GUI thread: progressed(Progress), succeeded(result),
    failed(exception: LifeboatError or any other), cancelled(Cancelled),
    finished() after any of them.
    """

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal(object)
    finished = Signal()

    def __init__(self, title: str, function: JobFunction, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.title = title
        self.cancel_token = CancelToken()
        self.last_progress: Optional[Progress] = None
        self._thread = QThread(self)
        self._thread.setObjectName(title)
        self._worker = _Worker(function, self.cancel_token)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progressed.connect(self._on_progress)
        self._worker.succeeded.connect(self.succeeded)
        self._worker.failed.connect(self._on_failed)
        # Direct: QThread.quit is thread-safe, and a queued call would need the
        # GUI thread's event loop, which wait() blocks (quitting mid-job would hang).
        self._worker.done.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        self._thread.finished.connect(self._on_thread_finished)

    def start(self) -> "BackgroundJob":
        # A running job keeps itself alive: Qt aborts the process if a QThread
        # is destroyed while it runs, which an unparented job dropped by its
        # creator would otherwise risk.
        _running.add(self)
        self._thread.start()
        return self

    def cancel(self) -> None:
        self.cancel_token.cancel()

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, milliseconds: int = -1) -> bool:
        """Block until the thread ends (used when the app quits mid-job)."""
        return self._thread.wait(milliseconds) if milliseconds >= 0 else self._thread.wait()

    def _on_progress(self, progress: Progress) -> None:
        self.last_progress = progress
        self.progressed.emit(progress)

    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self.cancelled.emit(error)
        else:
            self.failed.emit(error)

    def _on_thread_finished(self) -> None:
        self._worker.deleteLater()
        self.finished.emit()
        _running.discard(self)
