"""The left pane: the connection profiles, each with its Production / Development badge.

The pane only presents and asks; the main window does the adding, editing,
removing and testing when the signals arrive.
"""
from PySide6.QtCore import QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.schedule.words import StatusWords
from desktop.core.store.profiles import Profile
from desktop.ui import palette
from desktop.ui.badges import (
    badge_accessible_name,
    badge_size,
    paint_badge,
)
from desktop.ui.schedule_status import STATUS_ROLE, paint_status_lines, status_lines_height

PROFILE_ROLE = Qt.ItemDataRole.UserRole
_MARGIN = 8
_STRIPE = 4
_LINE_GAP = 2
_BACKUPS_ONLY = "backups only"
_QUIET_TEXT = palette.MUTED


def profile_subtitle(profile: Profile) -> str:
    """ "dbname on host", the port only when it is not PostgreSQL's usual 5432."""
    host = f"[{profile.host}]" if ":" in profile.host else profile.host
    port = "" if profile.port == 5432 else f":{profile.port}"
    return f"{profile.dbname} on {host}{port}"


def profile_accessible_text(profile: Profile) -> str:
    text = f"{profile.name}, {badge_accessible_name(profile.environment)}, {profile_subtitle(profile)}"
    return f"{text}, backups only" if profile.read_only else text


