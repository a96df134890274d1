"""Screenshots of what users see, saved under tests/screenshots/ (ignored by git): look at them."""
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


def save_screenshot(widget: QWidget, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    QApplication.processEvents()
    path = SCREENSHOTS / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise AssertionError(f"could not save {path}")
    return path
