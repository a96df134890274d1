"""The progress strip follows a job's reports, and its Cancel button ends the
job as cancelled: with a scripted job and with a real backup."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from desktop.core.errors import Cancelled
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.progress import Progress
from desktop.ui.jobs import BackgroundJob
from desktop.ui.progress_panel import JobProgressPanel, clock_text, timing_text
from tests.ui.screens import save_screenshot

JOB_TIMEOUT_MS = 30_000
MID_BACKUP = Progress(
    phase="Copying table data", item="public.rental (9 of about 22)",
    done=450, total=1000, bytes_done=412 * 1024 * 1024, elapsed=133.0, eta_seconds=65.0,
)


def until_cancelled(*reports: Progress):
    """A job that sends `reports`, then waits for Cancel (never a sleep)."""
    def job(report, cancel):
        for progress in reports:
            report(progress)
        if not cancel.wait(JOB_TIMEOUT_MS / 1000):
            raise AssertionError("the test never pressed Cancel")
        raise Cancelled("The backup was cancelled. No backup file was kept.")
    return job


@pytest.fixture
def panel(qtbot):
    # Inside a window, as in the app: shown, a top-level would be a native
    # window, which the offscreen platform warns about.
    window = QWidget()
    qtbot.addWidget(window)
    widget = JobProgressPanel(window)
    widget.resize(900, widget.sizeHint().height())
    yield widget  # while `window` lives


def start(qtbot, panel, function, what="backup", title="Backup of Demo production"):
    job = BackgroundJob(title, function)
    panel.attach(job, what)
    with qtbot.waitSignal(job.progressed, timeout=JOB_TIMEOUT_MS):
        job.start()
    return job


def finish_by_cancel(qtbot, panel, job):
    with qtbot.waitSignals([job.cancelled, job.finished], timeout=JOB_TIMEOUT_MS):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
        assert panel.cancel_button.text() == "Cancelling…"
        assert not panel.cancel_button.isEnabled()
        assert panel.phase_label.text().startswith("Cancelling…")


@pytest.mark.parametrize("seconds, text", [(0, "0:00"), (7.9, "0:07"), (133, "2:13"), (3725, "1:02:05")])
def test_clock_text(seconds, text):
    assert clock_text(seconds) == text


def test_timing_text():
    assert timing_text(133, 65) == "2:13 elapsed · about 1:05 left"
    assert timing_text(133, None) == "2:13 elapsed"
    assert timing_text(133, 0.4) == "2:13 elapsed · almost done"
    assert timing_text(5, None, 1536) == "0:05 elapsed · 1.5 KB so far"


def test_follows_the_reports_and_cancel_ends_the_job_cancelled(qtbot, panel):
    job = start(qtbot, panel, until_cancelled(MID_BACKUP))
    assert not panel.isHidden()
    assert panel.title_label.text() == "Backup of Demo production"
    assert panel.phase_label.text() == "Copying table data"
    assert panel.item_label.text() == "· public.rental (9 of about 22)"
    assert (panel.bar.minimum(), panel.bar.maximum(), panel.bar.value()) == (0, 1000, 450)
    assert panel.timing_label.text().startswith("2:13 elapsed · about 1:0")
    assert panel.timing_label.text().endswith("412.0 MB so far")
    assert panel.cancel_button.accessibleName() == "Cancel backup"
    assert panel.cancel_button.isEnabled()

    cancelled = []
    job.cancelled.connect(cancelled.append)
    finish_by_cancel(qtbot, panel, job)
    assert isinstance(cancelled[0], Cancelled)
    assert panel.isHidden()
    assert panel.title_label.text() == "" and panel.bar.value() == 0


def test_busy_bar_while_the_job_cannot_say_how_far(qtbot, panel):
    job = start(qtbot, panel, until_cancelled(Progress(phase="Connecting")), what="restore",
                title="Restore into Demo development")
    assert (panel.bar.minimum(), panel.bar.maximum()) == (0, 0)
    assert panel.timing_label.text().endswith("elapsed")
    assert panel.cancel_button.accessibleName() == "Cancel restore"
    finish_by_cancel(qtbot, panel, job)


def test_a_job_that_finishes_hides_the_panel(qtbot, panel):
    def quick(report, cancel):
        report(Progress(phase="Writing the file to disk", done=1, total=1))
        return "done"

    job = BackgroundJob("Backup of Demo production", quick)
    panel.attach(job)
    with qtbot.waitSignals([job.succeeded, job.finished], timeout=JOB_TIMEOUT_MS):
        job.start()
    assert panel.isHidden()
    assert not panel.cancel_button.isEnabled()


def test_a_newer_job_replaces_the_followed_one(qtbot, panel):
    first = start(qtbot, panel, until_cancelled(Progress(phase="First")), title="first")
    second = start(qtbot, panel, until_cancelled(Progress(phase="Second")), title="second")
    assert panel.title_label.text() == "second"
    first.cancel()
    with qtbot.waitSignal(first.finished, timeout=JOB_TIMEOUT_MS):
        pass
    assert not panel.isHidden() and panel.phase_label.text() == "Second"
    finish_by_cancel(qtbot, panel, second)
    assert second.cancel_token.cancelled and panel.isHidden()


def test_cancel_stops_a_real_backup(qtbot, panel, ws, pg15, pagila_db, make_profile):
    profile = make_profile(pg15, pagila_db, name="Pagila")

    def backup(report, cancel):
        def hold_at_first_table(progress):
            report(progress)
            # Hold pg_dump's progress reader at the first table until Cancel
            # arrives, so the click lands mid-dump however fast the dump is.
            if progress.phase == "Copying table data":
                cancel.wait(JOB_TIMEOUT_MS / 1000)
        return run_backup(ws, BackupRequest(profile.name), hold_at_first_table, cancel)

    job = BackgroundJob("Backup of Pagila", backup)
    panel.attach(job)
    job.start()
    qtbot.waitUntil(lambda: panel.phase_label.text() == "Copying table data", timeout=JOB_TIMEOUT_MS)
    assert panel.item_label.text().startswith("· public.")
    finish_by_cancel(qtbot, panel, job)
    [record] = ws.catalog.list()
    assert record.status == "cancelled"
    assert list(ws.paths.backups_dir.iterdir()) == []


def test_screenshot_mid_backup(qtbot, panel):
    job = start(qtbot, panel, until_cancelled(MID_BACKUP))
    save_screenshot(panel, "progress_panel", shows=("progressBar", "cancelJobButton"))
    finish_by_cancel(qtbot, panel, job)


WAITING = "The table orders is locked by another program (psql, user app, running 'ALTER TABLE orders ADD COLUMN note text' for 3 minutes). Lifeboat will wait up to 10 minutes."  # noqa: E501


def test_a_lock_wait_shows_on_its_own_row_and_cancel_still_works(qtbot, panel):
    job = start(qtbot, panel, until_cancelled(Progress(phase="Reading the database structure", item="x",
                                                       waiting=WAITING)))
    assert panel.wait_label.text() == WAITING and not panel.wait_label.isHidden()
    assert panel.phase_label.text() == "Reading the database structure"
    assert panel.bar.accessibleDescription() == WAITING
    panel.resize(900, panel.sizeHint().height())
    assert panel.minimumSizeHint().width() < 900  # the sentence wraps, never widens the window
    save_screenshot(panel, "progress_panel_lock_wait", shows=("progressWaiting",))
    finish_by_cancel(qtbot, panel, job)
