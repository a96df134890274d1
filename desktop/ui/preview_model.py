"""The rows of a table preview as a Qt table model.

Values are shown as PostgreSQL prints them. NULL is shown as a grey,
italic NULL, so it never reads as empty text (which shows as nothing) or
as the text "NULL"; line breaks and tabs are drawn as visible marks, the
exact value is the tooltip.
"""
from typing import Any, Optional

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.core.inspect.preview import Preview
from desktop.ui import palette

_Index = QModelIndex | QPersistentModelIndex
NULL_TEXT = "NULL"
_SHOWN_LENGTH = 200


class PreviewModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._preview: Optional[Preview] = None

    def set_preview(self, preview: Optional[Preview]) -> None:
        self.beginResetModel()
        self._preview = preview
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() or self._preview is None else len(self._preview.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:
        return 0 if parent.isValid() or self._preview is None else len(self._preview.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self._preview is None or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        name = self._preview.columns[section]
        return name if role == Qt.ItemDataRole.DisplayRole else f"{name} ({self._preview.types[section]})"

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self._preview is None or not index.isValid():
            return None
        value = self._preview.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return NULL_TEXT if value is None else _shown(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "NULL (no value)" if value is None else (value or "(empty text)")
        if value is None and role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(palette.MUTED))
        if value is None and role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setItalic(True)
            return font
        return None


def _shown(value: str) -> str:
    text = value.replace("\r\n", "\u23ce").replace("\n", "\u23ce").replace("\t", "\u2192")
    return text if len(text) <= _SHOWN_LENGTH else text[:_SHOWN_LENGTH] + "\u2026"
