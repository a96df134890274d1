"""Page 2 of the restore wizard: where to, checked before any choice is offered.

Nothing is chosen for the person: Next stays disabled until they pick a
database. Picking one starts a read-only check in the background
(`inspect_target`: reachable, empty or not, may create databases,
production), and only then are the ways that fit offered:
- into the (empty or missing) database itself, only when it holds no tables;
- "Replace everything in <database> with the backup" (RestoreRequest.replace):
  the only replacing the window offers, worded the same everywhere;
- with "Restore only some tables" ticked, instead of replacing everything:
  overwrite the ticked tables, the others staying as they are (--clean --table);
- into a new database named here, which Lifeboat creates, with a development
  connection for it (only when the user may create databases).
A database that holds tables and has no replace chosen cannot reach the review.
"""
import re
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from desktop.core.jobs.restore.plan import TargetState, inspect_restore_target, new_connection_name
from desktop.core.store.profiles import Profile
from desktop.ui import formatting as fmt
from desktop.ui.badges import badge_text
from desktop.ui.error_dialog import error_text
from desktop.ui.jobs import BackgroundJob, run_in_background
from desktop.ui.profile_list import PROFILE_ROLE, ProfileDelegate
from desktop.ui.restore.pages import RECORD_ROLE, RestoreChoices
from desktop.ui.widgets import HINT_STYLE, REFUSAL_STYLE, named, wrapped_label

EMPTY, REPLACE, TABLES, NEW = "empty", "replace", "tables", "new"
_DBNAME = re.compile(r"[^\x00\"]{1,63}")


def target_order(profiles: list[Profile]) -> list[Profile]:
    """Development first, production last (and each group by name): the safe choice is the nearest."""
    return sorted(profiles, key=lambda p: (p.is_production, p.name.casefold()))


