"""The main window: connections on the left, the backup catalog in the centre,
database stats and backup options below it, the everyday actions in the toolbar
(main_toolbar.py). The jobs it runs itself (backup, verify, connection test)
are here; the dialogs it opens are in main_dialogs.py."""
import logging
from typing import Optional

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QMessageBox, QSplitter, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.verify import verify_backup
from desktop.core.postgres.connection import test_connection
from desktop.core.store.catalog import BackupRecord
from desktop.core.store.catalog_query import CatalogQuery
from desktop.core.store.profiles import Profile
from desktop.core.workspace import Workspace
from desktop.ui import formatting as fmt
from desktop.ui.backup_options import BackupOptionsPanel
from desktop.ui.catalog_view import CatalogView
from desktop.ui.error_dialog import error_box, error_text
from desktop.ui.formatting import human_size
from desktop.ui.help_menu import add_help_menu
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.main_dialogs import WindowDialogs
from desktop.ui.main_toolbar import build_toolbars, toolbar_button
from desktop.ui.notifications import AlertWatcher, Notifier
from desktop.ui.profile_list import ProfileList
from desktop.ui.progress_panel import JobProgressPanel
from desktop.ui.resources import app_icon
from desktop.ui.schedule_status import StatusRefresher
from desktop.ui.settings_dialog import add_settings_menu
from desktop.ui.stats_panel import StatsPanel
from desktop.ui.welcome import WelcomePage
from desktop.ui.widgets import fit_to_screen

log = logging.getLogger("lifeboat.ui")
_REFRESH_MS = 1000


