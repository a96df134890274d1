"""'Show details' and the technical text behind it (tool output, the log's
detail): hidden until a failure has some, folded until asked for."""
from typing import Optional

from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from desktop.ui.widgets import named


class TechnicalDetails(QWidget):
    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.button = named(QPushButton("Show details", self), "detailsButton", "Show technical details")
        self.button.setCheckable(True)
        self.text = named(QPlainTextEdit(self), "errorDetails", "Technical details")
        self.text.setReadOnly(True)
        self.text.hide()
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.text, 1)
        self.button.toggled.connect(self._toggle)
        self.hide()

    def show_details(self, details: str) -> None:
        self.text.setPlainText(details)
        self.setVisible(bool(details))

    def _toggle(self, shown: bool) -> None:
        self.text.setVisible(shown)
        self.button.setText("Hide details" if shown else "Show details")