def _bold(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setBold(True)
    return bold


class ProfileDelegate(QStyledItemDelegate):
    """Name in bold, "dbname on host" below, the badge on the right (with
    "backups only" under it when so); a production row also gets a red
    stripe on its left edge and a faint red background."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        height = QFontMetrics(_bold(option.font)).height() + _LINE_GAP + QFontMetrics(option.font).height()
        if index.data(STATUS_ROLE) is not None:
            height += status_lines_height(option)
        return QSize(200, height + 2 * _MARGIN)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        profile: Profile = index.data(PROFILE_ROLE)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.save()
        self._paint_background(painter, option, profile, selected)
        name_right, subtitle_right = self._paint_right_column(painter, option, profile, selected)
        self._paint_text(painter, option, profile, selected, name_right - _MARGIN, subtitle_right - _MARGIN)
        status: StatusWords | None = index.data(STATUS_ROLE)
        if status is not None:
            top = (option.rect.top() + _MARGIN + QFontMetrics(_bold(option.font)).height() + _LINE_GAP
                   + QFontMetrics(option.font).height())
            paint_status_lines(painter, option, status, option.rect.left() + _STRIPE + _MARGIN, top,
                               self._quiet_colour(option, selected))
        painter.restore()

    def _paint_background(self, painter, option, profile: Profile, selected: bool) -> None:
        rect = option.rect
        if selected and option.widget:
            option.widget.style().drawPrimitive(
                QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget)
        elif profile.is_production:
            painter.fillRect(rect, QColor(palette.PRODUCTION_TINT))
        if profile.is_production:
            painter.fillRect(QRect(rect.left(), rect.top(), _STRIPE, rect.height()), QColor(palette.PRODUCTION))

    def _paint_right_column(self, painter, option, profile: Profile, selected: bool) -> tuple[int, int]:
        """The badge level with the name, "backups only" under it; returns where
        the name's line and the subtitle's line end."""
        rect = option.rect
        name_height = QFontMetrics(_bold(option.font)).height()
        badge = badge_size(profile.environment, option.font)
        top = rect.top() + _MARGIN + (name_height - badge.height()) // 2
        badge_rect = QRect(rect.right() - _MARGIN - badge.width(), top, badge.width(), badge.height())
        paint_badge(painter, badge_rect, profile.environment, option.font)
        if not profile.read_only:
            return badge_rect.left(), rect.right()
        metrics = QFontMetrics(option.font)
        width = metrics.horizontalAdvance(_BACKUPS_ONLY)
        note = QRect(rect.right() - _MARGIN - width, rect.top() + _MARGIN + name_height + _LINE_GAP,
                     width, metrics.height())
        painter.setFont(option.font)
        painter.setPen(self._quiet_colour(option, selected))
        painter.drawText(note, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, _BACKUPS_ONLY)
        return badge_rect.left(), note.left()

    def _paint_text(self, painter, option, profile: Profile, selected: bool,
                    name_right: int, subtitle_right: int) -> None:
        left = option.rect.left() + _STRIPE + _MARGIN
        width = name_right - left
        bold = _bold(option.font)
        name_height = QFontMetrics(bold).height()
        top = option.rect.top() + _MARGIN
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.setFont(bold)
        painter.setPen(option.palette.color(
            self._group(option),
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
        painter.drawText(QRect(left, top, width, name_height), align,
                         QFontMetrics(bold).elidedText(profile.name, Qt.TextElideMode.ElideRight, width))
        metrics = QFontMetrics(option.font)
        painter.setFont(option.font)
        painter.setPen(self._quiet_colour(option, selected))
        width = subtitle_right - left
        painter.drawText(QRect(left, top + name_height + _LINE_GAP, width, metrics.height()), align,
                         metrics.elidedText(profile_subtitle(profile), Qt.TextElideMode.ElideRight, width))

    @staticmethod
    def _group(option) -> QPalette.ColorGroup:
        active = option.state & QStyle.StateFlag.State_Active
        return QPalette.ColorGroup.Active if active else QPalette.ColorGroup.Inactive

    def _quiet_colour(self, option, selected: bool) -> QColor:
        if selected:
            return option.palette.color(self._group(option), QPalette.ColorRole.HighlightedText)
        return QColor(_QUIET_TEXT)


def removal_question(profile: Profile, parent: QWidget | None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("removeProfileQuestion")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Remove connection")
    box.setAccessibleName("Remove connection")
    box.setText(f"Remove the connection \u201c{profile.name}\u201d?")
    box.setInformativeText(
        f"Lifeboat will forget how to connect to {profile.display_target()} and the password "
        "it keeps for it. The database itself is not touched, and the backups already made "
        "from it are kept: they stay in the catalog and in the backup folder."
    )
    remove = box.addButton("Remove connection", QMessageBox.ButtonRole.DestructiveRole)
    remove.setObjectName("confirmRemoveButton")
    remove.setAccessibleName("Remove connection")
    keep = box.addButton("Keep it", QMessageBox.ButtonRole.RejectRole)
    keep.setObjectName("keepProfileButton")
    keep.setAccessibleName("Keep the connection")
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    return box


class ProfileList(QWidget):
    profile_selected = Signal(object)  # Profile | None
    add_requested = Signal()
    edit_requested = Signal(object)
    remove_requested = Signal(object)
    test_requested = Signal(object)
    schedules_requested = Signal(object)
    refresh_requested = Signal(object)  # "Refresh development from production…" into this connection

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("profileListPane")
        self._statuses: dict[str, StatusWords] = {}
        heading = QLabel("Connections")
        heading.setObjectName("connectionsHeading")
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        heading.setFont(font)

        self._list = QListWidget()
        self._list.setObjectName("profileList")
        self._list.setAccessibleName("Connections")
        self._list.setItemDelegate(ProfileDelegate(self._list))
        self._list.setUniformItemSizes(True)
        self._list.setMinimumWidth(260)
        self._list.currentItemChanged.connect(self._on_current_changed)
        self._list.itemDoubleClicked.connect(lambda item: self.edit_requested.emit(item.data(PROFILE_ROLE)))
        self._list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._list.customContextMenuRequested.connect(self._show_menu)

        self._empty_hint = QLabel("No connections yet. Add one to start backing up.")
        self._empty_hint.setObjectName("noProfilesHint")
        self._empty_hint.setWordWrap(True)

        self._add = self._button("Add connection\u2026", "addProfileButton", "Add connection")
        self._edit = self._button("Edit\u2026", "editProfileButton", "Edit connection")
        self._remove = self._button("Remove", "removeProfileButton", "Remove connection")
        self._test = self._button("Test connection", "testProfileButton", "Test connection")
        self._schedules = self._button("Schedules\u2026", "schedulesButton", "Schedules of this connection")
        self._add.clicked.connect(self.add_requested)
        self._edit.clicked.connect(lambda: self._emit_for_current(self.edit_requested))
        self._remove.clicked.connect(self._ask_remove)
        self._test.clicked.connect(lambda: self._emit_for_current(self.test_requested))
        self._schedules.clicked.connect(lambda: self._emit_for_current(self.schedules_requested))

        buttons = QGridLayout()
        buttons.addWidget(self._add, 0, 0, 1, 2)
        buttons.addWidget(self._edit, 1, 0)
        buttons.addWidget(self._remove, 1, 1)
        buttons.addWidget(self._test, 2, 0)
        buttons.addWidget(self._schedules, 2, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self._list, 1)
        layout.addWidget(self._empty_hint)
        layout.addLayout(buttons)
        self._update_buttons()

    def _button(self, text: str, object_name: str, accessible_name: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(object_name)
        button.setAccessibleName(accessible_name)
        return button

    def set_profiles(self, profiles: list[Profile]) -> None:
        """Show `profiles`, keeping the selection by name (else the first)."""
        previous = self.current_profile()
        self._list.blockSignals(True)
        try:
            self._list.clear()
            for profile in profiles:
                self._list.addItem(self._item(profile))
            names = [p.name for p in profiles]
            if previous and previous.name in names:
                self._list.setCurrentRow(names.index(previous.name))
            elif profiles:
                self._list.setCurrentRow(0)
        finally:
            self._list.blockSignals(False)
        self._empty_hint.setVisible(not profiles)
        self._on_current_changed()

    def _item(self, profile: Profile) -> QListWidgetItem:
        item = QListWidgetItem(profile.name)
        item.setData(PROFILE_ROLE, profile)
        self._show_status(item)
        if profile.notes:
            item.setToolTip(profile.notes)
        return item

    def set_statuses(self, statuses: dict[str, StatusWords]) -> None:
        """Each connection's last good backup, next run and overdue badge (schedule_status.py)."""
        self._statuses = statuses
        for row in range(self._list.count()):
            self._show_status(self._list.item(row))
        self._list.doItemsLayout()  # the rows grow by the status lines

    def _show_status(self, item: QListWidgetItem) -> None:
        profile = item.data(PROFILE_ROLE)
        status = self._statuses.get(profile.name)
        item.setData(STATUS_ROLE, status)
        spoken = profile_accessible_text(profile)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{spoken}, {status.spoken()}" if status else spoken)

    def status_of(self, name: str) -> StatusWords | None:
        return next((item.data(STATUS_ROLE) for item in map(self._list.item, range(self._list.count()))
                     if item.data(PROFILE_ROLE).name == name), None)

    def _show_menu(self, position) -> None:
        item = self._list.itemAt(position)
        if item is None:
            return
        self._list.setCurrentItem(item)
        menu = self.context_menu(item.data(PROFILE_ROLE))
        menu.popup(self._list.viewport().mapToGlobal(position))

    def context_menu(self, profile: Profile) -> QMenu:
        """The right-click menu of one connection."""
        menu = QMenu(self)
        menu.setObjectName("profileMenu")
        menu.setAccessibleName(f"Actions for {profile.name}")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for text, signal in (("Schedules\u2026", self.schedules_requested), ("Edit\u2026", self.edit_requested),
                             ("Test connection", self.test_requested)):
            menu.addAction(text).triggered.connect(lambda _=False, s=signal: s.emit(profile))
        if not profile.is_production:
            menu.addAction("Refresh development from production\u2026").triggered.connect(
                lambda _=False: self.refresh_requested.emit(profile))
        menu.addSeparator()
        menu.addAction("Remove\u2026").triggered.connect(self._ask_remove)
        return menu

    def current_profile(self) -> Profile | None:
        item = self._list.currentItem()
        return item.data(PROFILE_ROLE) if item else None

    def select(self, name: str) -> None:
        for row in range(self._list.count()):
            if self._list.item(row).data(PROFILE_ROLE).name == name:
                self._list.setCurrentRow(row)
                return

    def _on_current_changed(self, *_args) -> None:
        self._update_buttons()
        self.profile_selected.emit(self.current_profile())

    def _update_buttons(self) -> None:
        chosen = self.current_profile() is not None
        for button in (self._edit, self._remove, self._test, self._schedules):
            button.setEnabled(chosen)

    def _emit_for_current(self, signal) -> None:
        profile = self.current_profile()
        if profile is not None:
            signal.emit(profile)

    def _ask_remove(self) -> None:
        profile = self.current_profile()
        if profile is None:
            return
        box = removal_question(profile, self)
        box.exec()
        if box.buttonRole(box.clickedButton()) == QMessageBox.ButtonRole.DestructiveRole:
            self.remove_requested.emit(profile)
