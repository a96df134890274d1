"""The masking screens against real PostgreSQL (issue 13): the review, the preview, the refresh dialog.

The source is the CLI tests' shop with personal data (tests/masking_data.py);
development is another database on the same server.
"""
import pytest

from desktop.core.masking.manage import policies
from desktop.core.store.audited import audit_log_of
from desktop.ui.main_window import MainWindow
from desktop.ui.mask_review import NEW_TEXT, STATE_COLUMN, MaskReviewDialog
from desktop.ui.refresh_dialog import RefreshDialog
from tests.dbcompare import row_counts
from tests.masking_data import ORIGINALS, dump, fill_personal_data
from tests.ui import test_every_window as every
from tests.ui.screens import save_screenshot

WAIT_MS = 120_000
EMAIL_REASON = "name contains 'email'; 100 of 100 sampled values look like e-mail addresses"


@pytest.fixture
def shop(ws, pg15, fresh_db, make_profile):
    """(source database, development database): 'shop' (production) and 'shop-dev'."""
    source_db, dev_db = fresh_db(prefix="shop"), fresh_db(prefix="shopdev")
    fill_personal_data(pg15, source_db)
    make_profile(pg15, source_db, environment="production", name="shop")
    make_profile(pg15, dev_db, name="shop-dev")
    return source_db, dev_db


def _review(qtbot, ws) -> MaskReviewDialog:
    dialog = MaskReviewDialog(ws, "shop")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: bool(dialog.found), timeout=WAIT_MS)
    return dialog


def _texts(dialog: MaskReviewDialog, column_key: str) -> list[str]:
    row = next(row for row, item in enumerate(dialog.found) if item.column == column_key)
    return [dialog.table.item(row, column).text() for column in range(dialog.table.columnCount())
            if dialog.table.item(row, column)]


def test_review_accept_suggestions_and_save(qtbot, ws, shop):
    dialog = _review(qtbot, ws)
    assert EMAIL_REASON in _texts(dialog, "public.customers.email")
    assert all(dialog.table.item(row, STATE_COLUMN).text() == NEW_TEXT for row in range(len(dialog.found)))
    assert "not reviewed yet" in dialog.status.text()
    dialog.rule_chooser("public.customers.full_name").setCurrentText("keep")
    dialog.rule_chooser("public.customers.phone").setCurrentText("null")
    assert every.unnamed_controls(dialog) == []  # the rule choosers too, once the rows are there
    dialog.resize(1100, 680)
    save_screenshot(dialog, "mask_review", shows=("maskColumns", "acceptSuggestionsButton", "saveMaskingButton"))

    dialog.accept_button.click()  # nothing reviewed yet: every column takes its suggestion
    assert dialog.rule_chooser("public.customers.full_name").currentText() == "name"
    dialog.rule_chooser("public.customers.country").setCurrentText("fixed DE")
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS) as saved:
        dialog.save_button.click()
    policy = saved.args[0]
    assert policy.version == 1 and policy == policies(ws).load("shop")
    assert policy.columns["public.customers.email"].rule == "email"
    assert policy.columns["public.customers.email"].reason == EMAIL_REASON
    assert policy.columns["public.customers.country"].rule == "fixed DE"
    assert policy.columns["public.customers.country"].reason == "set by hand"
    assert all(column.reviewed for column in policy.columns.values())
    assert dialog.status.text().startswith("Saved: masking policy version 1")
    assert NEW_TEXT not in {dialog.table.item(row, STATE_COLUMN).text() for row in range(len(dialog.found))}
    records = [r for r in audit_log_of(ws).records() if r.action == "mask_policy"]
    assert [r.result for r in records] == ["ok"] and "on the review screen" in records[0].message

    dialog.rule_chooser("public.customers.email").setCurrentText("null")  # NOT NULL: refused, in words
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT_MS):
        dialog.save_button.click()
    assert "NOT NULL" in dialog.status.text()
    assert policies(ws).load("shop").version == 1


def test_preview_shows_ten_rows_before_and_after(qtbot, ws, shop):
    dialog = _review(qtbot, ws)
    dialog.accept_all()
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        dialog.save()
    preview = dialog.open_preview()
    qtbot.waitUntil(lambda: preview.tabs.count() > 0, timeout=WAIT_MS)
    view = preview.tabs.widget(0)
    emails = [row for row in range(view.rowCount()) if view.item(row, 1).text() == "email"]
    assert len(emails) == 10
    before, after = view.item(emails[0], 3).text(), view.item(emails[0], 4).text()
    assert before.startswith("zorblax") and after.endswith("@example.com")
    preview.resize(1000, 620)
    save_screenshot(preview, "mask_preview", shows=("maskPreviewTables",))


