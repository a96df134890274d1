"""The checks save_screenshot makes catch what they claim to."""
import pytest
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from tests.ui.screens import assert_visible, clipped_texts


@pytest.fixture
def screen(qtbot):
    top = QWidget()
    qtbot.addWidget(top)
    layout = QVBoxLayout(top)
    fits = QLabel("Short", top)
    fits.setObjectName("fits")
    squeezed = QPushButton("A button whose words need much more room", top)
    squeezed.setObjectName("squeezed")
    squeezed.setFixedWidth(60)
    wrapped = QLabel("A long sentence that wraps onto several lines at this width. " * 3, top)
    wrapped.setObjectName("wrapped")
    wrapped.setWordWrap(True)
    layout.addWidget(fits)
    layout.addWidget(squeezed)
    layout.addWidget(wrapped)
    top.resize(300, 300)
    top.grab()
    return top


def test_a_squeezed_button_is_reported_and_nothing_else(screen):
    problems = clipped_texts(screen)
    assert len(problems) == 1 and "squeezed" in problems[0]


def test_a_wrapped_label_cut_short_is_reported(screen):
    wrapped = screen.findChild(QLabel, "wrapped")
    wrapped.setFixedHeight(wrapped.fontMetrics().height())
    screen.grab()
    assert any("wrapped" in problem for problem in clipped_texts(screen))


def test_a_hidden_control_is_not_visible(screen):
    assert assert_visible(screen, "fits").text() == "Short"
    screen.findChild(QLabel, "fits").hide()
    with pytest.raises(AssertionError, match="no visible control named 'fits'"):
        assert_visible(screen, "fits")
