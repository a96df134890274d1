"""Failures reach people as plain sentences, with the technical text behind "Show Details..."."""
from desktop.core.errors import AuthenticationFailed
from desktop.ui.error_dialog import error_box, error_text
from tests.ui.screens import save_screenshot


def test_a_typed_error_shows_its_message_and_keeps_detail_behind_a_button(qtbot):
    error = AuthenticationFailed(
        "The password for user shop_backup on db.example.com was refused. Check it in the "
        "connection's settings (Edit…), then try again.",
        detail='connection failed: FATAL:  password authentication failed for user "shop_backup"',
    )
    box = error_box(None, "Backup of Shop production failed", error)
    qtbot.addWidget(box)
    assert box.text() == error.message
    assert "FATAL" in box.detailedText() and "FATAL" not in box.text()
    assert box.accessibleName() == "Backup of Shop production failed"
    box.show()
    save_screenshot(box, "error_dialog")


def test_an_unexpected_error_never_shows_a_traceback(qtbot):
    message, details = error_text(ZeroDivisionError("division by zero"))
    assert "Traceback" not in message and "ZeroDivisionError" not in message
    assert "Nothing was deleted" in message
    assert "ZeroDivisionError" in details and "lifeboat.log" in details
