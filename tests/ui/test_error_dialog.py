"""Failures reach people as plain sentences, with the technical text behind "Show Details..."."""
import pytest

from desktop.core.errors import AuthenticationFailed, LifeboatError
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


@pytest.mark.parametrize("core_says, window_says", [
    ("Choose 'Replace everything' (--replace on the command line) to make it so.",
     "Choose 'Replace everything' to make it so."),
    ("Type the database name (on the command line: --confirm shop).", "Type the database name."),
    ("Use 'skip ownership and permissions' (--no-owner --no-acl), or ask.",
     "Use 'skip ownership and permissions', or ask."),
    ("There is no profile called 'x' (profiles: a, b).", "There is no connection called 'x' (connections: a, b)."),
])
def test_the_window_says_core_messages_in_its_own_words(core_says, window_says):
    assert error_text(LifeboatError(core_says))[0] == window_says
