import keyring
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from desktop.ui.jobs import running_jobs
from desktop.ui.profile_dialog import ProfileDialog
from tests.keyrings import NoKeyring
from tests.ui.screens import save_screenshot

# Qt 6.12's offscreen (and minimal) platform warns on showing any window with
# a layout: its QPlatformWindow lacks propagateSizeHints(). Nothing of ours.

JOB_TIMEOUT = 30_000
NEON_URL = "postgresql://alex:s3cr%40t-pw@ep-cool-lake-123.eu-central-1.aws.neon.tech:5432/shop?sslmode=require"


@pytest.fixture
def dialog(qtbot, ws):
    dialog = ProfileDialog(ws)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def paste(qtbot, field, text: str) -> None:
    QApplication.clipboard().setText(text)
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def pg15_url(pg15, password: str) -> str:
    return f"postgresql://{pg15.superuser}:{password}@{pg15.host}:{pg15.port}/postgres?sslmode=require"


def run_test(qtbot, dialog):
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.test_job.finished, timeout=JOB_TIMEOUT):
        pass


def save(qtbot, dialog, expect_accept=True):
    if expect_accept:
        with qtbot.waitSignal(dialog.accepted, timeout=JOB_TIMEOUT):
            qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    else:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def test_empty_dialog(dialog):
    assert dialog.windowTitle() == "Add a connection"
    assert dialog.form.production_radio.isChecked()  # the safe assumption
    assert dialog.result_tone == "neutral"
    save_screenshot(dialog, "add_connection_empty", shows=("urlField", "testConnectionButton"))


def test_pasted_url_fills_fields_and_the_password_goes_to_the_keyring(qtbot, dialog, ws, memory_keyring):
    paste(qtbot, dialog.form.url_field, NEON_URL)

    assert dialog.form.host_field.text() == "ep-cool-lake-123.eu-central-1.aws.neon.tech"
    assert dialog.form.port_field.text() == "5432"
    assert dialog.form.database_field.text() == "shop"
    assert dialog.form.user_field.text() == "alex"
    assert dialog.form.ssl_combo.currentData() == "require"
    assert dialog.form.name_field.text() == "shop"
    assert dialog.form.password_field.text() == "s3cr@t-pw"
    assert dialog.form.password_field.echoMode() == dialog.form.password_field.EchoMode.Password
    assert dialog.form.url_field.text() == (
        "postgresql://alex@ep-cool-lake-123.eu-central-1.aws.neon.tech:5432/shop?sslmode=require")

    qtbot.mouseClick(dialog.form.development_radio, Qt.MouseButton.LeftButton)
    save(qtbot, dialog)

    assert dialog.saved_profile.name == "shop" and dialog.saved_profile.has_password
    assert memory_keyring.entries[(ws.secrets.service, "profile:shop")] == "s3cr@t-pw"
    stored = ws.paths.profiles_file.read_text(encoding="utf-8")
    assert "s3cr" not in stored
    assert ws.profiles.get("shop").environment == "development"


def test_typing_a_url_hides_the_password_as_soon_as_it_is_whole(qtbot, dialog):
    qtbot.keyClicks(dialog.form.url_field, "postgres://bob:pw@d")
    assert dialog.form.url_field.text() == "postgres://bob@d"  # gone from sight while still typing
    qtbot.keyClicks(dialog.form.url_field, "b.example.com/app")
    assert dialog.form.url_field.text() == "postgres://bob@db.example.com/app"
    assert dialog.form.password_field.text() == "pw"
    assert dialog.form.host_field.text() == "db.example.com"


def test_encryption_settings_fold_away_until_needed(qtbot, dialog):
    form = dialog.form
    assert not form.ssl_combo.isVisibleTo(dialog) and not form.root_cert_field.isVisibleTo(dialog)
    paste(qtbot, form.url_field, "postgresql://alex@db.example.com/shop?sslmode=require")
    assert form.advanced_button.isChecked() and form.ssl_combo.isVisibleTo(dialog)
    assert form.ssl_combo.currentData() == "require"


def test_a_bad_url_says_what_a_url_looks_like(qtbot, dialog):
    paste(qtbot, dialog.form.url_field, "mysql://root@db/app")
    error = dialog.findChild(QLabel, "urlError")
    assert error.isVisible() and "postgresql://" in error.text()
    assert dialog.form.host_field.text() == ""


def test_test_connection_shows_the_server_version(qtbot, dialog, pg15):
    paste(qtbot, dialog.form.url_field, pg15_url(pg15, pg15.password))
    dialog.form.name_field.setText("Shop live")
    run_test(qtbot, dialog)

    text = dialog.test_result.text()
    assert "Connected" in text and f"PostgreSQL {pg15.version}" in text
    assert "pg_dump" in text
    # A production connection logging in as a superuser earns the read-only advice;
    # the SQL for whoever runs the database waits behind a link.
    assert dialog.result_tone == "warning" and "can only read is safer" in text
    assert "CREATE ROLE" not in text and "How do I make a backup-only login?" in text
    assert dialog.save_button.isDefault()
    save_screenshot(dialog, "add_connection_tested", shows=("testResult",))
    dialog.test_result.linkActivated.emit("#backup-login")
    assert "IN ROLE pg_read_all_data" in dialog.help_box.informativeText()
    save_screenshot(dialog.help_box, "backup_login_help")
    dialog.help_box.close()


