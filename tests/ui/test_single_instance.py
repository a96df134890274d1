"""A second launch for the same user and home wakes the first instead of opening a second window."""
import socket
import sys
import tempfile
from pathlib import Path

import pytest

from desktop.ui.single_instance import SingleInstance, instance_key


def test_key_depends_on_the_home():
    assert instance_key(Path("/a")) != instance_key(Path("/b"))
    assert instance_key(Path("/a")) == instance_key(Path("/a"))


def test_second_claim_wakes_the_first(qtbot, tmp_path):
    key = instance_key(tmp_path)
    first = SingleInstance(key)
    assert first.claim()
    with qtbot.waitSignal(first.activation_requested, timeout=5000):
        assert not SingleInstance(key).claim()
    first.server.close()


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes vanish with their process")
def test_a_stale_socket_from_a_crashed_instance_is_taken_over(qtbot, tmp_path):
    key = instance_key(tmp_path)
    # A crash leaves the socket file (QDir::tempPath()/key) with nobody listening.
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(Path(tempfile.gettempdir()) / key))
    stale.close()
    again = SingleInstance(key)
    assert again.claim()
    with qtbot.waitSignal(again.activation_requested, timeout=5000):
        assert not SingleInstance(key).claim()
    again.server.close()


def test_another_home_is_a_separate_instance(tmp_path):
    first = SingleInstance(instance_key(tmp_path / "one"))
    second = SingleInstance(instance_key(tmp_path / "two"))
    assert first.claim() and second.claim()
    first.server.close()
    second.server.close()
