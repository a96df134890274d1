"""The restore wizard against real PostgreSQL: a real backup of Chinook, restored through the pages."""
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWizard

from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.restore.checks import RestoreCheck, TableCheck
from desktop.ui import palette
from desktop.ui.catalog_model import PAGE
from desktop.ui.restore.pages import NO_BACKUPS_TEXT, NO_MATCH_TEXT
from desktop.ui.restore.target import EMPTY, NEW, REPLACE, TABLES
from desktop.ui.restore.wizard import RestoreWizard
from tests.catalog_entries import backup_record, insert_records
from tests.dbcompare import row_counts
from tests.roles_data import backup_naming_missing_roles, owner_of
from tests.ui.screens import save_screenshot

NEXT = QWizard.WizardButton.NextButton
RESTORE = QWizard.WizardButton.CommitButton
BACK = QWizard.WizardButton.BackButton
CLOSE = QWizard.WizardButton.FinishButton
RESTORE_TIMEOUT = 120_000


@pytest.fixture
def chinook_backup(ws, make_profile, pg15, chinook_db):
    make_profile(pg15, chinook_db, environment="production", name="Music shop live")
    return run_backup(ws, BackupRequest("Music shop live"))


@pytest.fixture
def chinook_copy(fresh_db, chinook_template):
    """make(prefix) -> a new database holding Chinook, dropped after the test."""
    return lambda prefix: fresh_db(template=chinook_template, prefix=prefix)


def open_wizard(qtbot, ws, preselected=None) -> RestoreWizard:
    wizard = RestoreWizard(ws, preselected=preselected)
    qtbot.addWidget(wizard)
    wizard.resize(820, 660)
    wizard.show()
    return wizard


def go_to_target(wizard: RestoreWizard, profile_name: str):
    assert wizard.currentPage() is wizard.backup_page
    wizard.button(NEXT).click()
    assert wizard.currentPage() is wizard.target_page
    wizard.target_page.select_target(profile_name)
    return wizard.target_page


def choose(qtbot, wizard: RestoreWizard, profile_name: str, way: str, from_start: bool = True):
    """Picks the target, waits for its check, and picks the way (restore_target.EMPTY, REPLACE, NEW)."""
    page = go_to_target(wizard, profile_name) if from_start else wizard.target_page
    if not from_start:
        page.select_target(profile_name)
    checked(qtbot, page)
    page.choose(way)
    return page


def checked(qtbot, page):
    qtbot.waitUntil(lambda: page.choices.state is not None and not page.checking, timeout=30_000)


def run_to_result(qtbot, wizard: RestoreWizard):
    """Press Restore on the review page and wait for the job's end."""
    assert wizard.currentPage() is wizard.review_page
    assert wizard.button(RESTORE).isEnabled()
    with qtbot.waitSignal(wizard.progress_page.job_finished, timeout=RESTORE_TIMEOUT):
        wizard.button(RESTORE).click()
        assert wizard.currentPage() is wizard.progress_page
        assert wizard.progress_page.running
        assert not wizard.button(BACK).isEnabled(), "no way back while the restore runs"
        assert not wizard.button(CLOSE).isEnabled()


def verification_rows(wizard: RestoreWizard) -> dict[str, tuple[str, str, str]]:
    table = wizard.progress_page.table
    return {
        table.item(row, 0).text(): tuple(table.item(row, column).text() for column in (1, 2, 3))
        for row in range(table.rowCount())
    }


