"""A tool Lifeboat starts dies with it (issue 10): on Linux the kernel kills
the child when the thread that started it ends, as it does when Lifeboat is
killed, so a pg_restore or psql cannot go on and commit on its own."""
import os
import signal
import sys
import threading

import pytest

from desktop.core.postgres.process import TOOL_NICENESS, ToolProcess

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


def test_a_child_and_what_it_forks_yield_the_cpu_to_the_window():
    """pg_dump, pg_restore and their -j workers run below Lifeboat's priority."""
    forks = "import os, time; os.fork() and time.sleep(120); print(os.getpriority(os.PRIO_PROCESS, 0), flush=True)"
    with ToolProcess([sys.executable, "-c", forks], env={}) as tool:
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, tool.proc.pid) == min(19, ours + TOOL_NICENESS)
        assert int(tool.stdout.readline()) == min(19, ours + TOOL_NICENESS)  # the forked one
        tool.kill()
