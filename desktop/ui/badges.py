"""The Production / Development badge: a widget, a painter, and the delegate that paints it in a view;
the same look serves other short labels ("Overdue") through paint_text_badge.

Production is told apart by colour AND by its label, never by colour alone:
about one man in twelve cannot tell this red from this green.
"""
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop.ui import formatting as fmt
from desktop.ui import palette

ENVIRONMENTS = ("production", "development")

_PADDING_X = 7
_PADDING_Y = 2
_RADIUS = 4
_CELL_MARGIN = 6  # between a cell's left edge and its badge


def is_production(environment: str) -> bool:
    return environment == "production"


def badge_text(environment: str) -> str:
    return fmt.environment_text(environment)


def badge_colour(environment: str) -> str:
    return palette.PRODUCTION if is_production(environment) else palette.DEVELOPMENT


def badge_accessible_name(environment: str) -> str:
    return "Production database" if is_production(environment) else "Development database"


def badge_font(base: QFont) -> QFont:
    font = QFont(base)
    font.setBold(True)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * 0.9)
    return font


class EnvironmentBadge(QLabel):
    """A rounded label: "PRODUCTION" white on red, "Development" white on green."""

    def __init__(self, environment: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("environmentBadge")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFont(badge_font(self.font()))
        self.environment = ""
        self.set_environment(environment)

    def set_environment(self, environment: str) -> None:
        self.environment = environment
        self.setText(badge_text(environment))
        self.setAccessibleName(badge_accessible_name(environment))
        self.setStyleSheet(
            f"QLabel#environmentBadge {{ background-color: {badge_colour(environment)};"
            f" color: {palette.ON_COLOUR}; border-radius: {_RADIUS}px;"
            f" padding: {_PADDING_Y}px {_PADDING_X}px; }}"
        )


def environment_badge(environment: str, parent: QWidget | None = None) -> EnvironmentBadge:
    return EnvironmentBadge(environment, parent)


def badge_size(environment: str, font: QFont) -> QSize:
    """The size paint_badge needs with `font` (the view's font)."""
    return text_badge_size(badge_text(environment), font)


def paint_badge(painter: QPainter, rect: QRect, environment: str, font: QFont) -> None:
    """Draw the badge filling `rect` (sized with badge_size) in a delegate's paint()."""
    paint_text_badge(painter, rect, badge_text(environment), badge_colour(environment), font)


def text_badge_size(text: str, font: QFont) -> QSize:
    """The size of any badge (environment, "Overdue") with `font`."""
    metrics = QFontMetrics(badge_font(font))
    return QSize(metrics.horizontalAdvance(text) + 2 * _PADDING_X, metrics.height() + 2 * _PADDING_Y)


def paint_text_badge(painter: QPainter, rect: QRect, text: str, colour: str, font: QFont) -> None:
    """The one badge's look: `text` white on `colour` (a palette colour named by meaning)."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawRoundedRect(rect, _RADIUS, _RADIUS)
    painter.setFont(badge_font(font))
    painter.setPen(QColor(palette.ON_COLOUR))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()


Index = QModelIndex | QPersistentModelIndex


class BadgeDelegate(QStyledItemDelegate):
    """Paints a cell as the badge of the environment its model gives under `role`.

    The row's own background (selection, alternate colour) stays; a value
    that is neither environment is left to the default painting.
    """

    def __init__(self, role: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.role = role

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = badge_size(index.data(self.role) or "", option.font)
        return QSize(size.width() + 2 * _CELL_MARGIN + 4, size.height() + 10)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        environment = index.data(self.role) or ""
        if environment not in ENVIRONMENTS:
            return super().paint(painter, option, index)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        opt.backgroundBrush = QBrush()
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        size = badge_size(environment, option.font)
        rect = QRect(option.rect.left() + _CELL_MARGIN, option.rect.top() + (option.rect.height() - size.height()) // 2,
                     size.width(), size.height())
        paint_badge(painter, rect, environment, option.font)
