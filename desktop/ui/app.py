"""Starting the desktop app: QApplication, the workspace (or the demo's), the main window.

The workspace is opened through the job runner (it may clear what a killed job
left, a private server included) while Qt's event loop keeps running; the
housekeeping that can read or remove many files (rebuilding a damaged catalog,
purging the trash) runs after the window is shown.
"""
import logging
import os
import signal
import socket
import sys
import time
import traceback
from typing import Optional

import psutil
from PySide6.QtCore import QEventLoop, QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from desktop.core.jobs.delete import purge_expired
from desktop.core.jobs.leftovers import open_workspace
from desktop.core.jobs.rebuild import rebuild_summary, recover_damaged_catalog
from desktop.core.store.logs import setup_logging
from desktop.core.store.paths import app_paths
from desktop.ui.error_dialog import error_box
from desktop.ui.gui_thread_gc import collect_on_gui_thread
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.main_window import MainWindow
from desktop.ui.resources import app_icon
from desktop.ui.single_instance import SingleInstance, bring_to_front, instance_key

log = logging.getLogger("lifeboat.ui")


def _install_excepthook(app: QApplication) -> None:
    """An uncaught exception is logged in full and shown politely, never as a traceback dialog."""
    def hook(kind, value, tb) -> None:
        log.error("uncaught exception:\n%s", "".join(traceback.format_exception(kind, value, tb)))
        error_box(app.activeWindow(), "Something went wrong", value).open()

    sys.excepthook = hook


def _quit_on_signals(app: QApplication) -> None:
    """SIGTERM / SIGINT end the app like closing the window, so the demo's
    cluster and any running job are cleaned up. The signal wakes Qt's event
    loop through a socket (signal.set_wakeup_fd), not a polling timer."""
    if os.name == "nt":
        return
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)
    notifier.activated.connect(lambda *_: reader.recv(64))
    app._signal_sockets = (reader, writer, notifier)  # kept alive with the app
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: app.closeAllWindows() or app.quit())


def _before_the_window(title: str, function, failure_title: str, waiting: Optional[QProgressDialog] = None):
    """Run `function` through the job runner before any window exists: the
    event loop keeps running (signals, the single-instance socket) meanwhile.
    Returns its result, or None after showing why it failed."""
    outcome: dict = {}
    loop = QEventLoop()

    def finished() -> None:
        outcome["finished"] = True
        loop.quit()
        if waiting is not None:
            waiting.close()

    job = run_in_background(None, title, lambda report, cancel: function(),
                            success=lambda result: outcome.update(result=result),
                            failure=lambda error: outcome.update(error=error), finished=finished)
    if waiting is not None:
        waiting.exec()
    if "finished" not in outcome:
        loop.exec()
    if "finished" not in outcome:  # the app was told to quit (SIGTERM) meanwhile
        job.cancel()
        job.wait()
        return None
    if "error" in outcome:
        error_box(None, failure_title, outcome["error"]).exec()
        return None
    return outcome["result"]


def _start_demo():
    from desktop.core.localpg.demo import DemoEnvironment

    demo = DemoEnvironment()
    waiting = QProgressDialog("Preparing the demo databases…", "", 0, 0)
    waiting.setWindowTitle("Lifeboat demo")
    waiting.setCancelButton(None)
    waiting.setAccessibleName("Preparing the demo")
    ws = _before_the_window("Demo", demo.start, "The demo could not start", waiting)
    if ws is None:
        demo.stop()
    return demo, ws


def _housekeeping(window: MainWindow) -> BackgroundJob:
    """After the window shows: refill a damaged catalog from the backup folder,
    purge what outstayed the trash; then the window shows what is true now."""
    ws = window.ws

    def work(report, cancel):
        rebuilt = recover_damaged_catalog(ws)
        purge_expired(ws)
        return rebuilt

    return run_in_background(window, "Start-up housekeeping", work, error_title="Start-up housekeeping",
                             success=lambda rebuilt: _after_housekeeping(window, rebuilt))


def _after_housekeeping(window: MainWindow, rebuilt) -> None:
    window.after_change()
    if rebuilt is not None:
        notice = QMessageBox(QMessageBox.Icon.Information, "Catalog rebuilt", rebuild_summary(window.ws, rebuilt),
                             QMessageBox.StandardButton.Ok, window)
        notice.setAccessibleName("Catalog rebuilt")
        notice.open()


def make_application(argv: Optional[list[str]] = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Lifeboat")
    app.setWindowIcon(app_icon())
    # Jobs run Python on worker threads (pipes, zstd, encryption); with the
    # default 5 ms switch interval the GUI thread waited up to ~70 ms for
    # the GIL during a 1 GB backup (benchmarks/gui_responsiveness.py).
    sys.setswitchinterval(0.001)
    collect_on_gui_thread(app)
    return app


def _open_workspace(app: QApplication):
    """(single-instance guard, workspace); the workspace is None when another
    Lifeboat already runs (it was asked to come forward) or opening failed."""
    instance = SingleInstance(instance_key(app_paths().config_dir), app)
    if not instance.claim():
        return None, None
    # A full or read-only disk, say: the error dialog says so.
    return instance, _before_the_window("Open the workspace", open_workspace, "Lifeboat cannot start")


def run_gui(demo: bool = False, argv: Optional[list[str]] = None) -> int:
    app = make_application(argv)
    _quit_on_signals(app)
    demo_env = instance = None
    if demo:
        demo_env, ws = _start_demo()
    else:
        instance, ws = _open_workspace(app)
        if instance is None:
            return 0
    if ws is None:
        return 1
    setup_logging(ws.paths)
    _install_excepthook(app)
    window = MainWindow(ws)
    if instance:
        instance.activation_requested.connect(lambda: bring_to_front(window))
    window.show()
    _housekeeping(window)
    # packaging/build-linux reads this line to report the start-up time.
    QTimer.singleShot(0, lambda: log.info("window shown %.2f s after the process started",
                                          time.time() - psutil.Process().create_time()))
    try:
        return app.exec()
    finally:
        if demo_env:
            demo_env.stop()
