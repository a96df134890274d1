"""The Qt binding itself: PySide6 6.12.0 took a reference off Python's None on
every call that returns nothing, and on Python 3.11 the window aborted with
"Fatal Python error: none_dealloc" once None's count reached zero."""
import sys

from PySide6.QtWidgets import QLabel


def test_qt_calls_leave_none_alone(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(5000):
        label.setText("x")
    assert before - sys.getrefcount(None) < 100
