"""The backup options panel: every combination of settings, the live table
list from a real Chinook database, and a real backup that leaves out exactly
the tables unticked."""
import pytest
from PySide6.QtCore import Qt

from desktop.core.errors import DatabaseMissing
from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.postgres.live_stats import list_profile_tables
from desktop.ui.backup_options import BackupOptionsPanel
from tests.ui.screens import save_screenshot

LOAD_TIMEOUT_MS = 20_000


@pytest.fixture
def panel(qtbot, ws):
    widget = BackupOptionsPanel(ws)
    qtbot.addWidget(widget)
    return widget


def choose_format(panel, format_):
    panel.format_combo.setCurrentIndex(panel.format_combo.findData(format_))


def load(qtbot, panel, profile):
    with qtbot.waitSignal(panel.tables_loaded, timeout=LOAD_TIMEOUT_MS) as loaded:
        panel.load_profile(profile)
    return loaded.args[0]


def test_untouched_panel_gives_the_one_click_defaults(panel, ws):
    assert panel.options() == BackupOptions()
    assert panel.destination() is None
    assert panel.destination_edit.text() == str(ws.paths.backups_dir)


@pytest.mark.parametrize("format_", ["custom", "plain", "directory"])
@pytest.mark.parametrize("include, schema_only, data_only", [
    ("everything", False, False),
    ("structure", True, False),
    ("data", False, True),
])
def test_format_and_what_to_include(panel, format_, include, schema_only, data_only):
    choose_format(panel, format_)
    panel.include_buttons[include].click()
    options = panel.options()
    assert (options.format, options.schema_only, options.data_only) == (format_, schema_only, data_only)
    assert options.pg_dump_args().count("--schema-only") == int(schema_only)
    assert options.pg_dump_args().count("--data-only") == int(data_only)


@pytest.mark.parametrize("keep_owner, keep_acl", [(True, True), (True, False), (False, True), (False, False)])
def test_owners_and_permissions(panel, keep_owner, keep_acl):
    panel.keep_owner_check.setChecked(keep_owner)
    panel.keep_acl_check.setChecked(keep_acl)
    options = panel.options()
    assert (options.no_owner, options.no_acl) == (not keep_owner, not keep_acl)


def test_parallel_jobs_only_with_the_directory_format(panel):
    panel.jobs_spin.setValue(3)
    for format_ in ("custom", "plain"):
        choose_format(panel, format_)
        assert not panel.jobs_spin.isEnabled()
        assert panel.options().jobs == 1
    choose_format(panel, "directory")
    assert panel.jobs_spin.isEnabled()
    assert panel.options().jobs == 3


def test_destination(panel, ws, tmp_path):
    panel.destination_edit.setText(str(tmp_path / "usb"))
    assert panel.destination() == tmp_path / "usb"
    panel.destination_edit.setText("  ")
    assert panel.destination() is None
    panel.destination_edit.setText(str(ws.paths.backups_dir))
    assert panel.destination() is None


def test_every_control_has_a_name(panel):
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QLineEdit, QSpinBox

    controls = panel.findChildren(QAbstractButton) + panel.findChildren(QComboBox) + \
        panel.findChildren(QLineEdit) + panel.findChildren(QSpinBox) + panel.findChildren(QAbstractItemView)
    # QSpinBox and QComboBox hold private line edits / views of their own.
    ours = [c for c in controls if c.objectName() and not c.objectName().startswith("qt_")]
    assert len(ours) >= 12
    assert all(c.accessibleName() for c in ours), [c.objectName() for c in ours if not c.accessibleName()]


def test_table_list_is_the_live_chinook_tables(qtbot, panel, ws, pg15, chinook_db, make_profile):
    profile = make_profile(pg15, chinook_db)
    assert load(qtbot, panel, profile) is None
    live = list_profile_tables(profile, pg15.password)
    shown = [panel.table_list.topLevelItem(i) for i in range(panel.table_list.topLevelItemCount())]
    assert [item.text(0) for item in shown] == [t.name for t in live]
    assert "invoice_line" in [item.text(0) for item in shown]
    assert all(item.checkState(0) == Qt.CheckState.Checked for item in shown)
    assert panel.all_tables_check.checkState() == Qt.CheckState.Checked
    assert panel.options().exclude_tables == []
    assert panel.table_status.text() == f"All {len(live)} tables will be backed up."