def test_full_restore_into_development_replaces_the_data(qtbot, ws, make_profile, pg15, chinook_backup, chinook_copy):
    target = chinook_copy("music_dev")
    with psycopg.connect(pg15.conninfo(target), autocommit=True) as conn:
        conn.execute("DELETE FROM invoice_line WHERE invoice_line_id % 3 = 0")
    make_profile(pg15, target, name="Music shop test")
    wizard = open_wizard(qtbot, ws, preselected=chinook_backup)
    assert wizard.choices.record.id == chinook_backup.id

    page = go_to_target(wizard, "Music shop test")
    checked(qtbot, page)
    assert not page.into_empty.isVisible(), "it holds tables: no 'into the empty database'"
    assert not wizard.button(NEXT).isEnabled(), "no way chosen yet"
    page.choose(REPLACE)
    assert page.replace.text() == f"Replace everything in {target} with the backup"
    wizard.button(NEXT).click()
    sentence = wizard.review_page.sentence.text()
    assert sentence.startswith(f"Everything in database {target} on host {pg15.host} will be replaced by the "
                               f"backup of {chinook_backup.database} from ")
    assert f"11 tables, {chinook_backup.total_rows:,} rows." in sentence
    assert wizard.review_page.losses_title.text() == (
        f"Nothing in {target} is lost: no table is removed and no table loses rows.")
    assert not wizard.review_page.banner.isVisible()

    with qtbot.waitSignal(wizard.restored, timeout=RESTORE_TIMEOUT) as restored:
        run_to_result(qtbot, wizard)
    result = restored.args[0]
    assert result.ok and result.safety_backup_id is None
    rows = verification_rows(wizard)
    assert len(rows) == 11 and {found == expected for expected, found, _ in rows.values()} == {True}
    assert {verdict for _, _, verdict in rows.values()} == {"OK"}
    assert "Verified: all 11 tables" in wizard.progress_page.summary.text()
    assert not wizard.progress_page.safety.isVisible()
    assert row_counts(pg15, target) == chinook_backup.row_counts
    assert wizard.button(CLOSE).isEnabled() and not wizard.button(BACK).isEnabled()


def test_only_the_ticked_tables_are_restored(qtbot, ws, make_profile, pg15, chinook_backup):
    target = f"{chinook_backup.database}_two"
    make_profile(pg15, target, name="Music shop empty")
    wizard = open_wizard(qtbot, ws, preselected=chinook_backup)
    page = choose(qtbot, wizard, "Music shop empty", EMPTY)
    assert page.into_empty.text() == f"Create {target} and restore into it"
    page.only_some.setChecked(True)
    assert page.tables.count() == 11 and len(page.checked_tables()) == 11, "all ticked at first"
    page.set_tables([])
    assert not wizard.button(NEXT).isEnabled(), "at least one table"
    page.set_tables(["public.artist", "public.album"])
    wizard.button(NEXT).click()
    sentence = wizard.review_page.sentence.text()
    assert "2 tables (album and artist), 622 rows" in sentence
    assert f"Lifeboat creates {target} first." in sentence
    try:
        with qtbot.waitSignal(wizard.restored, timeout=RESTORE_TIMEOUT):
            run_to_result(qtbot, wizard)
        assert set(verification_rows(wizard)) == {"public.album", "public.artist"}
        assert row_counts(pg15, target) == {"public.album": 347, "public.artist": 275}
    finally:
        pg15.drop_database(target)


def test_production_target_needs_the_exact_database_name(qtbot, ws, make_profile, pg15, chinook_backup, chinook_copy):
    target = chinook_copy("Music_Prod")
    make_profile(pg15, target, environment="production", name="Music shop mirror")
    wizard = open_wizard(qtbot, ws, preselected=chinook_backup)
    page = choose(qtbot, wizard, "Music shop mirror", REPLACE)
    assert page.targets.currentRow() == page.targets.count() - 1, "production is listed last"
    assert "This is a PRODUCTION database." in page.facts.text()
    wizard.button(NEXT).click()
    review = wizard.review_page
    assert review.banner.isVisible() and "PRODUCTION" in review.banner.text()
    assert review.target_badge.text() == "PRODUCTION"
    assert review.steps.text().startswith(f"1. A safety backup of {target} is taken first")
    assert "3. Lifeboat counts the rows" in review.steps.text()
    restore = wizard.button(RESTORE)
    assert not restore.isEnabled()
    for wrong in (target.lower(), target[:-1], f" {target}", target.upper()):
        review.confirm.setText(wrong)
        assert not restore.isEnabled(), wrong
    review.confirm.setText(target)
    assert restore.isEnabled()
    assert wizard.choices.confirm == target

    with qtbot.waitSignal(wizard.restored, timeout=RESTORE_TIMEOUT) as restored:
        run_to_result(qtbot, wizard)
    safety_id = restored.args[0].safety_backup_id
    safety = ws.catalog.get(safety_id)
    assert safety.kind == "safety" and safety.status == "completed" and safety.database == target
    assert safety_id not in wizard.progress_page.safety.text()  # plain words, no ids
    assert "Safety copy before a restore" in wizard.progress_page.safety.text()
    assert wizard.progress_page.safety.isVisible()


