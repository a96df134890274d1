"""The background-job runner: results on the GUI thread, cancel, waiting without
an event loop, and its policy (error dialog unless a handler, progress panel,
held until the thread ends, cancelled when its window closes)."""
import gc
import threading
import weakref

import pytest
import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from desktop.core.errors import DumpFailed
from desktop.core.progress import Progress
from desktop.ui.jobs import BackgroundJob, run_in_background, running_jobs
from desktop.ui.progress_panel import JobProgressPanel


def test_result_and_finished_arrive(qtbot):
    job = BackgroundJob("add", lambda report, cancel: 40 + 2)
    with qtbot.waitSignal(job.finished, timeout=5000):
        with qtbot.waitSignal(job.succeeded, timeout=5000) as blocker:
            job.start()
    assert blocker.args == [42]


def test_typed_failure_and_cancel_are_told_apart(qtbot):
    def fail(report, cancel):
        raise DumpFailed("The backup failed.")

    failing = BackgroundJob("fail", fail)
    with qtbot.waitSignal(failing.finished, timeout=5000):
        with qtbot.waitSignal(failing.failed, timeout=5000) as blocker:
            failing.start()
    assert isinstance(blocker.args[0], DumpFailed)

    def wait_for_cancel(report, cancel):
        report(None)
        cancel.wait(10)
        cancel.raise_if_cancelled()

    waiting = BackgroundJob("wait", wait_for_cancel)
    with qtbot.waitSignal(waiting.progressed, timeout=5000):
        waiting.start()
    with qtbot.waitSignal(waiting.finished, timeout=5000):
        with qtbot.waitSignal(waiting.cancelled, timeout=5000):
            waiting.cancel()


def test_wait_returns_without_the_event_loop(qtbot):
    # Quitting the app mid-job blocks the GUI thread in wait(): the thread
    # must still end, so its quit cannot depend on the GUI event loop.
    job = BackgroundJob("quick", lambda report, cancel: None)
    job.start()
    assert job.wait(5000)
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass


# --- the runner's policy (run_in_background) ----------------------------------
def _fail(report, cancel):
    raise DumpFailed("The backup failed.", "pg_dump: error: connection lost")


def _wait_for_cancel(report, cancel):
    report(Progress(phase="Waiting"))
    cancel.wait(10)
    cancel.raise_if_cancelled()


@pytest.fixture
def owner(qtbot):
    dialog = QDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_failure_is_shown_in_the_error_dialog_by_default(qtbot, owner):
    job = run_in_background(owner, "Backup of shop", _fail)
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    box = owner.findChild(QMessageBox, "errorDialog")
    assert box is job.error_dialog and box.isVisible()
    assert box.windowTitle() == "Backup of shop" and box.text() == "The backup failed."
    assert "connection lost" in box.detailedText()
    box.close()


def test_a_failure_handler_replaces_the_dialog(qtbot, owner):
    seen = []
    job = run_in_background(owner, "Backup of shop", _fail, failure=seen.append, error_title="Not shown")
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert [type(error) for error in seen] == [DumpFailed]
    assert owner.findChild(QMessageBox) is None and job.error_dialog is None


def test_success_and_progress_reach_their_handlers(qtbot, owner):
    results, phases = [], []

    def work(report, cancel):
        report(Progress(phase="Counting"))
        return 42

    job = run_in_background(owner, "Count", work, success=results.append,
                            progress=lambda progress: phases.append(progress.phase))
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert results == [42] and phases == ["Counting"]


def test_the_progress_panel_follows_the_job(qtbot, owner):
    panel = JobProgressPanel(owner)
    job = run_in_background(owner, "Backup of shop", _wait_for_cancel, progress=panel, what="backup")
    assert panel.isVisible() and panel.title_label.text() == "Backup of shop"
    assert panel.cancel_button.accessibleName() == "Cancel backup"
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        panel.cancel_button.click()
    qtbot.waitUntil(lambda: not panel.isVisible(), timeout=5000)


def test_the_application_holds_a_running_job_until_its_thread_ends(qtbot):
    release = threading.Event()
    job = run_in_background(None, "Held", lambda report, cancel: release.wait(10))
    held = weakref.ref(job)
    finished = []
    job.finished.connect(lambda: finished.append(True))
    del job
    gc.collect()
    assert held() is not None and held() in running_jobs()
    release.set()
    qtbot.waitUntil(lambda: finished == [True], timeout=5000)
    assert held() is None or held() not in running_jobs()


def test_closing_the_owners_window_cancels_the_job(qtbot, owner):
    job = run_in_background(QWidget(owner), "Wait", _wait_for_cancel)  # owned by a widget inside the window
    qtbot.waitUntil(lambda: job.last_progress is not None, timeout=5000)
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        owner.reject()
    assert job.cancel_token.cancelled


def test_a_minimised_window_does_not_cancel(qtbot, owner):
    job = run_in_background(owner, "Wait", _wait_for_cancel)
    QApplication.sendEvent(owner, QHideEvent())  # what the window system sends when minimising: the window stays
    assert not job.cancel_token.cancelled
    with qtbot.waitSignal(job.finished, timeout=5000):
        job.cancel()


def test_an_owner_destroyed_mid_job_cancels_it_and_calls_none_of_its_handlers(qtbot):
    owner = QWidget()
    called = []
    job = run_in_background(owner, "Wait", _wait_for_cancel, success=called.append, failure=called.append,
                            cancelled=called.append, finished=lambda: called.append("finished"))
    qtbot.waitUntil(lambda: job.last_progress is not None, timeout=5000)
    shiboken6.delete(owner)  # what closing a dialog with WA_DeleteOnClose does
    assert job.cancel_token.cancelled and job in running_jobs()
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert called == [] and job.error_dialog is None


def test_quitting_cancels_and_waits_for_running_jobs(qtbot):
    job = run_in_background(None, "Wait", _wait_for_cancel)
    qtbot.waitUntil(lambda: job.last_progress is not None, timeout=5000)
    keeper = QApplication.instance().findChild(QObject, "lifeboatRunningJobs")
    keeper.stop_all()  # what QApplication.aboutToQuit calls
    assert job.cancel_token.cancelled and not job.running
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
