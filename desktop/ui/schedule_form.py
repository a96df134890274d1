"""The "New schedule" form: how often and when, what retention keeps, and the
backup options (the main window's own BackupOptionsPanel, reused as it is; its
"Save in" is the schedule's destination). Plain words only, no cron syntax.
"""
from typing import Optional

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QWidget,
)

from desktop.core.store.profiles import Profile
from desktop.core.store.schedules import WEEKDAYS, Retention, Schedule, new_schedule
from desktop.core.workspace import Workspace
from desktop.ui.backup_options import BackupOptionsPanel
from desktop.ui.widgets import HINT_STYLE, named, wrapped_label

EVERY_CHOICES = (("hourly", "Every hour"), ("daily", "Every day"), ("weekly", "Every week"),
                 ("monthly", "Every month"))
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
KEEP_CHOICES = (  # (field, label before the box, suffix, tooltip)
    ("last", "The last", " backups", "The newest backups of this schedule, whatever their age"),
    ("daily", "One a day for", " days", "The newest backup of each of the last days"),
    ("weekly", "One a week for", " weeks", "The newest backup of each of the last weeks"),
    ("monthly", "One a month for", " months", "The newest backup of each of the last months"),
)
MAX_KEEP = 999


class ScheduleForm(QTabWidget):
    """changed() whenever the form becomes fillable or not (see problem())."""

    changed = Signal()

    def __init__(self, ws: Workspace, profile: Profile, parent: Optional[QWidget] = None):
        super().__init__(parent)
        named(self, "newScheduleTabs", "New schedule")
        self._ws, self._profile = ws, profile
        self.options_panel = BackupOptionsPanel(ws, self)
        self.addTab(self._build_when_page(), "When, and what to keep")
        self.addTab(self.options_panel, "Backup options")
        self.options_panel.load_profile(profile)
        self._on_every_changed()

    # --- building ----------------------------------------------------------
    def _build_when_page(self) -> QWidget:
        page = QWidget(self)
        form = QFormLayout(page)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.every_combo = named(QComboBox(), "everyCombo", "How often")
        for key, label in EVERY_CHOICES:
            self.every_combo.addItem(label, key)
        self.every_combo.setCurrentIndex(1)  # daily: the usual choice
        self.every_combo.currentIndexChanged.connect(self._on_every_changed)
        form.addRow("How often:", self.every_combo)

        self.time_edit = named(QTimeEdit(QTime(2, 0)), "timeEdit", "Time of day")
        self.time_label = QLabel("At:")
        form.addRow(self.time_label, self.time_edit)
        form.addRow("On:", self._build_days())
        self.month_day_spin = named(QSpinBox(), "monthDaySpin", "Day of the month")
        self.month_day_spin.setRange(1, 31)
        month_row = QHBoxLayout()
        month_row.addWidget(self.month_day_spin)
        month_row.addWidget(wrapped_label("A shorter month uses its last day.", page, "monthDayHint", HINT_STYLE), 1)
        form.addRow("On day:", month_row)
        form.addRow("Keep:", self._build_keep())
        form.addRow("Then:", self._build_refresh())
        self._form = form
        return page

    def _build_refresh(self) -> QComboBox:
        """A development connection to refresh (masked) from each new backup (issue 13's daily refresh)."""
        self.refresh_combo = named(QComboBox(), "refreshIntoCombo", "After each backup")
        self.refresh_combo.addItem("Nothing more: only back up", None)
        for other in self._ws.profiles.list():
            if other.environment == "development" and other.name != self._profile.name:
                self.refresh_combo.addItem(f"Refresh {other.name} from it, masked", other.name)
        self.refresh_combo.setEnabled(self.refresh_combo.count() > 1)
        return self.refresh_combo

    def _build_days(self) -> QWidget:
        self.days_widget = QWidget(self)
        row = QHBoxLayout(self.days_widget)
        row.setContentsMargins(0, 0, 0, 0)
        self.day_checks: dict[str, QCheckBox] = {}
        for key, name in zip(WEEKDAYS, DAY_NAMES):
            check = named(QCheckBox(name[:3]), f"day-{key}", name)
            check.toggled.connect(self.changed)
            self.day_checks[key] = check
            row.addWidget(check)
        row.addStretch(1)
        self.day_checks["mon"].setChecked(True)
        return self.days_widget

    def _build_keep(self) -> QWidget:
        box = QWidget(self)
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keep_spins: dict[str, QSpinBox] = {}
        defaults = Retention()
        for row, (field, label, suffix, tip) in enumerate(KEEP_CHOICES):
            spin = named(QSpinBox(), f"keep-{field}", f"Keep: {label.lower()}{suffix}")
            spin.setRange(0, MAX_KEEP)
            spin.setValue(getattr(defaults, field))
            spin.setSuffix(suffix)
            spin.setToolTip(tip)
            self.keep_spins[field] = spin
            caption = QLabel(label)
            caption.setBuddy(spin)
            grid.addWidget(caption, row, 0)
            grid.addWidget(spin, row, 1)
        grid.setColumnStretch(2, 1)
        grid.addWidget(wrapped_label(
            "Older backups go to the trash. The newest good backup, and any backup made since the last "
            "failure, are always kept.", box, "keepHint", HINT_STYLE), len(KEEP_CHOICES), 0, 1, 3)
        return box

    def _on_every_changed(self) -> None:
        every = self.every()
        hourly = every == "hourly"
        self.time_label.setText("Minutes past the hour:" if hourly else "At:")
        self.time_edit.setDisplayFormat("mm" if hourly else "HH:mm")
        self.time_edit.setAccessibleName("Minutes past the hour" if hourly else "Time of day")
        self._form.setRowVisible(2, every == "weekly")
        self._form.setRowVisible(3, every == "monthly")
        self.changed.emit()

    # --- reading --------------------------------------------------------------
    def every(self) -> str:
        return self.every_combo.currentData()

    def problem(self) -> Optional[str]:
        """Why the schedule cannot be added yet, in words; None when it can."""
        if self.every() == "weekly" and not self._days():
            return "Tick at least one day of the week."
        return None

    def _days(self) -> list[str]:
        return [key for key, check in self.day_checks.items() if check.isChecked()]

    def schedule(self) -> Schedule:
        """The schedule the form describes (a fresh id; UsageError when it is not valid)."""
        every = self.every()
        on = {"weekly": self._days(), "monthly": [str(self.month_day_spin.value())]}.get(every)
        dest = self.options_panel.destination()
        return new_schedule(
            self._profile.name, every, at=self.time_edit.time().toString("HH:mm"), on=on,
            keep=Retention(**{field: spin.value() for field, spin in self.keep_spins.items()}),
            dest=str(dest) if dest else None, options=self.options_panel.options(),
            refresh_into=self.refresh_combo.currentData(),
        )
