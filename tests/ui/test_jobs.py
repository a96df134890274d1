"""The background-job runner: results on the GUI thread, cancel, and waiting without an event loop."""
from desktop.core.errors import DumpFailed
from desktop.ui.jobs import BackgroundJob


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
