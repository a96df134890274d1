"""How every failure reaches the person at the screen.

The message a typed error carries (what happened, what to do) is the text;
its technical detail sits behind "Show Details...", never a password (the
engine keeps them out). Anything untyped gets a polite sentence and the log's
location instead of a traceback.
"""
import re
from typing import Optional

from PySide6.QtWidgets import QMessageBox, QWidget

from desktop.core.errors import LifeboatError
from desktop.core.store.logs import LOG_NAME
from desktop.core.store.paths import app_paths

# Core's messages serve the CLI too, so they name the flag beside the window's
# words: "Choose 'Replace everything' (--replace on the command line)". The
# window keeps its own words only.
_COMMAND_LINE_ASIDES = re.compile(r" ?\((?:on the command line: )?--[^()]*\)| ?\(--[^()]*\)")
_PROFILE = re.compile(r"\bprofile(s?)\b")


def gui_words(message: str) -> str:
    """A core message as the window says it: no command-line flags, "connection" for "profile"."""
    return _PROFILE.sub(r"connection\1", _COMMAND_LINE_ASIDES.sub("", message))


def error_text(error: BaseException) -> tuple[str, str]:
    """(message, details) for any exception."""
    if isinstance(error, LifeboatError):
        return gui_words(error.message), error.detail
    log_file = app_paths().log_dir / LOG_NAME
    return (
        "Something unexpected went wrong. Nothing was deleted or overwritten. "
        "Try again; if it happens again, send the log file to your support contact.",
        f"{type(error).__name__}: {error}\nLog file: {log_file}",
    )


def error_box(parent: Optional[QWidget], title: str, error: BaseException) -> QMessageBox:
    message, details = error_text(error)
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorDialog")
    box.setAccessibleName(title)
    box.setInformativeText("")
    if details:
        box.setDetailedText(details)
    return box
