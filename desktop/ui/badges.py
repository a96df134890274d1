"""The Production / Development badge, as a widget and as a painter for item delegates.

Production is told apart by colour AND by its label, never by colour alone:
about one man in twelve cannot tell this red from this green.
"""
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

PRODUCTION_COLOUR = "#b3261e"
DEVELOPMENT_COLOUR = "#2e7d32"
BADGE_TEXT_COLOUR = "#ffffff"
# A faint wash of the production red, for rows and panels that belong to production.
PRODUCTION_TINT = "#fbeceb"

_PADDING_X = 7
_PADDING_Y = 2
_RADIUS = 4


def is_production(environment: str) -> bool:
    return environment == "production"


def badge_text(environment: str) -> str:
    return "PRODUCTION" if is_production(environment) else "Development"


def badge_colour(environment: str) -> str:
    return PRODUCTION_COLOUR if is_production(environment) else DEVELOPMENT_COLOUR


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
            f" color: {BADGE_TEXT_COLOUR}; border-radius: {_RADIUS}px;"
            f" padding: {_PADDING_Y}px {_PADDING_X}px; }}"
        )


def environment_badge(environment: str, parent: QWidget | None = None) -> EnvironmentBadge:
    return EnvironmentBadge(environment, parent)


def badge_size(environment: str, font: QFont) -> QSize:
    """The size paint_badge needs with `font` (the view's font)."""
    metrics = QFontMetrics(badge_font(font))
    return QSize(
        metrics.horizontalAdvance(badge_text(environment)) + 2 * _PADDING_X,
        metrics.height() + 2 * _PADDING_Y,
    )


def paint_badge(painter: QPainter, rect: QRect, environment: str, font: QFont) -> None:
    """Draw the badge filling `rect` (sized with badge_size) in a delegate's paint()."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(badge_colour(environment)))
    painter.drawRoundedRect(rect, _RADIUS, _RADIUS)
    painter.setFont(badge_font(font))
    painter.setPen(QColor(BADGE_TEXT_COLOUR))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, badge_text(environment))
    painter.restore()
