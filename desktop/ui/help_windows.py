"""Help › User guide and Help › Show log: both read in the app, so neither
needs a Markdown or log viewer on the computer."""
from typing import Optional

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop.core.resources import resources_dir
from desktop.core.store.logs import log_tail
from desktop.core.workspace import Workspace
from desktop.ui.widgets import named

GUIDE = "guide/user-guide.md"


class GuideWindow(QDialog):
    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setWindowTitle("Lifeboat user guide")
        self.setObjectName("guideWindow")
        self.resize(720, 600)
        self.text = named(QTextBrowser(self), "guideText", "User guide")
        self.text.setOpenExternalLinks(True)
        self.text.setMarkdown((resources_dir() / GUIDE).read_text(encoding="utf-8"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(_close_buttons(self))


class LogViewer(QDialog):
    def __init__(self, ws: Workspace, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Lifeboat log")
        self.setObjectName("logViewer")
        self.resize(900, 560)
        self.text = named(QPlainTextEdit(self), "logText", "Log")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = _close_buttons(self)
        refresh = named(QPushButton("Refresh", self), "refreshLogButton", "Read the log again")
        folder = named(QPushButton("Open log folder", self), "openLogFolderButton", "Open the folder holding the log")
        buttons.addButton(refresh, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(folder, QDialogButtonBox.ButtonRole.ActionRole)
        refresh.clicked.connect(self.reload)
        folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(ws.paths.log_dir))))
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        self.text.setPlainText(log_tail(self.ws.paths) or "Nothing has been written to the log yet.")
        self.text.verticalScrollBar().setValue(self.text.verticalScrollBar().maximum())


def _close_buttons(dialog: QDialog) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    named(buttons.button(QDialogButtonBox.StandardButton.Close), "closeButton", "Close")
    buttons.rejected.connect(dialog.reject)
    return buttons
