"""What a restore or sync does to each table of its target, one line per table,
losses in red: the restore wizard's review page and the sync dialog.

Red is never the only sign: a lost table's line says "will be removed", and
a fallen count shows both numbers. Where the person must agree to each loss
(the sync), every lost table gets a tick box, and `all_agreed` says whether
each one is ticked.
"""
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from desktop.core.jobs.restore.plan import TableChange, ordered
from desktop.ui import palette

TABLE_ROLE = Qt.ItemDataRole.UserRole
TICK_ROLE = Qt.ItemDataRole.UserRole + 1  # a lost table the person must tick


class LossList(QListWidget):
    agreement_changed = Signal()

    def __init__(self, object_name: str, accessible_name: str, parent: Optional[QWidget] = None,
                 max_rows: Optional[int] = None):
        """`max_rows`: as tall as its lines up to that many (then it scrolls), not taking the spare height."""
        super().__init__(parent)
        self._max_rows = max_rows
        self.setObjectName(object_name)
        self.setAccessibleName(accessible_name)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setWordWrap(True)
        self.itemChanged.connect(lambda _item: self.agreement_changed.emit())

    def show_changes(self, changes: list[TableChange], tick_losses: bool = False, done: bool = False) -> None:
        """One line per change, losses first; `done`: worded as what happened."""
        self.blockSignals(True)
        self.clear()
        for change in ordered(changes):
            item = QListWidgetItem(change.done_words() if done else change.words(), self)
            item.setData(TABLE_ROLE, change.table)
            if change.lost or change.fell:
                item.setForeground(QBrush(QColor(palette.DANGER)))
                item.setBackground(QBrush(QColor(palette.DANGER_TINT)))
            if change.lost:
                bold = QFont(self.font())
                bold.setBold(True)
                item.setFont(bold)
                if tick_losses:
                    item.setData(TICK_ROLE, True)
                    item.setCheckState(Qt.CheckState.Unchecked)
                    item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{item.text()}. Tick to agree.")
        self.blockSignals(False)
        if self._max_rows and self.count():
            rows = min(self.count(), self._max_rows)
            self.setFixedHeight(rows * self.sizeHintForRow(0) + 2 * self.frameWidth() + 4)
        self.agreement_changed.emit()

    def _loss_items(self) -> list[QListWidgetItem]:
        items = (self.item(row) for row in range(self.count()))
        return [item for item in items if item.data(TICK_ROLE)]

    def agreed_losses(self) -> list[str]:
        return [item.data(TABLE_ROLE) for item in self._loss_items() if item.checkState() == Qt.CheckState.Checked]

    def all_agreed(self) -> bool:
        return all(item.checkState() == Qt.CheckState.Checked for item in self._loss_items())