def test_mismatches_are_marked_in_words_and_colour(qtbot, ws, make_profile, pg15, chinook_backup, chinook_copy):
    make_profile(pg15, chinook_copy("mismatch"), name="Music shop test")
    wizard = open_wizard(qtbot, ws, preselected=chinook_backup)
    choose(qtbot, wizard, "Music shop test", REPLACE)
    wizard.button(NEXT).click()
    with qtbot.waitSignal(wizard.restored, timeout=RESTORE_TIMEOUT) as restored:
        run_to_result(qtbot, wizard)
    # The page shows whatever check the engine hands it; this one went wrong.
    check = RestoreCheck(
        tables=[TableCheck("public.album", 347, 347), TableCheck("public.invoice_line", 2240, 2100),
                TableCheck("public.track", 3503, None)],
        not_valid_constraints=["invoice_line_invoice_id_fkey on invoice_line"],
    )
    with qtbot.assertNotEmitted(wizard.restored):
        wizard.progress_page.show_result(replace(restored.args[0], check=check))
    rows = verification_rows(wizard)
    assert rows == {
        "public.album": ("347", "347", "OK"),
        "public.invoice_line": ("2,240", "2,100", "Mismatch"),
        "public.track": ("3,503", "no table", "Mismatch: table missing"),
    }
    table = wizard.progress_page.table
    assert table.item(1, 3).background().color().name() == palette.DANGER_TINT
    assert table.item(0, 3).background().style() == Qt.BrushStyle.NoBrush
    summary = wizard.progress_page.summary.text()
    assert "does not match the backup" in summary and "public.invoice_line (expected 2,240, found 2,100)" in summary
    assert "NOT VALID" in wizard.progress_page.notes.text()
    save_screenshot(wizard, "restore_4_mismatch", shows=("resultSummary", "verificationTable"))


def test_a_backups_only_profile_is_refused(qtbot, ws, make_profile, pg15, chinook_backup, chinook_copy):
    make_profile(pg15, chinook_copy("reports"), name="Reports", read_only=True)
    wizard = open_wizard(qtbot, ws, preselected=chinook_backup)
    page = go_to_target(wizard, "Reports")
    assert page.refusal.isVisible() and "backups only" in page.refusal.text()
    assert not wizard.button(NEXT).isEnabled()
    page.select_target("Music shop live")
    assert not page.refusal.isVisible()
    checked(qtbot, page)
    assert not wizard.button(NEXT).isEnabled(), "a database that holds tables needs a way chosen"
    page.choose(REPLACE)
    assert wizard.button(NEXT).isEnabled()


def test_development_targets_come_first(qtbot, ws, make_profile, pg15, chinook_backup, chinook_copy):
    make_profile(pg15, chinook_copy("a"), environment="production", name="Accounts live")
    make_profile(pg15, chinook_copy("z"), name="Zoo test")
    wizard = open_wizard(qtbot, ws)
    go_to_target(wizard, "Zoo test")
    targets = wizard.target_page.targets
    names = [targets.item(row).text() for row in range(targets.count())]
    assert names == ["Zoo test", "Accounts live", "Music shop live"]


