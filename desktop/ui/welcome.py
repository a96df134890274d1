"""The first-run page, shown in the main window's centre while there are no connections."""
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui import palette
from desktop.ui.widgets import HINT_STYLE, named

_STEPS = (
    ("Add a connection",
     "Paste the database address (the DATABASE_URL your hosting provider shows) "
     "or fill in the details, and test it."),
    ("Back up",
     "One click makes an encrypted backup and lists it with its tables and record counts."),
    ("Restore into development",
     "Try a backup on a development copy to know it works. Production databases are "
     "protected: restoring into one asks you to type its name first."),
)

# The one thing to do on this page, so it looks like it: filled, with hover,
# pressed and keyboard-focus states of its own (a style sheet replaces the style's).
_PRIMARY_BUTTON = f"""
QPushButton {{ background-color: {palette.PRIMARY}; color: {palette.ON_COLOUR}; border: 2px solid {palette.PRIMARY};
              border-radius: 6px; padding: 6px 20px; }}
QPushButton:hover {{ background-color: {palette.PRIMARY_HOVER}; border-color: {palette.PRIMARY_HOVER}; }}
QPushButton:pressed {{ background-color: {palette.PRIMARY_PRESSED}; }}
QPushButton:focus {{ border-color: {palette.PRIMARY_FOCUS}; }}
"""


def _label(text: str, object_name: str, scale: float = 1.0, bold: bool = False) -> QLabel:
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    font = label.font()
    font.setBold(bold)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


class WelcomePage(QWidget):
    add_connection_requested = Signal()
    demo_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("welcomePage")
        column = QVBoxLayout()
        column.setSpacing(12)
        column.addWidget(_label("Welcome to Lifeboat", "welcomeTitle", scale=1.8, bold=True))
        column.addWidget(_label(
            "Lifeboat keeps encrypted backups of your PostgreSQL databases and restores them "
            "safely, without a terminal.", "welcomeSummary", scale=1.1))
        column.addSpacing(8)
        column.addLayout(self._steps())
        column.addSpacing(8)

        button = QPushButton("Add a connection")
        button.setObjectName("welcomeAddConnectionButton")
        button.setAccessibleName("Add a connection")
        button.setDefault(True)
        font = button.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        button.setFont(font)
        button.setMinimumHeight(40)
        button.setMinimumWidth(220)
        button.setStyleSheet(_PRIMARY_BUTTON)
        button.clicked.connect(self.add_connection_requested)
        button_row = QHBoxLayout()
        button_row.addWidget(button)
        button_row.addStretch(1)
        column.addLayout(button_row)

        demo_button = named(QPushButton("Try it with sample databases"), "welcomeDemoButton",
                            "Try it with sample databases")
        demo_button.clicked.connect(self.demo_requested)
        demo_row = QHBoxLayout()
        demo_row.addWidget(demo_button)
        demo_row.addStretch(1)
        column.addLayout(demo_row)
        demo = _label("Just looking? This opens a second window with sample databases to try every step on; "
                      "they are removed again when you close it.", "welcomeDemoHint")
        demo.setStyleSheet(HINT_STYLE)
        column.addWidget(demo)

        card = QWidget()
        card.setObjectName("welcomeCard")
        card.setMaximumWidth(600)
        card.setLayout(column)
        # The card takes up to its maximum width, the margins share the rest.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 20)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 32, 32, 32)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def _steps(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(10)
        for row, (title, text) in enumerate(_STEPS):
            number = _label(str(row + 1), f"welcomeStep{row + 1}Number", scale=1.3, bold=True)
            number.setAlignment(Qt.AlignmentFlag.AlignCenter)
            number.setFixedSize(32, 32)
            number.setStyleSheet(f"background-color: {palette.STEP_TINT}; border-radius: 16px;")
            grid.addWidget(number, row, 0, Qt.AlignmentFlag.AlignTop)
            body = QVBoxLayout()
            body.setSpacing(2)
            body.addWidget(_label(title, f"welcomeStep{row + 1}Title", bold=True))
            body.addWidget(_label(text, f"welcomeStep{row + 1}Text"))
            grid.addLayout(body, row, 1)
        grid.setColumnStretch(1, 1)
        return grid
