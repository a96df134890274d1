"""Screenshots of what users see, saved under tests/screenshots/ (ignored by git): look at them.

save_screenshot also checks what it saved, so a screen that breaks fails
its test rather than waiting for someone to open the PNG: the controls the
test names are on screen, and no visible label or button is cut off at the
size the screen has (its text needs no more room than it was given).
"""
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


def save_screenshot(widget: QWidget, name: str, shows: Iterable[str] = ()) -> Path:
    """Save `widget` as tests/screenshots/NAME.png after checking that each
    object name in `shows` is a visible control and that no text is clipped."""
    SCREENSHOTS.mkdir(exist_ok=True)
    QApplication.processEvents()
    image = widget.grab()  # lays out a widget that was never shown, so the checks see what the PNG shows
    for object_name in shows:
        assert_visible(widget, object_name)
    assert_nothing_clipped(widget)
    path = SCREENSHOTS / f"{name}.png"
    if not image.save(str(path)):
        raise AssertionError(f"could not save {path}")
    return path


def assert_visible(top: QWidget, object_name: str) -> QWidget:
    found = [w for w in top.findChildren(QWidget, object_name) if w.isVisibleTo(top)]
    if top.objectName() == object_name:
        found.append(top)
    assert found, f"no visible control named {object_name!r} on {type(top).__name__}"
    control = found[0]
    # A label is read out by its text; any other control needs an accessible name.
    spoken = control.text() if isinstance(control, QLabel) else control.accessibleName()
    assert spoken, f"{object_name!r} has nothing a screen reader could say"
    assert control.width() > 0 and control.height() > 0, f"{object_name!r} has no room on screen"
    return control


def clipped_texts(top: QWidget) -> list[str]:
    """The visible labels and buttons under `top` whose text does not fit the size they were given."""
    problems = []
    for control in top.findChildren(QWidget):
        if not isinstance(control, (QLabel, QAbstractButton)) or not control.isVisibleTo(top):
            continue
        if not control.text().strip():
            continue
        needed = _needed_size(control)
        if needed.width() > control.width() + 1 or needed.height() > control.height() + 1:
            problems.append(f"{type(control).__name__} {control.objectName() or '(unnamed)'} "
                            f"{control.text()[:40]!r}: needs {needed.width()}x{needed.height()}, "
                            f"has {control.width()}x{control.height()}")
    return problems


def assert_nothing_clipped(top: QWidget) -> None:
    problems = clipped_texts(top)
    assert not problems, "text cut off at the default size:\n  " + "\n  ".join(problems)


def _needed_size(control: QWidget):
    """A wrapping label needs its width and the height its text takes at that width; anything
    else needs its size hint (the text in one line plus the style's margins and padding)."""
    hint = control.sizeHint()
    if isinstance(control, QLabel) and control.wordWrap():
        hint.setWidth(min(hint.width(), control.width()))
        hint.setHeight(control.heightForWidth(control.width()))
    return hint