def test_a_backup_file_is_added_to_the_catalog_and_selected(qtbot, ws, chinook_backup, tmp_path):
    ws.catalog.delete(chinook_backup.id)  # the file stays: as if it came from another computer's catalog
    wizard = open_wizard(qtbot, ws)
    page = wizard.backup_page
    assert page.model.rowCount() == 0 and page.empty_state.isVisible()
    assert page.empty_state.text() == NO_BACKUPS_TEXT and not page.search.isVisible()
    assert not wizard.button(NEXT).isEnabled()

    with qtbot.waitSignal(page.add_file(Path(chinook_backup.path)).finished, timeout=30_000):
        assert not wizard.button(NEXT).isEnabled(), "not while the file is read"
    assert ws.catalog.get(chinook_backup.id).path == chinook_backup.path
    assert wizard.choices.record.id == chinook_backup.id
    assert page.model.rowCount() == 1 and wizard.button(NEXT).isEnabled() and not page.empty_state.isVisible()
    assert "Added" in page.file_status.text()

    stranger = tmp_path / "holiday photos.lifeboat"
    stranger.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(4000))
    with qtbot.waitSignal(page.add_file(stranger).finished, timeout=30_000):
        pass
    assert page.file_status.text() == "This file is not a Lifeboat backup. Choose a file that Lifeboat made."
    assert wizard.choices.record.id == chinook_backup.id, "the earlier choice stays"

    with qtbot.waitSignal(wizard.finished, timeout=30_000):
        page.add_file(Path(chinook_backup.path))
        wizard.reject()  # closing while a file is read: the window goes once its thread ended
        assert not wizard.isVisible()
    assert not page.adding


# The offscreen platform warns when a message box lays itself out (its
# QPlatformWindow has no propagateSizeHints()): nothing of ours.
def test_closing_while_restoring_asks_first(qtbot, ws, make_profile, pg15, chinook_backup, chinook_copy):
    make_profile(pg15, chinook_copy("close"), name="Music shop test")
    wizard = open_wizard(qtbot, ws, preselected=chinook_backup)
    choose(qtbot, wizard, "Music shop test", REPLACE)
    wizard.button(NEXT).click()
    with qtbot.waitSignal(wizard.progress_page.job_finished, timeout=RESTORE_TIMEOUT):
        wizard.button(RESTORE).click()
        wizard.reject()  # the window's close button, Escape or Cancel
        assert wizard.isVisible() and wizard.stop_question.isVisible()
        wizard.stop_question.findChild(QPushButton, "keepRestoringButton").click()
    assert wizard.isVisible() and wizard.progress_page.result.ok

    wizard.restart()
    wizard.button(NEXT).click()
    wizard.button(NEXT).click()
    with qtbot.waitSignal(wizard.finished, timeout=RESTORE_TIMEOUT):
        wizard.button(RESTORE).click()
        wizard.reject()
        wizard.stop_question.findChild(QPushButton, "confirmStopButton").click()
    assert not wizard.isVisible() and not wizard.progress_page.running


def test_overwriting_only_the_ticked_tables_leaves_the_others(qtbot, ws, make_profile, pg15, chinook_backup,
                                                              chinook_copy):
    target = chinook_copy("some_tables")
    with psycopg.connect(pg15.conninfo(target), autocommit=True) as conn:
        conn.execute("DELETE FROM playlist_track WHERE playlist_id = 1")
        conn.execute("DELETE FROM invoice_line WHERE invoice_line_id > 2000")
    make_profile(pg15, target, name="Music shop test")
    wizard = open_wizard(qtbot, ws, preselected=chinook_backup)
    page = go_to_target(wizard, "Music shop test")
    checked(qtbot, page)
    page.only_some.setChecked(True)
    page.set_tables(["public.playlist_track"])
    page.choose(TABLES)
    wizard.button(NEXT).click()
    sentence = wizard.review_page.sentence.text()
    assert "the ticked tables will be overwritten" in sentence and "other tables stay as they are" in sentence
    with qtbot.waitSignal(wizard.restored, timeout=RESTORE_TIMEOUT):
        run_to_result(qtbot, wizard)
    counts = row_counts(pg15, target)
    assert counts["public.playlist_track"] == 8715 and counts["public.invoice_line"] == 2000


def test_nothing_is_preselected_and_next_waits_for_a_choice(qtbot, ws, make_profile, pg15, chinook_backup):
    wizard = open_wizard(qtbot, ws, preselected=chinook_backup)
    wizard.button(NEXT).click()
    page = wizard.target_page
    page.targets.setFocus()  # a list given focus picks a current row by itself: that must not choose
    assert page.targets.selectedItems() == [] and wizard.choices.profile is None
    assert not wizard.button(NEXT).isEnabled()
    assert not any(button.isVisible() for button in page.ways.buttons())


