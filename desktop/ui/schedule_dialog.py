"""The schedule editor of one connection: its schedules in plain words (when,
the next run, what retention keeps), Remove with a confirmation, and a form
to add one (schedule_form.py).

Adding and removing go through core/schedule/manage.py, the one path the CLI
shares, which also registers the schedule with the operating system's
scheduler: slow enough to run in the background. changed() tells the window.
"""
from datetime import UTC, datetime
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.errors import LifeboatError
from desktop.core.schedule.manage import add_schedule, remove_schedule
from desktop.core.schedule.status import schedule_zone
from desktop.core.schedule.words import keeps_text, schedule_next_text
from desktop.core.store.profiles import Profile
from desktop.core.store.schedules import Schedule
from desktop.core.workspace import Workspace
from desktop.ui.badges import environment_badge
from desktop.ui.error_dialog import error_box
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.profile_list import profile_subtitle
from desktop.ui.schedule_form import ScheduleForm
from desktop.ui.widgets import ERROR_STYLE, HINT_STYLE, named, wrapped_label

_SCHEDULE_ROLE = Qt.ItemDataRole.UserRole
COLUMNS = ("When", "Next run", "What is kept")
INTRO = ("Lifeboat asks this computer's own scheduler to run these backups, so they happen "
         "even when this window is closed (the computer must be on).")


def removal_question(schedule: Schedule, parent: QWidget) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Question, "Remove schedule",
                      f"Remove the schedule \u201c{schedule.describe()}\u201d?", parent=parent)
    box.setObjectName("removeScheduleQuestion")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setAccessibleName("Remove schedule")
    box.setInformativeText("No more backups will be made on this schedule. The backups it already made are kept.")
    remove = named(box.addButton("Remove schedule", QMessageBox.ButtonRole.DestructiveRole),
                   "confirmRemoveScheduleButton", "Remove schedule")
    keep = named(box.addButton("Keep it", QMessageBox.ButtonRole.RejectRole), "keepScheduleButton",
                 "Keep the schedule")
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    remove.setAutoDefault(False)
    return box


