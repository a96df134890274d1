"""Starting the desktop app: QApplication, the workspace (or the demo's), the main window."""
import logging
import os
import signal
import socket
import sys
import time
import traceback
from typing import Optional

import psutil
from PySide6.QtCore import QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from desktop.core.errors import LifeboatError
from desktop.core.jobs.delete import purge_expired
from desktop.core.jobs.rebuild import rebuild_summary, recover_damaged_catalog
from desktop.core.localpg.leftovers import remove_leftovers
from desktop.core.store.logs import setup_logging
from desktop.core.store.paths import app_paths
from desktop.core.workspace import Workspace
from desktop.ui.error_dialog import error_box
from desktop.ui.jobs import BackgroundJob
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


def _start_demo(app: QApplication):
    from desktop.core.localpg.demo import DemoEnvironment

    demo = DemoEnvironment()
    waiting = QProgressDialog("Preparing the demo databases…", "", 0, 0)
    waiting.setWindowTitle("Lifeboat demo")
    waiting.setCancelButton(None)
    waiting.setAccessibleName("Preparing the demo")
    job = BackgroundJob("Demo", lambda report, cancel: demo.start(), app)
    outcome: dict = {}
    job.succeeded.connect(lambda ws: outcome.update(ws=ws))
    job.failed.connect(lambda error: outcome.update(error=error))
    job.finished.connect(waiting.close)
    job.start()
    waiting.exec()
    job.wait()
    if "error" in outcome:
        demo.stop()
        error_box(None, "The demo could not start", outcome["error"]).exec()
        return None, None
    return demo, outcome["ws"]


def make_application(argv: Optional[list[str]] = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Lifeboat")
    app.setWindowIcon(app_icon())
    # Jobs run Python on worker threads (pipes, zstd, encryption); with the
    # default 5 ms switch interval the GUI thread waited up to ~70 ms for
    # the GIL during a 1 GB backup (benchmarks/gui_responsiveness.py).
    sys.setswitchinterval(0.001)
    return app


def run_gui(demo: bool = False, argv: Optional[list[str]] = None) -> int:
    app = make_application(argv)
    _quit_on_signals(app)
    demo_env = instance = None
    if demo:
        demo_env, ws = _start_demo(app)
        if ws is None:
            return 1
    else:
        instance = SingleInstance(instance_key(app_paths().config_dir), app)
        if not instance.claim():
            return 0
        try:
            ws = Workspace.open()
        except LifeboatError as exc:  # a full or read-only disk, say
            error_box(None, "Lifeboat cannot start", exc).exec()
            return 1
    setup_logging(ws.paths)
    remove_leftovers(ws)  # what a killed test restore left: a private server, a scratch database
    _install_excepthook(app)
    rebuilt = recover_damaged_catalog(ws)
    purge_expired(ws)  # start-up housekeeping: the trash's expired backups
    window = MainWindow(ws)
    if instance:
        instance.activation_requested.connect(lambda: bring_to_front(window))
    window.show()
    if rebuilt is not None:
        notice = QMessageBox(QMessageBox.Icon.Information, "Catalog rebuilt", rebuild_summary(ws, rebuilt),
                             QMessageBox.StandardButton.Ok, window)
        notice.setAccessibleName("Catalog rebuilt")
        notice.open()
    # packaging/build-linux reads this line to report the start-up time.
    QTimer.singleShot(0, lambda: log.info("window shown %.2f s after the process started",
                                          time.time() - psutil.Process().create_time()))
    try:
        return app.exec()
    finally:
        if demo_env:
            demo_env.stop()