def test_into_a_new_database_creates_it_and_its_connection(qtbot, ws, make_profile, pg15, chinook_backup):
    wizard = open_wizard(qtbot, ws, preselected=chinook_backup)
    page = choose(qtbot, wizard, "Music shop live", NEW)
    taken = page.choices.state.databases[0]
    page.new_name.setText(taken)
    assert "already a database" in page.new_hint.text() and not wizard.button(NEXT).isEnabled()
    name = f"{chinook_backup.database}_copy"
    page.new_name.setText(name)
    assert not pg15_has(pg15, name)
    connection = page.choices.new_connection
    assert connection.startswith("Music shop live copy ") and connection in page.new_hint.text()
    wizard.button(NEXT).click()
    review = wizard.review_page
    assert not review.banner.isVisible(), "a new database is not production"
    assert wizard.button(RESTORE).isEnabled()
    assert review.losses_title.text() == f"Nothing is lost: {name} is a new database."
    try:
        with qtbot.waitSignal(wizard.restored, timeout=RESTORE_TIMEOUT):
            run_to_result(qtbot, wizard)
        added = ws.profiles.get(connection)
        assert (added.dbname, added.environment, added.host, added.port) == (name, "development", pg15.host, pg15.port)
        assert row_counts(pg15, name) == chinook_backup.row_counts
    finally:
        pg15.drop_database(name)


def pg15_has(pg15, name: str) -> bool:
    with psycopg.connect(pg15.conninfo()) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def test_review_lists_what_replace_removes_and_go_back_returns_to_the_choices(
        qtbot, ws, make_profile, pg15, chinook_backup, chinook_copy):
    target = chinook_copy("with_events")
    with psycopg.connect(pg15.conninfo(target), autocommit=True) as conn:
        conn.execute("CREATE TABLE events (id int PRIMARY KEY)")
        conn.execute("INSERT INTO events SELECT generate_series(1, 1500)")
        conn.execute("INSERT INTO genre VALUES (100, 'Polka')")
        conn.execute("CREATE VIEW busy AS SELECT 1 AS one FROM events")
    make_profile(pg15, target, name="Music shop test")
    wizard = open_wizard(qtbot, ws, preselected=chinook_backup)
    choose(qtbot, wizard, "Music shop test", REPLACE)
    wizard.button(NEXT).click()
    review = wizard.review_page
    lines = [review.losses.item(row).text() for row in range(review.losses.count())]
    assert lines[:2] == ["events: 1,500 rows now \u2014 not in the backup, will be removed",
                         "genre: 26 rows now, 25 after"]
    assert review.losses.item(0).foreground().color().name() == palette.DANGER
    assert review.losses.item(2).foreground().style() == Qt.BrushStyle.NoBrush
    assert f"{target} will lose data" in review.losses_title.text()
    # A failure (here: the target's server refuses a lock) offers the way back to the choices.
    with psycopg.connect(pg15.conninfo(target)) as blocker:
        blocker.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        with qtbot.waitSignal(wizard.progress_page.job_finished, timeout=RESTORE_TIMEOUT):
            wizard.button(RESTORE).click()
            qtbot.waitUntil(lambda: wizard.progress_page.phase.text() == "Restoring", timeout=RESTORE_TIMEOUT)
            wizard.progress_page.cancel()
    assert wizard.progress_page.change.isVisible()
    wizard.progress_page.change.click()
    assert wizard.currentPage() is wizard.target_page
    checked(qtbot, wizard.target_page)
    assert wizard.target_page.replace.isVisible()