def test_unticked_tables_are_left_out_of_a_real_backup(qtbot, panel, ws, pg15, chinook_db, make_profile):
    profile = make_profile(pg15, chinook_db)
    load(qtbot, panel, profile)
    panel.set_table_checked("public.invoice_line", False)
    panel.set_table_checked("public.playlist_track", False)
    assert panel.options().exclude_tables == ["public.invoice_line", "public.playlist_track"]
    assert panel.all_tables_check.checkState() == Qt.CheckState.PartiallyChecked
    assert "Left out: invoice_line, playlist_track" in panel.table_status.text()

    record = run_backup(ws, BackupRequest(profile.name, panel.options(), panel.destination()))
    every = {t.key for t in list_profile_tables(profile, pg15.password)}
    assert set(record.row_counts) == every - {"public.invoice_line", "public.playlist_track"}


def test_all_tables_toggle(qtbot, panel, pg15, chinook_db, make_profile):
    load(qtbot, panel, make_profile(pg15, chinook_db))
    count = panel.table_list.topLevelItemCount()
    panel.all_tables_check.click()  # all were ticked: untick all
    assert len(panel.options().exclude_tables) == count
    assert panel.all_tables_check.checkState() == Qt.CheckState.Unchecked
    assert "No table is ticked" in panel.table_status.text()
    panel.set_table_checked("public.album", True)
    assert panel.all_tables_check.checkState() == Qt.CheckState.PartiallyChecked
    panel.all_tables_check.click()  # some ticked: tick all
    assert panel.options().exclude_tables == []
    assert panel.all_tables_check.checkState() == Qt.CheckState.Checked


def test_finding_a_table_hides_the_others_but_keeps_their_ticks(qtbot, panel, pg15, chinook_db, make_profile):
    load(qtbot, panel, make_profile(pg15, chinook_db))
    panel.set_table_checked("public.genre", False)
    panel.table_filter.setText("INVOICE")
    visible = [panel.table_list.topLevelItem(i).text(0) for i in range(panel.table_list.topLevelItemCount())
               if not panel.table_list.topLevelItem(i).isHidden()]
    assert visible == ["invoice", "invoice_line"]
    assert panel.options().exclude_tables == ["public.genre"]


def test_awkward_names_become_exact_patterns(qtbot, panel, pg15, fresh_db, make_profile):
    import psycopg
    from psycopg import sql

    dbname = fresh_db(prefix="awkward")
    with psycopg.connect(pg15.conninfo(dbname), autocommit=True) as conn:
        conn.execute('CREATE SCHEMA "Sales Ü"')
        for schema, table in (("Sales Ü", "Order Items"), ("public", "dotted.name"), ("public", "plain")):
            conn.execute(sql.SQL("CREATE TABLE {} (n int)").format(sql.Identifier(schema, table)))
    load(qtbot, panel, make_profile(pg15, dbname))
    names = [panel.table_list.topLevelItem(i).text(0) for i in range(panel.table_list.topLevelItemCount())]
    assert names == ["Sales Ü › Order Items", "dotted.name", "plain"]
    panel.set_table_checked('"Sales Ü"."Order Items"', False)
    panel.set_table_checked('public."dotted.name"', False)
    assert panel.options().exclude_tables == ['"Sales Ü"."Order Items"', 'public."dotted.name"']


def test_a_table_list_that_cannot_be_read_is_explained(qtbot, panel, pg15, make_profile):
    error = load(qtbot, panel, make_profile(pg15, "no_such_database"))
    assert isinstance(error, DatabaseMissing)
    assert panel.table_status.text().startswith("The list of tables could not be read, so every table")
    assert panel.options().exclude_tables == []


def test_only_the_last_chosen_profile_fills_the_list(qtbot, panel, pg15, chinook_db, pagila_db, make_profile):
    chinook = make_profile(pg15, chinook_db)
    pagila = make_profile(pg15, pagila_db)
    panel.load_profile(chinook)
    with qtbot.waitSignal(panel.tables_loaded, timeout=LOAD_TIMEOUT_MS):
        panel.load_profile(pagila)
    names = [panel.table_list.topLevelItem(i).text(0) for i in range(panel.table_list.topLevelItemCount())]
    assert "film_actor" in names and "invoice_line" not in names


def test_screenshot_with_chinook_tables(qtbot, panel, pg15, chinook_db, make_profile):
    load(qtbot, panel, make_profile(pg15, chinook_db, name="Chinook shop"))
    choose_format(panel, "directory")
    panel.set_table_checked("public.invoice_line", False)
    panel.set_table_checked("public.playlist_track", False)
    panel.resize(980, 420)
    save_screenshot(panel, "backup_options", shows=("formatCombo",))


def test_closing_the_panel_while_the_list_loads_is_safe(qtbot, ws, pg15, chinook_db, make_profile):
    import shiboken6

    panel = BackupOptionsPanel(ws)
    panel.load_profile(make_profile(pg15, chinook_db))
    job = panel._load_job
    shiboken6.delete(panel)  # what closing its window does, mid-load
    with qtbot.waitSignal(job.finished, timeout=LOAD_TIMEOUT_MS):
        pass