class ChooseTargetPage(QWizardPage):
    def __init__(self, ws, choices: RestoreChoices, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.ws = ws
        self.choices = choices
        self.check_job: Optional[BackgroundJob] = None
        self.setTitle("Where should it be restored?")
        self.setSubTitle("Choose a database. Development databases are listed first; production databases are "
                         "at the bottom, marked in red.")
        self.targets = named(QListWidget(self), "targetList", "Database to restore into")
        self.targets.setItemDelegate(ProfileDelegate(self.targets))
        self.refusal = wrapped_label("", self, "targetRefusal", REFUSAL_STYLE)
        self.facts = wrapped_label("", self, "targetFacts", HINT_STYLE)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.into_empty = named(QRadioButton(self), "intoEmptyChoice", "Into the empty database")
        self.replace = named(QRadioButton(self), "replaceChoice", "Replace everything with the backup")
        self.replace_hint = wrapped_label("", self, "replaceHint", HINT_STYLE)
        self.overwrite = named(QRadioButton(self), "overwriteTablesChoice", "Overwrite the ticked tables")
        self.into_new = named(QRadioButton("Into a new database", self), "newDatabaseChoice", "Into a new database")
        self.new_name = named(QLineEdit(self), "newDatabaseName", "Name of the new database")
        self.new_hint = wrapped_label("", self, "newDatabaseHint", HINT_STYLE)
        self.ways = QButtonGroup(self)
        for button in (self.into_empty, self.replace, self.overwrite, self.into_new):
            self.ways.addButton(button)
            # As wide as its words: a radio button only takes clicks on its words.
            button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.only_some = named(QCheckBox("Restore only some tables", self), "onlySomeTables",
                               "Restore only some tables")
        self.tables = named(QListWidget(self), "tableChoice", "Tables to restore")
        self.tables_hint = wrapped_label("", self, "tableChoiceHint", HINT_STYLE)
        self.tick_all = named(QPushButton("Tick all", self), "tickAllTables", "Tick all tables")
        self.untick_all = named(QPushButton("Untick all", self), "untickAllTables", "Untick all tables")
        self._lay_out()
        self.targets.itemSelectionChanged.connect(self._on_target)
        self.ways.buttonToggled.connect(self._on_options)
        self.new_name.textChanged.connect(self._on_options)
        self.new_name.textEdited.connect(lambda _text: self.into_new.setChecked(True))
        self.only_some.toggled.connect(self._offer_ways)
        self.tables.itemChanged.connect(self._on_options)
        self.tick_all.clicked.connect(lambda: self.set_tables(list(self._table_keys())))
        self.untick_all.clicked.connect(lambda: self.set_tables([]))

    def _lay_out(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self.targets, 3)
        layout.addWidget(self.refusal)
        layout.addWidget(self.facts)
        for widget, indent in ((self.into_empty, 0), (self.replace, 0), (self.replace_hint, 24),
                               (self.overwrite, 0), (self.into_new, 0)):
            self._indented(layout, widget, indent)
        new_row = QHBoxLayout()
        new_row.setContentsMargins(24, 0, 0, 0)
        new_row.addWidget(self.new_name, 1)
        layout.addLayout(new_row)
        self._indented(layout, self.new_hint, 24)
        layout.addSpacing(6)
        layout.addWidget(self.only_some)
        indented = QVBoxLayout()
        indented.setContentsMargins(24, 0, 0, 0)
        indented.addWidget(self.tables, 2)
        hint_row = QHBoxLayout()
        hint_row.addWidget(self.tables_hint, 1)
        hint_row.addWidget(self.tick_all)
        hint_row.addWidget(self.untick_all)
        indented.addLayout(hint_row)
        layout.addLayout(indented)

    @staticmethod
    def _indented(layout: QVBoxLayout, widget: QWidget, indent: int) -> None:
        row = QHBoxLayout()
        row.setContentsMargins(indent, 0, 0, 0)
        row.addWidget(widget)
        if not isinstance(widget, QLabel):  # a wrapped label takes the width; a radio button only its words'
            row.addStretch(1)
        layout.addLayout(row)

    # --- the list of targets --------------------------------------------
    def initializePage(self) -> None:
        chosen = self.choices.profile.name if self.choices.profile else None
        self.targets.blockSignals(True)
        self.targets.clear()
        for profile in target_order(self.ws.profiles.list()):
            item = QListWidgetItem(profile.name)
            item.setData(PROFILE_ROLE, profile)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{profile.name}, {badge_text(profile.environment)}, "
                         f"{profile.display_target()}" + (", backups only" if profile.read_only else ""))
            self.targets.addItem(item)
            # Only a choice the person made earlier in this wizard is kept: nothing is preselected.
            item.setSelected(profile.name == chosen)
        self.targets.blockSignals(False)
        self._fill_tables(self.choices.record)
        self._on_target()

    def _chosen_profile(self) -> Optional[Profile]:
        selected = self.targets.selectedItems()
        return selected[0].data(PROFILE_ROLE) if selected else None

    def select_target(self, name: str) -> None:
        for row in range(self.targets.count()):
            item = self.targets.item(row)
            if item.data(PROFILE_ROLE).name == name:
                self.targets.setCurrentItem(item)
                item.setSelected(True)
                return
        raise KeyError(name)

    def _on_target(self) -> None:
        profile = self._chosen_profile()
        changed = profile != self.choices.profile
        self.choices.profile = profile
        if changed or self.choices.state is None or self.choices.state.profile != profile:
            self.choices.state = None
            self._clear_way()
        self._show_refusal(profile)
        if profile is not None and not profile.read_only and self.choices.state is None:
            self.recheck()
        self._offer_ways()

    def _show_refusal(self, profile: Optional[Profile]) -> None:
        text = ""
        if self.targets.count() == 0:
            text = "There is no database connection to restore into yet. Close this window and add a connection first."
        elif profile and profile.read_only:
            text = (f"\u201c{profile.name}\u201d is marked \u201cbackups only\u201d: Lifeboat makes backups of it "
                    "but never writes into it. Choose another database, or change that connection's "
                    "settings if it really should receive restores.")
        self.refusal.setText(text)
        self.refusal.setVisible(bool(text))

    # --- the check ------------------------------------------------------
    def recheck(self) -> None:
        """Looks at the chosen database again, in the background (after going back, too)."""
        profile = self.choices.profile
        if profile is None or profile.read_only:
            return
        self.choices.state = None
        self.facts.setText(f"Checking {profile.dbname} on {profile.host}\u2026")
        self.facts.setStyleSheet(HINT_STYLE)
        ws, backup_id = self.ws, self.choices.record.id
        self.check_job = run_in_background(
            self, "Check the target", lambda report, cancel: inspect_restore_target(ws, backup_id, profile),
            success=self._checked, failure=self._check_failed)
        self._offer_ways()

    @property
    def checking(self) -> bool:
        return self.check_job is not None and self.check_job.running

    def _checked(self, state: TargetState) -> None:
        if self.sender() is not self.check_job or state.profile != self.choices.profile:
            return  # an answer about a database no longer chosen
        self.choices.state = state
        self.facts.setText(facts_text(state))
        self.facts.setStyleSheet(HINT_STYLE)
        if not self.new_name.text():
            self.new_name.setText(free_database_name(self.choices.record.database, state.databases))
        self._offer_ways()

    def _check_failed(self, error: BaseException) -> None:
        if self.sender() is not self.check_job:
            return
        self.facts.setText(error_text(error)[0])
        self.facts.setStyleSheet(REFUSAL_STYLE)
        self._offer_ways()

    # --- the ways that fit ----------------------------------------------
    def _clear_way(self) -> None:
        self.ways.setExclusive(False)
        for button in self.ways.buttons():
            button.setChecked(False)
        self.ways.setExclusive(True)

    def _offer_ways(self, *_args) -> None:
        state, some = self.choices.state, self.only_some.isChecked()
        fits = {EMPTY: False, REPLACE: False, TABLES: False, NEW: False}
        if state is not None:
            db = state.profile.dbname
            fits[EMPTY] = state.empty and (state.exists or state.may_create_databases)
            # Replacing everything with a few tables would take every other table away.
            fits[REPLACE] = state.exists and not state.empty and not some
            fits[TABLES] = state.exists and not state.empty and some
            fits[NEW] = state.may_create_databases
            self.into_empty.setText(f"Into the empty database {db}" if state.exists
                                    else f"Create {db} and restore into it")
            self.replace.setText(f"Replace everything in {db} with the backup")
            self.overwrite.setText(f"Overwrite the ticked tables in {db} (its other tables stay as they are)")
            for button in (self.into_empty, self.replace, self.overwrite):
                button.setAccessibleName(button.text())
            self.replace_hint.setText(f"Every table, view and other object in {db} that is not in the backup is "
                                      "removed; the review lists what it loses before anything is changed.")
        for way, button in self._buttons().items():
            button.setVisible(fits[way])
            if not fits[way] and button.isChecked():
                self._clear_way()
        self.replace_hint.setVisible(fits[REPLACE])
        self.new_name.setVisible(fits[NEW])
        self.new_hint.setVisible(fits[NEW])
        self._on_options()

    def _buttons(self) -> dict:
        return {EMPTY: self.into_empty, REPLACE: self.replace, TABLES: self.overwrite, NEW: self.into_new}

    def way(self) -> Optional[str]:
        return next((way for way, button in self._buttons().items() if button.isChecked()), None)

    def choose(self, way: str) -> None:
        self._buttons()[way].setChecked(True)

    def _on_options(self, *_args) -> None:
        some = self.only_some.isChecked()
        for widget in (self.tables, self.tick_all, self.untick_all):
            widget.setVisible(some)
        self.tables_hint.setVisible(not self.only_some.isEnabled() or some)
        self.choices.tables = self.checked_tables() if some else []
        if some and self.only_some.isEnabled():
            self.tables_hint.setText(self._tables_hint_text())
        way, state = self.way(), self.choices.state
        self.choices.replace = way == REPLACE
        self.choices.clean = way == TABLES
        self.choices.create = way == NEW or (way == EMPTY and state is not None and not state.exists)
        self.choices.new_database = self.new_name.text().strip() if way == NEW else None
        self.choices.new_connection = (new_connection_name(self.ws, self.choices.profile)
                                       if way == NEW and self.choices.profile else None)
        self.new_hint.setText(self._new_hint_text())
        self.completeChanged.emit()

    def _new_hint_text(self) -> str:
        state, name = self.choices.state, self.new_name.text().strip()
        if state is None:
            return ""
        problem = new_name_problem(name, state)
        if problem:
            return problem
        connection = new_connection_name(self.ws, state.profile)
        return (f"Lifeboat creates {name} on {state.profile.host} and adds a development connection "
                f"\u201c{connection}\u201d for it.")

    # --- only some tables -----------------------------------------------
    def _fill_tables(self, record) -> None:
        self.tables.blockSignals(True)
        self.tables.clear()
        for key, rows in sorted(record.row_counts.items()):
            item = QListWidgetItem(f"{key}  \u2014  {fmt.count_text(rows)} rows")
            item.setData(RECORD_ROLE, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.tables.addItem(item)
        self.tables.blockSignals(False)
        whole_only = record.format == "plain" or not record.row_counts
        if whole_only:
            self.only_some.setChecked(False)
            self.tables_hint.setText(
                "This backup is an SQL script, which can only be restored whole."
                if record.format == "plain" else "This backup does not list its tables, so it is restored whole.")
        self.only_some.setEnabled(not whole_only)

    def _table_keys(self):
        return (self.tables.item(row).data(RECORD_ROLE) for row in range(self.tables.count()))

    def checked_tables(self) -> list[str]:
        items = (self.tables.item(row) for row in range(self.tables.count()))
        return [item.data(RECORD_ROLE) for item in items if item.checkState() == Qt.CheckState.Checked]

    def set_tables(self, keys: list[str]) -> None:
        """Ticks exactly these tables (the rest unticked)."""
        self.tables.blockSignals(True)
        for row in range(self.tables.count()):
            item = self.tables.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.data(RECORD_ROLE) in keys else Qt.CheckState.Unchecked)
        self.tables.blockSignals(False)
        self._on_options()

    def _tables_hint_text(self) -> str:
        count = len(self.choices.tables)
        if count == 0:
            return "Tick at least one table."
        # pg_restore -t selects a table's definition and rows only, not its
        # indexes, keys or the objects around it (pg_restore docs, -t).
        return (f"{count} of {self.tables.count()} tables ticked. Only the tables and their rows are restored: "
                "their indexes and keys, and the backup's views and functions, are left out.")

    def isComplete(self) -> bool:
        profile, state, way = self.choices.profile, self.choices.state, self.way()
        if profile is None or profile.read_only or state is None or way is None:
            return False
        if way == NEW and new_name_problem(self.new_name.text().strip(), state):
            return False
        return not self.only_some.isChecked() or bool(self.choices.tables)