def _refresh_dialog(qtbot, ws, into: str) -> RefreshDialog:
    dialog = RefreshDialog(ws, ws.profiles.get(into))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_refresh_through_the_dialog_masks_development(qtbot, ws, pg15, shop):
    source_db, dev_db = shop
    dialog = _refresh_dialog(qtbot, ws, "shop-dev")
    qtbot.waitUntil(lambda: dialog.unreviewed is not None, timeout=WAIT_MS)
    assert "no masking rules yet" in dialog.policy_status.text()
    assert not dialog.start_button.isEnabled()
    dialog.unmasked.setChecked(True)
    assert dialog.unmasked_warning.isVisible() and "personal value" in dialog.unmasked_warning.text()
    assert dialog.start_button.isEnabled()
    dialog.masked.setChecked(True)
    save_screenshot(dialog, "refresh_dialog_unreviewed", shows=("policyStatus", "reviewMaskingButton"))

    review = dialog.open_review()
    qtbot.waitUntil(lambda: bool(review.found), timeout=WAIT_MS)
    review.accept_all()
    with qtbot.waitSignal(review.saved, timeout=WAIT_MS):
        review.save()
    with qtbot.waitSignal(dialog.policy_checked, timeout=WAIT_MS):
        review.close()
    assert dialog.unreviewed == [] and "Every column of shop is reviewed" in dialog.policy_status.text()
    assert dialog.start_button.isEnabled()
    save_screenshot(dialog, "refresh_dialog_ready", shows=("refreshSource", "freshBackup", "refreshMasked"))

    with qtbot.waitSignal(dialog.refreshed, timeout=WAIT_MS) as refreshed:
        dialog.start_button.click()
    qtbot.waitUntil(lambda: not dialog.refresh_job.running, timeout=WAIT_MS)
    result = refreshed.args[0]
    assert result.ok and result.masked.rows == {"public.customers": 300, "public.orders": 900}
    assert row_counts(pg15, dev_db) == row_counts(pg15, source_db)
    assert [needle for needle in ORIGINALS if needle in dump(pg15, dev_db)] == []
    outcome = dialog.outcome
    assert outcome.summary.text().startswith("\u2714")
    assert "masked 8 column(s) in 1200 rows of 2 table(s)" in outcome.summary.text()
    assert result.backup_id not in outcome.summary.text()  # named by connection and date, not by id
    assert outcome.masked.rowCount() == 2 and outcome.masked.item(0, 1).text().startswith("email, full_name")
    assert outcome.masked.item(1, 1).text() == "customer_email" and outcome.masked.item(1, 2).text() == "900"
    assert outcome.check_table.rowCount() == 2
    assert every.unnamed_controls(dialog) == []
    save_screenshot(dialog, "refresh_dialog_result", shows=("refreshSummary", "maskedTables", "verificationTable"))


def test_a_production_target_is_refused_with_the_reason(qtbot, ws, pg15, fresh_db, make_profile, shop):
    make_profile(pg15, fresh_db(prefix="prod2"), environment="production", name="other-prod")
    dialog = _refresh_dialog(qtbot, ws, "other-prod")
    assert dialog.refusal.isVisible() and "production connection" in dialog.refusal.text()
    assert not dialog.start_button.isEnabled()
    dialog.unmasked.setChecked(True)
    assert not dialog.start_button.isEnabled()
    save_screenshot(dialog, "refresh_dialog_refused", shows=("refreshRefusal",))


def test_the_window_offers_the_refresh_on_development_connections(qtbot, ws, shop):
    window = MainWindow(ws)
    qtbot.addWidget(window)
    menus = {name: [a.text() for a in window.profile_list.context_menu(ws.profiles.get(name)).actions()]
             for name in ("shop", "shop-dev")}
    assert "Refresh development from production\u2026" in menus["shop-dev"]
    assert "Refresh development from production\u2026" not in menus["shop"]
    window.profile_list.select("shop-dev")
    dialog = window.open_refresh()
    qtbot.addWidget(dialog)
    assert dialog.target.name == "shop-dev" and dialog.source_name() == "shop"
    assert window.refresh_action.isEnabled()


def test_refresh_from_an_existing_backup_not_masked_says_so(qtbot, ws, pg15, shop):
    source_db, dev_db = shop
    backup = ws.catalog.list("shop")
    dialog = _refresh_dialog(qtbot, ws, "shop-dev")
    assert not dialog.existing.isEnabled() and not backup  # no backup of shop yet
    taken = RefreshDialog(ws, ws.profiles.get("shop-dev"))  # a fresh backup first, unmasked
    qtbot.addWidget(taken)
    taken.unmasked.setChecked(True)
    with qtbot.waitSignal(taken.refreshed, timeout=WAIT_MS) as first:
        taken.start()
    qtbot.waitUntil(lambda: not taken.refresh_job.running, timeout=WAIT_MS)

    again = _refresh_dialog(qtbot, ws, "shop-dev")
    assert again.existing.isEnabled() and again.backup.currentData() == first.args[0].backup_id
    again.existing.setChecked(True)
    again.unmasked.setChecked(True)
    assert again.request().backup_id == first.args[0].backup_id
    with qtbot.waitSignal(again.refreshed, timeout=WAIT_MS) as second:
        again.start_button.click()
    qtbot.waitUntil(lambda: not again.refresh_job.running, timeout=WAIT_MS)
    assert second.args[0].backup_id == first.args[0].backup_id and len(ws.catalog.list("shop")) == 1
    assert again.outcome.summary.text().startswith("\u26a0") and "NOT masked" in again.outcome.summary.text()
    assert again.outcome.masked.isHidden()
    assert row_counts(pg15, dev_db) == row_counts(pg15, source_db)
