"""Per connection in the connections pane: the last good backup, the next
scheduled one, and a red "Overdue" badge when its schedule has gone too long
without a successful backup (core/schedule/status.py decides; words.py words it).

The pane paints two extra lines under each connection (paint_status_lines);
StatusRefresher recomputes them when the window asks (a backup finished, a
schedule changed) and once a minute, as scheduled backups run outside the window.
"""
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Optional

from PySide6.QtCore import QObject, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from desktop.core.errors import LifeboatError
from desktop.core.schedule.words import StatusWords, connection_words
from desktop.core.workspace import Workspace
from desktop.ui import palette
from desktop.ui.badges import paint_text_badge, text_badge_size

log = logging.getLogger("lifeboat.ui")

STATUS_ROLE = Qt.ItemDataRole.UserRole + 1
OVERDUE_TEXT = "Overdue"
REFRESH_MS = 60_000
_LINE_GAP = 2


def status_lines_height(option: QStyleOptionViewItem) -> int:
    """What the two lines add to a row: a gap and two lines (the badge fits the second's height)."""
    line = max(QFontMetrics(option.font).height(), text_badge_size(OVERDUE_TEXT, option.font).height())
    return 2 * (line + _LINE_GAP)


def paint_status_lines(painter: QPainter, option: QStyleOptionViewItem, words: StatusWords,
                       left: int, top: int, colour: QColor) -> None:
    """Paint "Last good backup: …" and "Next: …" from (left, top), the badge at the row's right end."""
    metrics = QFontMetrics(option.font)
    badge = text_badge_size(OVERDUE_TEXT, option.font)
    line = max(metrics.height(), badge.height())
    right = option.rect.right() - 8
    align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    painter.setFont(option.font)
    painter.setPen(colour)
    for row, text in enumerate((words.last, words.next)):
        y = top + _LINE_GAP + row * (line + _LINE_GAP)
        end = right
        if row == 1 and words.overdue:
            end = right - badge.width() - 8
            badge_rect = QRect(right - badge.width(), y + (line - badge.height()) // 2, badge.width(), badge.height())
            paint_text_badge(painter, badge_rect, OVERDUE_TEXT, palette.OVERDUE, option.font)
        width = end - left
        painter.drawText(QRect(left, y, width, line), align,
                         metrics.elidedText(text, Qt.TextElideMode.ElideRight, width))


class StatusRefresher(QObject):
    """Computes every connection's status words and hands them to `show`;
    refresh() now, and by itself once a minute while the window lives."""

    def __init__(self, ws: Workspace, show: Callable[[dict[str, StatusWords]], None],
                 parent: Optional[QObject] = None):
        super().__init__(parent)
        self._ws = ws
        self._show = show
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    def refresh(self) -> None:
        try:
            words = connection_words(self._ws, datetime.now(UTC))
        except LifeboatError as exc:  # a damaged schedules file or an unknown time zone: the lines stay empty
            log.warning("connection status not shown: %s | %s", exc.message, exc.detail)
            words = {}
        self._show(words)
