"""The restore wizard against real PostgreSQL: a real backup of Chinook, restored through the pages."""
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWizard

from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.jobs.checks import RestoreCheck, TableCheck
from desktop.ui.badges import PRODUCTION_TINT
from desktop.ui.restore_wizard import RestoreWizard
from tests.dbcompare import row_counts
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
    page.clean.setChecked(True)
    assert "first deletes every table" in page.clean_hint.text()
    wizard.button(NEXT).click()
    sentence = wizard.review_page.sentence.text()
    assert sentence.startswith(f"Database {target} on host {pg15.host} will be replaced by the backup of "
                               f"{chinook_backup.database} from ")
    assert f"11 tables, {chinook_backup.total_rows:,} rows." in sentence
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
    page = go_to_target(wizard, "Music shop empty")
    page.create.setChecked(True)
    page.only_some.setChecked(True)
    assert page.tables.count() == 11 and len(page.checked_tables()) == 11, "all ticked at first"
    page.set_tables([])
    assert not wizard.button(NEXT).isEnabled(), "at least one table"
    page.set_tables(["public.artist", "public.album"])
    wizard.button(NEXT).click()
    sentence = wizard.review_page.sentence.text()
    assert "2 tables (album and artist), 622 rows" in sentence
    assert f"If {target} does not exist yet, it will be created." in sentence
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
    page = go_to_target(wizard, "Music shop mirror")
    assert page.targets.currentRow() == page.targets.count() - 1, "production is listed last"
    page.clean.setChecked(True)
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
    assert safety_id in wizard.progress_page.safety.text()
    assert wizard.progress_page.safety.isVisible()


def test_mismatches_are_marked_in_words_and_colour(qtbot, ws, make_profile, pg15, chinook_backup, chinook_copy):
    make_profile(pg15, chinook_copy("mismatch"), name="Music shop test")
    wizard = open_wizard(qtbot, ws, preselected=chinook_backup)
    go_to_target(wizard, "Music shop test").clean.setChecked(True)
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
    assert table.item(1, 3).background().color().name() == PRODUCTION_TINT
    assert table.item(0, 3).background().style() == Qt.BrushStyle.NoBrush
    summary = wizard.progress_page.summary.text()
    assert "does not match the backup" in summary and "public.invoice_line (expected 2,240, found 2,100)" in summary
    assert "NOT VALID" in wizard.progress_page.notes.text()
    save_screenshot(wizard, "restore_4_mismatch")


def test_a_backups_only_profile_is_refused(qtbot, ws, make_profile, pg15, chinook_backup, chinook_copy):
    make_profile(pg15, chinook_copy("reports"), name="Reports", read_only=True)
    wizard = open_wizard(qtbot, ws, preselected=chinook_backup)
    page = go_to_target(wizard, "Reports")
    assert page.refusal.isVisible() and "backups only" in page.refusal.text()
    assert not wizard.button(NEXT).isEnabled()
    page.select_target("Music shop live")
    assert not page.refusal.isVisible() and wizard.button(NEXT).isEnabled()


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
    assert page.backups.topLevelItemCount() == 0 and page.empty_state.isVisible()
    assert not wizard.button(NEXT).isEnabled()

    with qtbot.waitSignal(page.add_file(Path(chinook_backup.path)).finished, timeout=30_000):
        assert not wizard.button(NEXT).isEnabled(), "not while the file is read"
    assert ws.catalog.get(chinook_backup.id).path == chinook_backup.path
    assert wizard.choices.record.id == chinook_backup.id
    assert page.backups.topLevelItemCount() == 1 and wizard.button(NEXT).isEnabled()
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
    go_to_target(wizard, "Music shop test").clean.setChecked(True)
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


def test_screenshots_of_every_page(qtbot, ws, make_profile, pg15, chinook_copy, pagila_db):
    shop = chinook_copy("shop")
    make_profile(pg15, shop, environment="production", name="Shop live")
    make_profile(pg15, chinook_copy("shop_test"), name="Shop test")
    make_profile(pg15, pagila_db, name="Film rentals")
    make_profile(pg15, chinook_copy("reporting"), environment="production", name="Reporting replica",
                 read_only=True)
    run_backup(ws, BackupRequest("Film rentals"))
    run_backup(ws, BackupRequest("Shop live"))
    latest = run_backup(ws, BackupRequest("Shop live"))

    wizard = open_wizard(qtbot, ws, preselected=latest)
    save_screenshot(wizard, "restore_1_backup")
    page = go_to_target(wizard, "Reporting replica")
    save_screenshot(wizard, "restore_2_target_refused")
    page.select_target("Shop test")
    page.clean.setChecked(True)
    page.only_some.setChecked(True)
    page.set_tables(["public.artist", "public.album", "public.track", "public.genre"])
    save_screenshot(wizard, "restore_2_target")
    wizard.button(NEXT).click()
    save_screenshot(wizard, "restore_3_review_development")
    wizard.button(BACK).click()
    page.only_some.setChecked(False)
    page.select_target("Shop live")
    wizard.button(NEXT).click()
    wizard.review_page.confirm.setText(shop[:4])
    save_screenshot(wizard, "restore_3_review_production")
    wizard.button(BACK).click()
    page.select_target("Shop test")
    wizard.button(NEXT).click()
    with qtbot.waitSignal(wizard.progress_page.job_finished, timeout=RESTORE_TIMEOUT):
        wizard.button(RESTORE).click()
        save_screenshot(wizard, "restore_4_progress")
    save_screenshot(wizard, "restore_4_result")

    wizard.restart()
    wizard.button(NEXT).click()
    page.clean.setChecked(False)
    wizard.button(NEXT).click()
    run_to_result(qtbot, wizard)
    assert "already contains tables" in wizard.progress_page.summary.text()
    assert wizard.progress_page.change.isVisible()
    save_screenshot(wizard, "restore_4_failed")