class MainWindow(WindowDialogs, QMainWindow):
    def __init__(self, ws: Workspace, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.jobs: list[BackgroundJob] = []
        self.setWindowTitle("Lifeboat")
        self.setWindowIcon(app_icon())
        self.setObjectName("mainWindow")
        self.setAccessibleName("Lifeboat")
        self.notifier = Notifier(self, app_icon())
        build_toolbars(self)
        self.settings_action = add_settings_menu(self, self.open_settings)
        add_help_menu(self, ws)
        self.alert_watcher = AlertWatcher(ws, self.notifier, self)
        self._build_body()
        self._refresh_timer = QTimer(self, interval=_REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh_catalog)
        self.catalog_view.set_catalog(ws.catalog)
        self.refresh_profiles()
        self._restore_geometry()

    # --- layout --------------------------------------------------------
    def _build_body(self) -> None:
        self.profile_list = ProfileList(self)
        self.profile_list.profile_selected.connect(self._on_profile_selected)
        self.profile_list.add_requested.connect(self.add_profile)
        self.profile_list.edit_requested.connect(self.edit_profile)
        self.profile_list.remove_requested.connect(self.remove_profile)
        self.profile_list.test_requested.connect(self.test_profile)
        self.profile_list.schedules_requested.connect(self.open_schedules)
        self.profile_list.refresh_requested.connect(self.open_refresh)
        self.schedule_status = StatusRefresher(self.ws, self.profile_list.set_statuses, self)

        self.welcome = WelcomePage(self)
        self.welcome.add_connection_requested.connect(self.add_profile)
        self.welcome.demo_requested.connect(self.open_demo_window)
        self.catalog_view = CatalogView(self)
        self.catalog_view.selection_changed.connect(self._update_actions)
        self.catalog_view.activated.connect(self.show_details)
        self.catalog_view.clear_unfinished_requested.connect(self.clear_unfinished)
        self.progress_panel = JobProgressPanel(self)
        self.progress_panel.hide()
        self.stats_panel = StatsPanel(self)
        self.options_panel = BackupOptionsPanel(self.ws, self)
        self.lower_tabs = QTabWidget(self)
        self.lower_tabs.setObjectName("lowerTabs")
        self.lower_tabs.setAccessibleName("Database details and backup options")
        self.lower_tabs.addTab(self.stats_panel, "Database now")
        self.lower_tabs.addTab(self.options_panel, "Backup options")

        # The backup list keeps the larger share: the details below give way
        # (they scroll), and a running job's progress goes under everything.
        self.lower_tabs.setMinimumHeight(150)
        centre = QSplitter(Qt.Orientation.Vertical, self)
        centre.addWidget(self.catalog_view)
        centre.addWidget(self.lower_tabs)
        centre.setStretchFactor(0, 3)
        centre.setStretchFactor(1, 2)
        centre.setSizes([330, 220])

        self.centre_stack = QStackedWidget(self)
        self.centre_stack.addWidget(self.welcome)
        self.centre_stack.addWidget(centre)
        self._catalog_page = centre

        body = QSplitter(Qt.Orientation.Horizontal, self)
        body.addWidget(self.profile_list)
        body.addWidget(self.centre_stack)
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 4)
        body.setSizes([260, 900])
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(body, 1)
        column.addWidget(self.progress_panel)
        self.setCentralWidget(central)
        self.statusBar().showMessage("Ready")

    def toolbar_button(self, text: str) -> QWidget:
        return toolbar_button(self, text)

    # --- refreshing ------------------------------------------------------
    def refresh_profiles(self, select: Optional[str] = None) -> None:
        profiles = self.ws.profiles.list()
        self.profile_list.set_profiles(profiles)
        self.catalog_view.set_profiles([p.name for p in profiles])
        self.schedule_status.refresh()  # last good backup, next run, overdue: after any change
        self.centre_stack.setCurrentWidget(self._catalog_page if profiles else self.welcome)
        if select:
            self.profile_list.select(select)
        elif profiles and self.profile_list.current_profile() is None:
            self.profile_list.select(profiles[0].name)
        self._update_actions()

    def refresh_catalog(self) -> None:
        if self.catalog_view.refresh():  # the timer polls; repaint only on change
            self.schedule_status.refresh()  # a backup came or went: last good backup, overdue
        self._update_actions()

    def after_change(self, *_args) -> None:
        """After a restore, undo, sync, test restore, import or trash action: every view shows what is
        true now (new connections, new safety backups, the Proven column, the rows of the database now)."""
        self.refresh_profiles()  # keeps the selection, and recounts the selected database's rows
        self.refresh_catalog()

    def _latest_backup(self, profile: Profile) -> Optional[BackupRecord]:
        newest = self.ws.catalog.select(CatalogQuery(profile=profile.name, statuses=("completed",)), limit=1)
        return newest[0] if newest else None

    def _on_profile_selected(self, profile: Optional[Profile]) -> None:
        self.stats_panel.show_profile(self.ws, profile, self._latest_backup(profile) if profile else None)
        if profile:
            self.options_panel.load_profile(profile)
        self._update_actions()

    def _update_actions(self, *_) -> None:
        busy = any(job.running for job in self.jobs)
        record = self.catalog_view.selected_record()
        completed = record is not None and record.status == "completed"
        self.backup_action.setEnabled(self.profile_list.current_profile() is not None and not busy)
        self.restore_action.setEnabled(not busy)
        self.schedules_action.setEnabled(self.profile_list.current_profile() is not None)
        self.refresh_action.setEnabled(self.profile_list.current_profile() is not None)
        self.verify_action.setEnabled(completed and not busy)
        self.export_action.setEnabled(completed)
        self.delete_action.setEnabled(record is not None and record.status != "in_progress" and not busy)

    # --- running jobs ----------------------------------------------------
    def start_job(self, title: str, function, on_success, what: str = "backup") -> BackgroundJob:
        job = run_in_background(
            self, title, function, success=on_success, failure=lambda error: self._job_failed(title, error),
            cancelled=lambda error: self.statusBar().showMessage(error_text(error)[0]),
            progress=self.progress_panel, what=what,
        )
        self.jobs.append(job)
        job.finished.connect(lambda: self._job_finished(job))
        self._refresh_timer.start()
        self._update_actions()
        return job

    def _job_finished(self, job: BackgroundJob) -> None:
        self.jobs.remove(job)
        if not self.jobs:
            self._refresh_timer.stop()
            self.progress_panel.hide()
        self.refresh_catalog()
        profile = self.profile_list.current_profile()
        self._on_profile_selected(profile)

    def _job_failed(self, title: str, error: BaseException) -> None:
        self.notifier.notify(title, getattr(error, "message", "It did not finish."), failed=True)
        error_box(self, title, error).open()

    # --- actions -----------------------------------------------------------
    def back_up_now(self) -> Optional[BackgroundJob]:
        profile = self.profile_list.current_profile()
        if profile is None:
            return None
        request = BackupRequest(profile=profile.name, options=self.options_panel.options(),
                                dest=self.options_panel.destination())
        self.statusBar().showMessage(f"Backing up {profile.name}…")
        return self.start_job(
            f"Backup of {profile.name}",
            lambda report, cancel: run_backup(self.ws, request, report, cancel),
            self._backup_done,
        )

    def _backup_done(self, record: BackupRecord) -> None:
        text = (f"Backup of {record.profile} completed: {len(record.row_counts)} tables, "
                f"{record.total_rows:,} rows, {human_size(record.size_bytes)}.")
        self.statusBar().showMessage(text)  # until the next action says something else
        self.notifier.notify("Backup completed", text)
        self.refresh_catalog()
        self.catalog_view.select(record.id)

    def verify_selected(self, record: Optional[BackupRecord] = None) -> Optional[BackgroundJob]:
        record = record or self.catalog_view.selected_record()
        if record is None:
            return None
        return self.start_job(
            f"Check of the backup {fmt.backup_name(record)}",
            lambda report, cancel: verify_backup(self.ws, record.id, report, cancel),
            self._verify_done, what="check",
        )

    def _verify_done(self, result) -> None:
        QMessageBox.information(
            self, "Backup is intact",
            f"Every part of the backup file was read back and matches what was written "
            f"({human_size(result.size_bytes)}). It can be restored.",
        )

    # --- connections -----------------------------------------------------------
    def test_profile(self, profile: Profile) -> BackgroundJob:
        def test(report, cancel):
            # The keyring may wait to be unlocked: read it off the GUI thread.
            return test_connection(profile, self.ws.profiles.password_for(profile), self.ws.tool_dirs())

        job = run_in_background(self, f"Test of {profile.name}", test,
                                success=lambda report: self._tested(profile, report),
                                failure=lambda error: self._job_failed(f"Cannot connect to {profile.name}", error))
        self.jobs.append(job)
        job.finished.connect(lambda: self.jobs.remove(job))
        return job

    def _tested(self, profile: Profile, report) -> None:
        lines = [f"Connected to {profile.display_target()}.",
                 f"PostgreSQL {report.server_version}, database size {human_size(report.database_size_bytes)}."]
        if report.tools:
            lines.append(f"Backups will use pg_dump {report.tools.version}.")
        lines += report.warnings
        QMessageBox.information(self, f"Connection to {profile.name} works", "\n\n".join(lines))

    # --- window ------------------------------------------------------------
    def _window_settings(self) -> QSettings:
        # Next to the app's other settings, so LIFEBOAT_HOME keeps it private too.
        return QSettings(str(self.ws.paths.config_dir / "window.ini"), QSettings.Format.IniFormat)

    def _restore_geometry(self) -> None:
        geometry = self._window_settings().value("mainWindow/geometry")
        if geometry:
            self.restoreGeometry(geometry)
        else:
            fit_to_screen(self, 1200, 700)

    def closeEvent(self, event: QCloseEvent) -> None:
        running = [job for job in self.jobs if job.running]
        if running:
            answer = QMessageBox.question(
                self, "A job is still running",
                f"{running[0].title} is still running. Stop it and quit? Nothing half-written is kept.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            for job in running:
                job.cancel()
            for job in running:
                job.wait()
        self._window_settings().setValue("mainWindow/geometry", self.saveGeometry())
        super().closeEvent(event)
