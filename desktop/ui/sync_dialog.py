""""Copy development into production…": the sync, with its four steps shown before anything runs.

The dialog only makes the engine's plan visible (`plan_sync`) and runs
`run_sync` in a BackgroundJob; every rule (read-only targets, the typed
production name, links from other tables) is enforced again by the engine.
The look is the restore wizard's: badges, the red production banner, the
typed-name gate, the verification table and the undo panel. Each table the
target would lose is listed in red with a tick box, and Start waits until
every one is ticked: the sync removes only tables the person saw and agreed
to (SyncRequest.agreed_losses). The outcome page is sync_outcome.SyncOutcome.
"""
from typing import Optional

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.jobs.sync import SyncPlan, SyncRequest, SyncResult, plan_sync, run_sync
from desktop.core.postgres.live_stats import list_profile_tables
from desktop.core.store.profiles import Profile
from desktop.ui import formatting as fmt
from desktop.ui.badges import EnvironmentBadge
from desktop.ui.error_dialog import error_text
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.restore.loss_list import LossList
from desktop.ui.sync_outcome import SyncOutcome
from desktop.ui.widgets import (
    ERROR_STYLE,
    HINT_STYLE,
    LOSSES_TITLE_STYLE,
    fit_to_screen,
    named,
    production_banner,
    start_and_close,
    wrapped_label,
)

TABLE_KEY_ROLE = Qt.ItemDataRole.UserRole
# Ticking several table boxes in a row makes one plan, not one per click.
_PLAN_DELAY_MS = 300