def test_after_undo_the_headline_says_what_undo_did(qtbot, ws, make_profile, pg15, chinook_backup, chinook_copy):
    target = chinook_copy("undo_me")
    make_profile(pg15, target, environment="production", name="Music shop mirror")
    wizard = open_wizard(qtbot, ws, preselected=chinook_backup)
    choose(qtbot, wizard, "Music shop mirror", REPLACE)
    wizard.button(NEXT).click()
    wizard.review_page.confirm.setText(target)
    with qtbot.waitSignal(wizard.restored, timeout=RESTORE_TIMEOUT):
        run_to_result(qtbot, wizard)
    page = wizard.progress_page
    assert page.summary.text().startswith("\u2714 The restore finished.")
    page.undo.typed.setText(target)
    with qtbot.waitSignal(page.undo.undone, timeout=RESTORE_TIMEOUT), qtbot.waitSignal(wizard.changed):
        page.undo.button.click()
    assert page.summary.text().startswith(f"\u21a9 Undone: {target} is back as it was before this restore.")
    assert "The restore finished" not in page.summary.text() and page.title() == "Undone"
    assert page.undo.button.isHidden(), "nothing left to undo"
    wizard.resize(1366, 768)
    save_screenshot(wizard, "restore_5_undone", shows=("undoOutcome",))


def test_screenshots_of_every_page(qtbot, ws, make_profile, pg15, chinook_copy, pagila_db):
    shop = chinook_copy("shop")
    make_profile(pg15, shop, environment="production", name="Shop live")
    make_profile(pg15, chinook_copy("shop_test"), name="Shop test")
    make_profile(pg15, pagila_db, name="Film rentals")
    make_profile(pg15, chinook_copy("reporting"), environment="production", name="Reporting replica",
                 read_only=True)
    make_profile(pg15, "shop_empty_new", name="Shop empty")
    run_backup(ws, BackupRequest("Film rentals"))
    run_backup(ws, BackupRequest("Shop live"))
    latest = run_backup(ws, BackupRequest("Shop live"))

    wizard = open_wizard(qtbot, ws, preselected=latest)
    wizard.resize(1366, 768)
    save_screenshot(wizard, "restore_1_backup", shows=("backupList",))
    page = go_to_target(wizard, "Reporting replica")
    save_screenshot(wizard, "restore_2_target_refused", shows=("targetRefusal",))
    page = choose(qtbot, wizard, "Shop empty", EMPTY, from_start=False)
    save_screenshot(wizard, "restore_2_target_missing", shows=("targetFacts",))
    page = choose(qtbot, wizard, "Film rentals", NEW, from_start=False)
    save_screenshot(wizard, "restore_2_target_new", shows=("newDatabaseName",))
    page = choose(qtbot, wizard, "Shop test", REPLACE, from_start=False)
    page.only_some.setChecked(True)
    assert not page.replace.isVisible() and page.way() is None, "replace everything is not for some tables"
    page.choose(TABLES)
    page.set_tables(["public.artist", "public.album", "public.track", "public.genre"])
    save_screenshot(wizard, "restore_2_target", shows=("targetList",))
    wizard.button(NEXT).click()
    save_screenshot(wizard, "restore_3_review_development", shows=("reviewSentence",))
    wizard.button(BACK).click()
    page.only_some.setChecked(False)
    choose(qtbot, wizard, "Film rentals", REPLACE, from_start=False)
    wizard.button(NEXT).click()
    save_screenshot(wizard, "restore_3_review_losses", shows=("reviewChanges",))
    wizard.button(BACK).click()
    choose(qtbot, wizard, "Shop live", REPLACE, from_start=False)
    wizard.button(NEXT).click()
    wizard.review_page.confirm.setText(shop[:4])
    save_screenshot(wizard, "restore_3_review_production", shows=("productionBanner", "confirmField"))
    wizard.button(BACK).click()
    choose(qtbot, wizard, "Shop test", REPLACE, from_start=False)
    wizard.button(NEXT).click()
    with qtbot.waitSignal(wizard.progress_page.job_finished, timeout=RESTORE_TIMEOUT):
        wizard.button(RESTORE).click()
        save_screenshot(wizard, "restore_4_progress")  # running or already done: either is fine
    save_screenshot(wizard, "restore_4_result", shows=("resultSummary", "verificationTable"))


