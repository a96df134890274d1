"""The one way the GUI runs a core job in the background (Anki's QueryOp, DESIGN.md).

A `Worker` QObject lives on a QThread and calls the job; a `BackgroundJob`
on the GUI thread owns both and re-emits the worker's signals, so widgets
and tests connect to an object that outlives nothing they hold. The job gets
a progress callback (queued into the GUI thread as a signal) and a
CancelToken that Cancel buttons set. Widgets are never touched off the GUI
thread.
"""
import logging
from typing import Callable, Optional

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from ..core.errors import Cancelled, LifeboatError
from ..core.progress import CancelToken, Progress

log = logging.getLogger("lifeboat.ui")

JobFunction = Callable[[Callable[[Progress], None], CancelToken], object]


class _Worker(QObject):
    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    done = Signal()

    def __init__(self, function: JobFunction, cancel: CancelToken):
        super().__init__()
        self._function = function
        self._cancel = cancel

    @Slot()
    def run(self) -> None:
        try:
            result = self._function(self.progressed.emit, self._cancel)
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