class ScheduleDialog(QDialog):
    changed = Signal()

    def __init__(self, ws: Workspace, profile: Profile, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws, self.profile = ws, profile
        self.job: Optional[BackgroundJob] = None  # the add or remove running (or last run); tests wait on it
        self.setWindowTitle(f"Schedules of {profile.name}")
        named(self, "scheduleDialog", f"Schedules of {profile.name}")
        self.schedule_list = self._build_list()
        self.form = ScheduleForm(ws, profile, self)
        self.form.changed.connect(self._update_buttons)
        self._lay_out()
        self.refresh()
        self.resize(900, 640)

    # --- building ----------------------------------------------------------
    def _build_list(self) -> QTreeWidget:
        tree = named(QTreeWidget(self), "scheduleList", f"Schedules of {self.profile.name}")
        tree.setHeaderLabels(list(COLUMNS))
        tree.setRootIsDecorated(False)
        tree.setUniformRowHeights(True)
        tree.setAlternatingRowColors(True)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.setStyleSheet("QTreeView::item { padding: 2px 12px 2px 0; }")
        header = tree.header()
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(120)  # the headings stay apart while the list is empty
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        tree.setMaximumHeight(150)
        tree.itemSelectionChanged.connect(self._update_buttons)
        return tree

    def _lay_out(self) -> None:
        heading = wrapped_label(f"Automatic backups of {self.profile.name} ({profile_subtitle(self.profile)})",
                                self, "scheduleHeading", "font-weight: bold; font-size: 11pt;")
        title_row = QHBoxLayout()
        title_row.addWidget(heading, 1)
        title_row.addWidget(environment_badge(self.profile.environment, self))
        self.empty_hint = wrapped_label("", self, "noSchedulesHint", HINT_STYLE)
        self.remove_button = named(QPushButton("Remove schedule\u2026"), "removeScheduleButton",
                                   "Remove the selected schedule")
        self.remove_button.clicked.connect(self.ask_remove)
        row = QHBoxLayout()
        row.addWidget(self.empty_hint, 1)
        row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)

        self.problem = wrapped_label("", self, "scheduleProblem", ERROR_STYLE)
        self.add_button = named(QPushButton("Add schedule"), "addScheduleButton", "Add schedule")
        self.add_button.clicked.connect(self.add)
        self.add_button.setDefault(True)  # Enter in the form adds, rather than closing and losing it
        add_row = QHBoxLayout()
        add_row.addWidget(self.problem, 1)
        add_row.addWidget(self.add_button)
        new_box = QGroupBox("New schedule", self)
        new_box.setObjectName("newScheduleBox")
        box_layout = QVBoxLayout(new_box)
        box_layout.addWidget(self.form, 1)
        box_layout.addLayout(add_row)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        named(buttons.button(QDialogButtonBox.StandardButton.Close), "closeButton", "Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(title_row)
        layout.addWidget(wrapped_label(INTRO, self, "scheduleIntro", HINT_STYLE))
        layout.addWidget(self.schedule_list)
        layout.addLayout(row)
        layout.addWidget(new_box, 1)
        layout.addWidget(buttons)

    # --- showing -------------------------------------------------------------
    def refresh(self) -> None:
        """List this connection's schedules as the store has them now."""
        self.schedule_list.clear()
        try:
            schedules = self.ws.schedules.for_profile(self.profile.name)
            zone = schedule_zone(self.ws.settings)
        except LifeboatError as exc:
            error_box(self, "Could not read the schedules", exc).open()
            schedules = []
        now = datetime.now(UTC)
        for schedule in schedules:
            item = QTreeWidgetItem([schedule.describe(), schedule_next_text(schedule, now, zone),
                                    keeps_text(schedule.keep).capitalize()])
            item.setData(0, _SCHEDULE_ROLE, schedule)
            item.setToolTip(0, f"Saved in {schedule.dest}" if schedule.dest else "Saved in the usual backup folder")
            self.schedule_list.addTopLevelItem(item)
        self.empty_hint.setText(self._summary(len(schedules)))
        self._update_buttons()

    @staticmethod
    def _summary(count: int) -> str:
        if count == 0:
            return ("No schedule yet: this connection is backed up only when someone clicks "
                    "\u201cBack up now\u201d. Add one below.")
        return "Select a schedule to remove it." if count > 1 else "Select the schedule to remove it."

    def selected(self) -> Optional[Schedule]:
        items = self.schedule_list.selectedItems()
        return items[0].data(0, _SCHEDULE_ROLE) if items else None

    def select(self, schedule_id: str) -> None:
        for index in range(self.schedule_list.topLevelItemCount()):
            item = self.schedule_list.topLevelItem(index)
            if item.data(0, _SCHEDULE_ROLE).id == schedule_id:
                self.schedule_list.setCurrentItem(item)

    def _update_buttons(self) -> None:
        busy = self.job is not None and self.job.running
        problem = self.form.problem()
        self.problem.setText(problem or "")
        self.add_button.setEnabled(problem is None and not busy)
        self.remove_button.setEnabled(self.selected() is not None and not busy)

    # --- changing ---------------------------------------------------------------
    def add(self) -> Optional[BackgroundJob]:
        try:
            schedule = self.form.schedule()
        except LifeboatError as exc:
            error_box(self, "This schedule cannot be added", exc).open()
            return None
        ws = self.ws
        return self._run(f"Adding a schedule for {self.profile.name}",
                         lambda report, cancel: add_schedule(ws, schedule))

    def ask_remove(self) -> Optional[QMessageBox]:
        schedule = self.selected()
        if schedule is None:
            return None
        box = removal_question(schedule, self)
        box.buttonClicked.connect(
            lambda button: box.buttonRole(button) == QMessageBox.ButtonRole.DestructiveRole and self._remove(schedule))
        box.open()
        return box

    def _remove(self, schedule: Schedule) -> BackgroundJob:
        ws = self.ws
        return self._run(f"Removing the schedule \u201c{schedule.describe()}\u201d",
                         lambda report, cancel: remove_schedule(ws, schedule.id))

    def _run(self, title: str, function) -> BackgroundJob:
        self.job = run_in_background(self, title, function, success=self._done, finished=self._update_buttons)
        self._update_buttons()
        return self.job

    def _done(self, schedule: Schedule) -> None:
        self.refresh()
        self.select(schedule.id)  # the one just added; a removed one is no longer listed
        self.changed.emit()