def test_missing_roles_are_named_with_three_answers(qtbot, ws, make_profile, pg15, chinook_db, fresh_db):
    make_profile(pg15, chinook_db, name="Music shop")
    record = backup_naming_missing_roles(lambda: run_backup(ws, BackupRequest("Music shop")), pg15, chinook_db,
                                         "Shop Owner", "shop_reader", ("artist", "album"))
    live = fresh_db(prefix="roles_live")
    make_profile(pg15, live, environment="production", name="Shop live")
    dev = fresh_db(prefix="roles_dev")
    make_profile(pg15, dev, name="Shop dev")
    wizard = open_wizard(qtbot, ws, preselected=record)
    wizard.resize(1366, 768)
    choose(qtbot, wizard, "Shop live", EMPTY)
    wizard.button(NEXT).click()
    review = wizard.review_page
    roles = review.roles
    assert '"Shop Owner" and "shop_reader"' in roles.title.text()
    assert roles.stop.isChecked(), "into production it stops by default"
    review.confirm.setText(live)
    assert not wizard.button(RESTORE).isEnabled()
    save_screenshot(wizard, "restore_3_review_missing_roles", shows=("missingRolesTitle", "createRolesChoice",
                                                                     "mapRolesChoice", "stopForRolesChoice"))
    roles.create.setChecked(True)
    assert wizard.button(RESTORE).isEnabled()
    assert '"Shop Owner" and "shop_reader" are created first' in review.steps.text()

    wizard.button(BACK).click()
    choose(qtbot, wizard, "Shop dev", EMPTY, from_start=False)
    wizard.button(NEXT).click()
    assert roles.map.isChecked(), "into development their objects go to the connection's user by default"
    assert f'What "Shop Owner" and "shop_reader" owned in the backup is given to {pg15.superuser}.' in \
        review.steps.text()
    run_to_result(qtbot, wizard)
    assert owner_of(pg15, dev, "artist") == pg15.superuser


def test_a_big_catalog_opens_at_the_newest_page_and_finds_any_backup(qtbot, ws):
    """3,000 backups an hour apart: the list holds a page; the one chosen in the main window is
    selected however far down; only completed backups with a file are offered; search runs over all."""
    newest = datetime(2026, 12, 1, tzinfo=UTC)
    backups = [backup_record(f"b{number:05d}", started_at=f"{newest - timedelta(hours=number):%Y-%m-%dT%H:%M:%SZ}")
               for number in range(3_000)]
    backups[1] = replace(backups[1], status="failed", path=None)
    backups[2] = replace(backups[2], path=None)  # completed, but its file was never known here
    backups[-1] = replace(backups[-1], row_counts={"public.archive_2019": 7})
    insert_records(ws.catalog, backups)
    wizard = open_wizard(qtbot, ws)
    page = wizard.backup_page
    # A page, or two: a view not yet shown asks for the next when its current row is set.
    assert PAGE <= page.model.rowCount() <= 2 * PAGE and page.model.matched == 2_998
    assert wizard.choices.record.id == "b00000" and wizard.button(NEXT).isEnabled()
    assert page.model.row_of("b00001") is None and page.model.row_of("b00002") is None

    far = open_wizard(qtbot, ws, preselected=ws.catalog.get("b02990"))
    far_page = far.backup_page
    assert far.choices.record.id == "b02990" and PAGE < far_page.model.rowCount() <= 3_000
    row = far_page.model.index(far_page.model.row_of("b02990"), 0)
    qtbot.waitUntil(lambda: far_page.backups.viewport().rect().contains(far_page.backups.visualRect(row)))
    save_screenshot(far, "restore_wizard_far_down")

    page.search.setText("shop")
    assert wizard.choices.record.id == "b00000", "a choice among the rows the search reads stays"
    far_page.search.setText("sho")  # the choice is far below the page the search reads: dropped, the list at its top
    assert far.choices.record is None and not far.button(NEXT).isEnabled()
    assert far_page.backups.verticalScrollBar().value() == 0 and far_page.model.rowCount() <= 2 * PAGE
    far_page.search.setText("archive_2019")
    assert [far_page.model.record_at(0).id] == ["b02999"] and far_page.model.rowCount() == 1
    far_page.search.setText("archive_2019 payroll")
    assert far_page.empty_state.isVisible() and far_page.empty_state.text() == NO_MATCH_TEXT
    assert far_page.search.isVisible()
