"""Starting the app: the workspace opens through the job runner with the event
loop running, and the start-up housekeeping runs after the window is shown."""
from datetime import UTC, datetime

from PySide6.QtWidgets import QMessageBox

from desktop.core.errors import DumpFailed
from desktop.core.jobs.delete import delete_backup
from desktop.core.workspace import Workspace
from desktop.ui import app as app_module
from desktop.ui.main_window import MainWindow
from tests.core.test_trash import add_backup


def test_work_before_the_window_returns_its_result(qtbot):
    assert isinstance(app_module._before_the_window("Open the workspace", Workspace.open, "Cannot start"), Workspace)


def test_work_before_the_window_that_fails_is_shown_and_returns_none(qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.windowTitle(), box.text())))

    def fail():
        raise DumpFailed("The disk is full.")

    assert app_module._before_the_window("Open the workspace", fail, "Lifeboat cannot start") is None
    assert shown == [("Lifeboat cannot start", "The disk is full.")]


def test_housekeeping_runs_after_the_window_and_refreshes_it(qtbot, ws):
    path = add_backup(ws, "aaaa1111")
    delete_backup(ws, "aaaa1111", now=datetime(2020, 1, 1, tzinfo=UTC))  # long expired
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    refreshed = []
    window.after_change = lambda *_: refreshed.append(True)
    job = app_module._housekeeping(window)
    with qtbot.waitSignal(job.finished, timeout=10000):
        pass
    assert ws.catalog.list_trash() == [] and not path.exists()
    assert refreshed == [True]