def test_wrong_password_is_explained_inline(qtbot, dialog, pg15):
    paste(qtbot, dialog.form.url_field, pg15_url(pg15, "not-the-password"))
    run_test(qtbot, dialog)

    text = dialog.test_result.text()
    assert dialog.result_tone == "error"
    assert f"The password for user {pg15.superuser} on {pg15.host} was refused" in text
    assert "not-the-password" not in text
    assert dialog.test_button.isEnabled()
    save_screenshot(dialog, "add_connection_wrong_password", shows=("testResult",))


def test_changing_a_field_forgets_the_test_result(qtbot, dialog, pg15):
    paste(qtbot, dialog.form.url_field, pg15_url(pg15, pg15.password))
    run_test(qtbot, dialog)
    assert dialog.result_tone == "warning"
    qtbot.keyClicks(dialog.form.database_field, "x")
    assert dialog.result_tone == "neutral" and dialog.test_button.isDefault()


def test_production_radio_shows_the_badge(qtbot, dialog):
    qtbot.mouseClick(dialog.form.development_radio, Qt.MouseButton.LeftButton)
    assert dialog.form.badge.text() == "Development"
    assert dialog.form.badge.accessibleName() == "Development database"
    qtbot.mouseClick(dialog.form.production_radio, Qt.MouseButton.LeftButton)
    assert dialog.form.badge.isVisible()
    assert dialog.form.badge.text() == "PRODUCTION"
    assert dialog.form.badge.accessibleName() == "Production database"
    note = dialog.findChild(QLabel, "environmentNote")
    assert note.text().startswith("Protected:") and "asks for its name" in note.text()


def test_validation_is_shown_inline_and_nothing_is_saved(qtbot, dialog, ws):
    dialog.form.port_field.setText("54x2")
    save(qtbot, dialog, expect_accept=False)

    for key in ("name", "host", "port", "database", "user"):
        assert dialog.findChild(QLabel, f"{key}Error").isVisible(), key
    assert "number" in dialog.findChild(QLabel, "portError").text()
    assert dialog.save_job is None and ws.profiles.list() == []
    assert dialog.isVisible()
    save_screenshot(dialog, "add_connection_validation", shows=("nameError",))

    paste(qtbot, dialog.form.url_field, "postgresql://u@db.example.com/app")
    dialog.form.name_field.setText(".hidden")
    save(qtbot, dialog, expect_accept=False)
    general = dialog.findChild(QLabel, "profileError")
    assert general.isVisible() and "cannot be a connection name" in general.text()
    assert not dialog.findChild(QLabel, "portError").isVisible()


def test_a_name_already_taken_is_said_at_the_name(qtbot, dialog, ws, make_profile, pg15):
    make_profile(pg15, "postgres", name="shop")
    paste(qtbot, dialog.form.url_field, "postgresql://u@db.example.com/shop")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.save_job.finished, timeout=JOB_TIMEOUT):
        pass
    error = dialog.findChild(QLabel, "nameError")
    assert error.isVisible() and "already has this name" in error.text()
    assert dialog.save_button.isEnabled() and dialog.isVisible()


def test_no_keyring_shows_an_error_and_saves_nothing(qtbot, dialog, ws):
    keyring.set_keyring(NoKeyring())  # the autouse memory_keyring fixture restores the previous one
    paste(qtbot, dialog.form.url_field, NEON_URL)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.save_job.finished, timeout=JOB_TIMEOUT):
        pass

    box = dialog.findChild(QMessageBox, "errorDialog")
    assert box is not None and box.isVisible()
    assert "keyring" in box.text() and "s3cr" not in box.text() + box.detailedText()
    assert ws.profiles.list() == [] and not ws.paths.profiles_file.exists()
    assert dialog.isVisible() and dialog.saved_profile is None
    box.close()


def test_editing_keeps_the_stored_password_and_tests_with_it(qtbot, ws, make_profile, pg15, memory_keyring):
    profile = make_profile(pg15, "postgres", name="local")
    dialog = ProfileDialog(ws, profile=profile)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Edit connection"
    assert dialog.form.name_field.isReadOnly() and dialog.form.development_radio.isChecked()
    assert dialog.form.password_field.text() == ""

    run_test(qtbot, dialog)
    assert dialog.result_tone == "success", dialog.test_result.text()
    dialog.show()
    save_screenshot(dialog, "edit_connection_tested", shows=("testResult",))

    dialog.form.notes_field.setPlainText("The laptop's own server")
    dialog.form.read_only_check.setChecked(True)
    save(qtbot, dialog)
    saved = ws.profiles.get("local")
    assert saved.notes == "The laptop's own server" and saved.read_only and saved.has_password
    assert memory_keyring.entries[(ws.secrets.service, "profile:local")] == pg15.password


def test_closing_during_a_test_lets_the_test_finish_on_its_own(qtbot, dialog, pg15):
    paste(qtbot, dialog.form.url_field, pg15_url(pg15, pg15.password))
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    job = dialog.test_job
    assert job.running
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and job.cancel_token.cancelled
    assert job in running_jobs()  # held by the application, not the dialog
    qtbot.waitUntil(lambda: job not in running_jobs(), timeout=JOB_TIMEOUT)
