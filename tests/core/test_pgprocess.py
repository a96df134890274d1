"""A tool Lifeboat starts dies with it (issue 10): on Linux the kernel kills
the child when the thread that started it ends, as it does when Lifeboat is
killed, so a pg_restore or psql cannot go on and commit on its own."""
import os
import signal
import sys
import threading

import pytest

from desktop.core.postgres.process import ToolProcess

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")


def test_a_child_dies_with_the_thread_that_started_it():
    started = {}

    def job() -> None:
        # Ends without closing the tool, as a killed Lifeboat's threads do.
        started["tool"] = ToolProcess([sys.executable, "-c", "import time; time.sleep(120)"], env={})

    thread = threading.Thread(target=job)
    thread.start()
    thread.join()
    tool = started["tool"]
    assert tool.proc.wait(timeout=30) == -signal.SIGKILL
    tool.close()


def test_a_child_keeps_its_own_process_group_for_cancel():
    with ToolProcess([sys.executable, "-c", "import time; time.sleep(120)"], env={}) as tool:
        assert os.getpgid(tool.proc.pid) == tool.proc.pid != os.getpgid(0)
        tool.kill()
        assert tool.wait() == -signal.SIGTERM