class SyncDialog(QDialog):
    synced = Signal(object)  # SyncResult; the window refreshes its backup list
    changed = Signal()  # a sync or an undo ended: what the window shows may be out of date
    job_finished = Signal()

    def __init__(self, ws, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.plan: Optional[SyncPlan] = None
        self.plan_error: Optional[BaseException] = None
        self.tables_job: Optional[BackgroundJob] = None
        self.plan_job: Optional[BackgroundJob] = None
        self.sync_job: Optional[BackgroundJob] = None
        self._replan = False
        self._plan_timer = QTimer(self, singleShot=True, interval=_PLAN_DELAY_MS)
        self._plan_timer.timeout.connect(self._make_plan)
        self.setObjectName("syncDialog")
        self.setAccessibleName("Copy development into production")
        self.setWindowTitle("Copy development into production")
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._build_choices())
        self.outcome = SyncOutcome(ws, self)
        self.outcome.changed.connect(self.changed)
        self.pages.addWidget(self.outcome)
        self.start_button, self.close_button = start_and_close(self, self.pages, "Start the sync", "startSyncButton")
        self.start_button.clicked.connect(self.start)
        self._fill_profiles()
        fit_to_screen(self, 820, 700)

    # --- building -----------------------------------------------------
    def _build_choices(self) -> QWidget:
        page = QWidget(self)
        intro = wrapped_label(
            "Lifeboat copies one database over another, in four steps listed below. Nothing is changed "
            "until you press \u201cStart the sync\u201d, and production can be put back afterwards from "
            "the safety backup taken first.", page, "syncIntro")
        self.source = named(QComboBox(page), "syncSource", "Copy from")
        self.target = named(QComboBox(page), "syncTarget", "Copy into")
        self.source_badge = EnvironmentBadge("development", page)
        self.target_badge = EnvironmentBadge("production", page)
        grid = QGridLayout()
        grid.addWidget(QLabel("Copy from:", page), 0, 0)
        grid.addWidget(self.source, 0, 1)
        grid.addWidget(self.source_badge, 0, 2)
        grid.addWidget(QLabel("Copy into:", page), 1, 0)
        grid.addWidget(self.target, 1, 1)
        grid.addWidget(self.target_badge, 1, 2)
        grid.setColumnStretch(1, 1)

        self.whole = named(QRadioButton("The whole database", page), "syncWholeDatabase",
                           "Copy the whole database")
        self.some = named(QRadioButton("Only the tables I tick", page), "syncSomeTables",
                          "Copy only the tables I tick")
        self.whole.setChecked(True)
        self.scope = QButtonGroup(page)
        self.scope.addButton(self.whole)
        self.scope.addButton(self.some)
        self.tables = named(QListWidget(page), "syncTables", "Tables to copy")
        self.tables.setEnabled(False)
        self.tables_status = wrapped_label("", page, "syncTablesStatus", HINT_STYLE)

        self.banner = production_banner("replace data in", page)
        self.steps_title = wrapped_label("What Lifeboat will do:", page, "stepsTitle", "font-weight: bold;")
        self.steps = wrapped_label("", page, "syncSteps")
        self.steps.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.link_notes = wrapped_label("", page, "syncLinkNotes", HINT_STYLE)
        self.losses_title = wrapped_label("", page, "syncLossesTitle", LOSSES_TITLE_STYLE)
        self.losses = LossList("syncLosses", "What the target would lose: tick each removed table to agree", page,
                               max_rows=6)
        self.confirm_label = wrapped_label("", page, "confirmLabel", "font-weight: bold;")
        self.confirm = named(QLineEdit(page), "confirmField", "Type the database name to confirm")
        self.confirm_label.setBuddy(self.confirm)
        self.confirm_hint = wrapped_label("The Start button works once the name is typed exactly, "
                                          "with the same capital and small letters.", page, "confirmHint",
                                          HINT_STYLE)
        return self._lay_out_choices(page, intro, grid)

    def _lay_out_choices(self, page: QWidget, intro: QLabel, grid: QGridLayout) -> QWidget:
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(grid)
        layout.addSpacing(6)
        layout.addWidget(wrapped_label("What to copy:", page, "scopeTitle", "font-weight: bold;"))
        layout.addWidget(self.whole)
        layout.addWidget(self.some)
        layout.addWidget(self.tables, 1)
        layout.addWidget(self.tables_status)
        layout.addSpacing(6)
        layout.addWidget(self.banner)
        layout.addWidget(self.steps_title)
        layout.addWidget(self.steps)
        layout.addWidget(self.link_notes)
        layout.addWidget(self.losses_title)
        layout.addWidget(self.losses)
        layout.addSpacing(6)
        layout.addWidget(self.confirm_label)
        layout.addWidget(self.confirm)
        layout.addWidget(self.confirm_hint)
        self.source.currentIndexChanged.connect(self._on_source_changed)
        self.target.currentIndexChanged.connect(self._on_target_changed)
        self.some.toggled.connect(self._on_scope_changed)
        self.tables.itemChanged.connect(lambda _item: self._plan_later())
        self.confirm.textChanged.connect(self._enable_start)
        self.losses.agreement_changed.connect(self._enable_start)
        return page

    def _fill_profiles(self) -> None:
        profiles = sorted(self.ws.profiles.list(), key=lambda p: p.name.casefold())
        # Development first among sources, production first among targets: the usual direction.
        for profile in sorted(profiles, key=lambda p: p.is_production):
            self.source.addItem(_profile_words(profile), profile.name)
        for profile in sorted(profiles, key=lambda p: not p.is_production):
            if not profile.read_only:  # 'backups only': Lifeboat never writes into it
                self.target.addItem(_profile_words(profile), profile.name)
        self._on_source_changed()
        self._on_target_changed()

    # --- choices ------------------------------------------------------
    def profile(self, combo: QComboBox) -> Optional[Profile]:
        name = combo.currentData()
        return self.ws.profiles.get(name) if name else None

    def select(self, source: str, target: str) -> None:
        self.source.setCurrentIndex(self.source.findData(source))
        self.target.setCurrentIndex(self.target.findData(target))

    def picked_tables(self) -> list[str]:
        if not self.some.isChecked():
            return []
        return [self.tables.item(row).data(TABLE_KEY_ROLE) for row in range(self.tables.count())
                if self.tables.item(row).checkState() == Qt.CheckState.Checked]

    def _on_source_changed(self, *_args) -> None:
        source = self.profile(self.source)
        if source:
            self.source_badge.set_environment(source.environment)
            self._load_tables(source)
        self._plan_later()

    def _on_target_changed(self, *_args) -> None:
        target = self.profile(self.target)
        production = bool(target and target.is_production)
        if target:
            self.target_badge.set_environment(target.environment)
            self.confirm_label.setText(f"Type the database name to confirm: {target.dbname}")
        for widget in (self.banner, self.confirm_label, self.confirm, self.confirm_hint):
            widget.setVisible(production)
        self.confirm.clear()
        self._plan_later()

    def _on_scope_changed(self, some: bool) -> None:
        self.tables.setEnabled(some)
        self._plan_later()

    def _load_tables(self, source: Profile) -> None:
        self.tables.clear()
        self.tables_status.setText(f"Reading the tables of {source.dbname}\u2026")
        password = self.ws.profiles.password_for(source)
        # Only the newest job's answer counts: the source may change while an older one runs.
        self.tables_job = run_in_background(
            self, "Read tables", lambda report, cancel: list_profile_tables(source, password),
            success=self._show_tables, failure=self._tables_failed)

    def _tables_failed(self, error: BaseException) -> None:
        if self.sender() is self.tables_job:
            self.tables_status.setText(error_text(error)[0])

    def _show_tables(self, tables) -> None:
        if self.sender() is not self.tables_job:
            return
        self.tables.blockSignals(True)
        self.tables.clear()
        for table in tables:
            size = f"  ({fmt.human_size(table.size_bytes)})" if table.size_bytes else ""
            item = QListWidgetItem(table.dump_label + size, self.tables)
            item.setData(TABLE_KEY_ROLE, table.key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.tables.blockSignals(False)
        self.tables_status.setText(f"{len(tables)} tables. Tick the ones to copy; the others stay as they are.")

    # --- the plan -----------------------------------------------------
    def _plan_later(self) -> None:
        self.plan, self.plan_error = None, None
        self.steps.setText("Working out the steps\u2026")
        self.link_notes.setHidden(True)
        self._show_losses(None)
        self._enable_start()
        self._plan_timer.start()

    def _make_plan(self) -> None:
        if self.plan_job and self.plan_job.running:
            self._replan = True
            return
        source, target = self.profile(self.source), self.profile(self.target)
        if not source or not target:
            self.steps.setText("Add two connections first: the database to copy from and the one to copy into.")
            return
        tables = self.picked_tables()
        if self.some.isChecked() and not tables:
            self.steps.setText("Tick at least one table to copy.")
            return
        # The plan only reads; it is given the name the engine asks for so the
        # preview shows. The sync itself carries what the person typed.
        request = SyncRequest(source.name, target.name, tables, confirm=target.dbname)
        self.plan_job = run_in_background(self, "Plan the sync", lambda report, cancel: plan_sync(self.ws, request),
                                          success=self._show_plan, failure=self._show_plan_error,
                                          finished=self._on_plan_finished)

    def _on_plan_finished(self) -> None:
        if self._replan:
            self._replan = False
            self._plan_later()
        self.job_finished.emit()

    def _show_plan(self, plan: SyncPlan) -> None:
        if self._replan:
            return  # the choices changed while it was made
        self.plan = plan
        self.steps.setText("\n".join(f"{n}. {step}" for n, step in enumerate(plan.steps(), 1)))
        self.steps.setStyleSheet("")
        notes = plan.link_notes()
        self.link_notes.setText("Links from other tables:\n" + "\n".join(f"\u2022 {note}" for note in notes))
        self.link_notes.setVisible(bool(notes))
        self._show_losses(plan)
        self._enable_start()

    def _show_losses(self, plan: Optional[SyncPlan]) -> None:
        """Each table the target would lose (a tick each, to agree) and each whose rows would fall, in red."""
        changes = (plan.lost + plan.fallen) if plan else []
        if plan and plan.lost:
            self.losses_title.setText(f"{plan.target.dbname} would lose these tables: {plan.source.dbname} does not "
                                      "have them. Tick each one to agree that it is removed.")
        elif plan:
            self.losses_title.setText(f"These tables of {plan.target.dbname} would have fewer rows:")
        self.losses.show_changes(changes, tick_losses=True)
        for widget in (self.losses_title, self.losses):
            widget.setVisible(bool(changes))

    def _show_plan_error(self, error: BaseException) -> None:
        if self._replan:
            return
        self.plan_error = error
        self.steps.setText(error_text(error)[0])
        self.steps.setStyleSheet(ERROR_STYLE)

    def _enable_start(self, *_args) -> None:
        target = self.profile(self.target)
        confirmed = target is not None and (not target.is_production or self.confirm.text() == target.dbname)
        idle = not (self.sync_job and self.sync_job.running)
        agreed = self.losses.all_agreed()
        self.start_button.setEnabled(self.plan is not None and confirmed and agreed and idle
                                     and self.pages.currentIndex() == 0)

    # --- running ------------------------------------------------------
    def start(self) -> None:
        target = self.plan.target
        request = SyncRequest(self.plan.source.name, target.name, list(self.plan.tables),
                              confirm=self.confirm.text() if target.is_production else None,
                              agreed_losses=self.losses.agreed_losses())
        self.pages.setCurrentIndex(1)
        self.start_button.setHidden(True)
        self.sync_job = run_in_background(
            self, f"Copying {self.plan.source.dbname} into {target.dbname}",
            lambda report, cancel: run_sync(self.ws, request, report, cancel),
            success=self._show_result, failure=self.outcome.show_problem, cancelled=self.outcome.show_problem,
            finished=self._on_sync_finished, progress=self.outcome.progress, what="sync")

    def _on_sync_finished(self) -> None:
        self._enable_start()
        self.job_finished.emit()
        self.changed.emit()

    def _show_result(self, result: SyncResult) -> None:
        self.outcome.show_result(result)
        self.synced.emit(result)

    def reject(self) -> None:
        if self.sync_job and self.sync_job.running:
            self.sync_job.cancel()  # the engine stops at a safe point; production stays whole
            return
        super().reject()


def _profile_words(profile: Profile) -> str:
    label = "PRODUCTION" if profile.is_production else "development"
    return f"{profile.name} \u2014 {profile.dbname} on {profile.host} ({label})"
