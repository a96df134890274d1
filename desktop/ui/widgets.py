"""The pieces screens are built from, so every dialog names, words and warns alike.

named() gives a control the object name tests find it by and the accessible
name a screen reader says (every control has one); the styles and labels
below are the hint, the error line and the production banner each dialog
would otherwise spell out again.
"""
from typing import TypeVar

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QToolButton, QVBoxLayout, QWidget

from desktop.ui import palette

HINT_STYLE = f"color: {palette.MUTED};"
ERROR_STYLE = f"color: {palette.DANGER};"
REFUSAL_STYLE = f"color: {palette.DANGER}; font-weight: bold;"
LOSSES_TITLE_STYLE = f"font-weight: bold; color: {palette.DANGER};"
BANNER_STYLE = (f"background-color: {palette.PRODUCTION}; color: {palette.ON_COLOUR}; font-weight: bold;"
                " font-size: 13pt; padding: 10px; border-radius: 4px;")

W = TypeVar("W", bound=QWidget)


def named(widget: W, object_name: str, accessible_name: str) -> W:
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible_name)
    return widget


def with_clear_button(edit: QLineEdit) -> QLineEdit:
    """The line edit's clear button, named: Qt leaves it nameless for screen readers."""
    edit.setClearButtonEnabled(True)
    for button in edit.findChildren(QToolButton):
        named(button, f"{edit.objectName()}ClearButton", f"Clear {edit.accessibleName().lower()}")
    return edit


def start_and_close(dialog: QDialog, body: QWidget, start_text: str,
                    start_name: str) -> tuple[QPushButton, QPushButton]:
    """The dialogs that run one job: `body` above, then "Start …" (the default) and Close;
    Close rejects the dialog. The caller connects Start."""
    start = named(QPushButton(start_text, dialog), start_name, start_text)
    start.setDefault(True)
    close = named(QPushButton("Close", dialog), "closeButton", "Close")
    buttons = QHBoxLayout()
    buttons.addStretch(1)
    buttons.addWidget(start)
    buttons.addWidget(close)
    layout = QVBoxLayout(dialog)
    layout.addWidget(body, 1)
    layout.addLayout(buttons)
    close.clicked.connect(dialog.reject)
    return start, close


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Open at this size, or smaller on a smaller screen (a 1366x768 laptop less its taskbar)."""
    available = window.screen().availableGeometry()
    window.resize(min(width, available.width()), min(height, available.height()))


def text_style(colour: str, *, bold: bool = False) -> str:
    return f"color: {colour};" + (" font-weight: bold;" if bold else "")


def wrapped_label(text: str, parent: QWidget, object_name: str, style: str = "") -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    return label


def production_banner(what: str, parent: QWidget) -> QLabel:
    """The red banner over a step that changes production: 'You are about to {what} a PRODUCTION database'."""
    banner = wrapped_label(f"You are about to {what} a PRODUCTION database", parent, "productionBanner",
                           BANNER_STYLE)
    banner.setAccessibleName(f"Warning: you are about to {what} a production database")
    return banner