def facts_text(state: TargetState) -> str:
    db, profile = state.profile.dbname, state.profile
    where = f"PostgreSQL {state.server_version} on {profile.host}"
    if not state.exists:
        held = f"{db} does not exist yet."
    elif state.empty:
        held = f"{db} is empty: it holds no tables."
    else:
        rows = sum(count.rows for count in state.tables.values() if count.rows > 0)
        held = f"{db} holds {len(state.tables):,} tables ({rows:,} rows)."
    rights = ("You may create databases there." if state.may_create_databases else
              f"The user {profile.user} may not create databases there, so no new database can be made.")
    production = " This is a PRODUCTION database." if state.is_production else ""
    return f"{where}. {held}{production} {rights}"


def free_database_name(base: str, taken: list[str]) -> str:
    """'shop_copy', or 'shop_copy_2' when taken."""
    stem = f"{base[:50]}_copy"
    name, number = stem, 2
    while name in taken:
        name, number = f"{stem}_{number}", number + 1
    return name


def new_name_problem(name: str, state: TargetState) -> Optional[str]:
    if not name:
        return "Type a name for the new database."
    if not _DBNAME.fullmatch(name):
        return "A database name has at most 63 characters and no double quotes."
    if name in state.databases:
        return f"There is already a database called {name} on {state.profile.host}: choose another name."
    return None
