import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLabel, QListWidget, QMessageBox, QPushButton

from desktop.core.store.profiles import Profile
from desktop.ui import palette
from desktop.ui.profile_list import ProfileList
from tests.ui.screens import save_screenshot

# Qt 6.12's offscreen platform warns on showing any window with a layout
# (no propagateSizeHints() in its QPlatformWindow). Nothing of ours.

PROFILES = [
    Profile(name="Laptop copy", environment="development", host="localhost", dbname="shop_dev",
            user="alex", notes="Alex's own machine"),
    Profile(name="Shop live", environment="production", host="db.shop-example.com", dbname="shop",
            user="backup_reader", sslmode="require", read_only=True),
    Profile(name="Shop staging", environment="development", host="staging.shop-example.com",
            dbname="shop_staging", user="alex", sslmode="require"),
]


@pytest.fixture
def pane(qtbot):
    pane = ProfileList()
    qtbot.addWidget(pane)
    pane.resize(300, 440)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def profile_list(pane) -> QListWidget:
    return pane.findChild(QListWidget, "profileList")


def button(pane, name: str) -> QPushButton:
    return pane.findChild(QPushButton, name)


def test_production_is_marked_by_label_and_colour(qtbot, pane):
    pane.set_profiles(PROFILES)
    items = profile_list(pane)
    accessible = [items.item(row).data(Qt.ItemDataRole.AccessibleTextRole) for row in range(items.count())]
    assert accessible[1] == "Shop live, Production database, shop on db.shop-example.com, backups only"
    assert accessible[0] == "Laptop copy, Development database, shop_dev on localhost"

    image = items.viewport().grab().toImage()
    ratio = image.devicePixelRatio()

    def stripe(row: int) -> QColor:
        rect = items.visualItemRect(items.item(row))
        return image.pixelColor(int(rect.left() * ratio + 1), int(rect.center().y() * ratio))

    assert stripe(1) == QColor(palette.PRODUCTION)
    assert stripe(2) != QColor(palette.PRODUCTION)
    pane.select("Shop staging")
    save_screenshot(pane, "profile_list", shows=("profileList",))


def test_selection_is_emitted_and_kept_across_refreshes(qtbot, pane):
    with qtbot.waitSignal(pane.profile_selected) as first:
        pane.set_profiles(PROFILES)
    assert first.args[0].name == "Laptop copy"  # the first is chosen when nothing was

    with qtbot.waitSignal(pane.profile_selected) as chosen:
        items = profile_list(pane)
        qtbot.mouseClick(items.viewport(), Qt.MouseButton.LeftButton,
                         pos=items.visualItemRect(items.item(1)).center())
    assert chosen.args[0].name == "Shop live" and chosen.args[0].is_production

    pane.set_profiles(list(reversed(PROFILES)))
    assert pane.current_profile().name == "Shop live"
    pane.select("Shop staging")
    assert pane.current_profile().name == "Shop staging"


def test_no_profiles(qtbot, pane):
    pane.set_profiles(PROFILES)
    with qtbot.waitSignal(pane.profile_selected) as selected:
        pane.set_profiles([])
    assert selected.args == [None] and pane.current_profile() is None
    assert profile_list(pane).count() == 0
    assert pane.findChild(QLabel, "noProfilesHint").isVisible()
    for name in ("editProfileButton", "removeProfileButton", "testProfileButton"):
        assert not button(pane, name).isEnabled()
    assert button(pane, "addProfileButton").isEnabled()


def test_buttons_ask_for_the_selected_profile(qtbot, pane):
    pane.set_profiles(PROFILES)
    pane.select("Shop staging")
    with qtbot.waitSignal(pane.add_requested):
        qtbot.mouseClick(button(pane, "addProfileButton"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(pane.edit_requested) as edit:
        qtbot.mouseClick(button(pane, "editProfileButton"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(pane.test_requested) as test:
        qtbot.mouseClick(button(pane, "testProfileButton"), Qt.MouseButton.LeftButton)
    assert edit.args[0].name == test.args[0].name == "Shop staging"

    items = profile_list(pane)
    first = items.visualItemRect(items.item(0)).center()
    with qtbot.waitSignal(pane.edit_requested) as double_clicked:
        # An item view takes a double click only on the item its press landed on.
        qtbot.mouseClick(items.viewport(), Qt.MouseButton.LeftButton, pos=first)
        qtbot.mouseDClick(items.viewport(), Qt.MouseButton.LeftButton, pos=first)
    assert double_clicked.args[0].name == "Laptop copy"


def answer_removal(qtbot, pane, button_name: str) -> list[str]:
    """Click Remove, read the question, press `button_name`; returns the question's texts."""
    seen = []

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)  # the box is not up yet
            return
        seen.extend([box.text(), box.informativeText()])
        box.findChild(QPushButton, button_name).click()

    QTimer.singleShot(0, answer)
    qtbot.mouseClick(button(pane, "removeProfileButton"), Qt.MouseButton.LeftButton)
    return seen


def test_remove_asks_first_and_says_backups_are_kept(qtbot, pane):
    pane.set_profiles(PROFILES)
    pane.select("Shop live")
    with qtbot.assertNotEmitted(pane.remove_requested):
        question, explanation = answer_removal(qtbot, pane, "keepProfileButton")
    assert "Shop live" in question
    assert "shop on db.shop-example.com" in explanation
    assert "backups already made from it are kept" in explanation
    assert "database itself is not touched" in explanation

    with qtbot.waitSignal(pane.remove_requested) as removed:
        answer_removal(qtbot, pane, "confirmRemoveButton")
    assert removed.args[0].name == "Shop live"
