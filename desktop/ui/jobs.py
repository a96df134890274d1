"""The one way the GUI runs a core job in the background (Anki's QueryOp, DESIGN.md).

`run_in_background(owner, title, function, success=..., failure=..., progress=...)`
starts a job with the house policy:
- a failure is shown in the standard error dialog unless a handler is given;
- progress goes to a progress panel when one is given;
- the job is held by the application until its thread ends (Qt aborts the
  program if a running QThread is destroyed), never by its owner, which may
  close first; the application waits for running jobs when it quits;
- the job is cancelled when its owner's window closes or the owner is
  destroyed, and then calls none of its owner's handlers.

A `_Worker` QObject lives on a QThread and calls the job; a `BackgroundJob`
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
import warnings
from collections.abc import Callable
from typing import Optional

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QApplication, QWidget
from shiboken6 import Shiboken

from desktop.core.errors import Cancelled, LifeboatError
from desktop.core.progress import CancelToken, Progress
from desktop.ui.error_dialog import error_box

log = logging.getLogger("lifeboat.ui")

_REPORT_INTERVAL = 0.1
_BACKGROUND_NICE = 5
JobFunction = Callable[[Callable[[Progress], None], CancelToken], object]
Handler = Callable[..., object]


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


class _Keeper(QObject):
    """The application's running jobs: each is held here until its thread ends,
    and all are cancelled and waited for when the application quits."""

    def __init__(self, app: QCoreApplication):
        super().__init__(app)
        self.setObjectName("lifeboatRunningJobs")
        self.jobs: set[BackgroundJob] = set()
        app.aboutToQuit.connect(self.stop_all)

    def stop_all(self) -> None:
        running = list(self.jobs)
        for job in running:
            job.cancel()
        for job in running:
            job.wait()


def running_jobs() -> set["BackgroundJob"]:
    """The jobs whose threads have not ended yet (held by the application)."""
    app = QCoreApplication.instance()
    keeper = app.findChild(_Keeper, "lifeboatRunningJobs")
    if keeper is None:
        keeper = _Keeper(app)
    return keeper.jobs


class BackgroundJob(QObject):
    """Runs `function(report, cancel)` on its own thread.

    Signals arrive on the GUI thread: progressed(Progress), succeeded(result),
    failed(exception: LifeboatError or any other), cancelled(Cancelled),
    finished() after any of them. `owner` (a widget, optional) is where the
    error dialog appears; its window closing cancels the job. Without a
    `failure` handler a failure is shown in the error dialog, titled
    `error_title` (the job's title by default).
    """

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal(object)
    finished = Signal()

    def __init__(self, title: str, function: JobFunction, owner: Optional[QObject] = None, *,
                 failure: Optional[Handler] = None, error_title: Optional[str] = None):
        super().__init__()  # no Qt parent: an owner that closes first must not take the thread with it
        self.title = title
        self.owner = owner
        self.cancel_token = CancelToken()
        self.last_progress: Optional[Progress] = None
        self._failure = failure
        self._error_title = error_title or title
        self._orphaned = False
        self.error_dialog = None
        self._window: Optional[QWidget] = None
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
        if failure is not None:
            self.failed.connect(failure)  # a signal, so handlers can still ask sender()

    def start(self) -> "BackgroundJob":
        running_jobs().add(self)
        self._follow_owner()
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

    # --- the owner ------------------------------------------------------------
    def _follow_owner(self) -> None:
        if self.owner is None:
            return
        self.owner.destroyed.connect(self._on_owner_destroyed)
        if isinstance(self.owner, QWidget):
            self._window = self.owner.window()
            self._window.installEventFilter(self)
            self._window.destroyed.connect(self._on_owner_destroyed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A window closing (accept, reject, close) hides it; a minimised one
        # gets a spontaneous hide and stays "visible".
        if (watched is self._window and event.type() == QEvent.Type.Hide and not event.spontaneous()
                and not self._window.isVisible()):
            self.cancel()
        return False

    def _on_owner_destroyed(self, *_args) -> None:
        """Its handlers belong to widgets that are gone: none is called from now on."""
        self._orphaned = True
        self._window = None
        self.cancel()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PySide warns when a signal had no receiver to disconnect
            for signal in (self.progressed, self.succeeded, self.failed, self.cancelled, self.finished):
                signal.disconnect()

    # --- results ----------------------------------------------------------------
    def _on_progress(self, progress: Progress) -> None:
        self.last_progress = progress
        self.progressed.emit(progress)

    def _on_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self.cancelled.emit(error)
            return
        self.failed.emit(error)  # reaches the failure handler, if one was given
        if self._failure is None and not self._orphaned:  # orphaned: its window is gone; the worker logged it
            self.show_failure(error)

    def show_failure(self, error: BaseException) -> None:
        """The default: the standard error dialog, over the owner's window."""
        parent = self._window or QApplication.activeWindow()
        # Kept here as well: a box without a parent would be collected at once.
        self.error_dialog = error_box(parent, self._error_title, error)
        self.error_dialog.open()

    def _on_thread_finished(self) -> None:
        self._worker.deleteLater()
        if self._window is not None:
            self._window.removeEventFilter(self)
        self.finished.emit()
        self._let_go_of_owner()
        running_jobs().discard(self)

    def _let_go_of_owner(self) -> None:
        """This job may hold the last reference to its owner: once the job goes,
        the owner's destruction must call nothing of the job's (it would crash)."""
        for watched in {id(w): w for w in (self.owner, self._window) if w is not None}.values():
            if Shiboken.isValid(watched):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        watched.destroyed.disconnect(self._on_owner_destroyed)
                    except (RuntimeError, TypeError):
                        pass  # already disconnected
        self.owner = self._window = None


def run_in_background(owner: Optional[QObject], title: str, function: JobFunction, *,
                      success: Optional[Handler] = None, failure: Optional[Handler] = None,
                      cancelled: Optional[Handler] = None, finished: Optional[Handler] = None,
                      progress=None, what: str = "job", error_title: Optional[str] = None) -> BackgroundJob:
    """Start `function(report, cancel)` off the GUI thread with the house policy
    (module docstring). `progress` is a panel with attach(job, what) (the
    progress strip) or a callable given each Progress."""
    job = BackgroundJob(title, function, owner, failure=failure, error_title=error_title)
    for signal, handler in ((job.succeeded, success), (job.cancelled, cancelled), (job.finished, finished)):
        if handler is not None:
            signal.connect(handler)
    if hasattr(progress, "attach"):
        progress.attach(job, what)
    elif progress is not None:
        job.progressed.connect(progress)
    return job.start()
