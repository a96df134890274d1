"""An office worker's first minutes, driven by the names a screen reader announces:
add a connection, back up, restore into development, see it verified."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QWidget

from desktop.core.store.profiles import Profile
from desktop.ui.main_window import MainWindow
from desktop.ui.profile_dialog import ProfileDialog
from desktop.ui.restore.wizard import RestoreWizard
from tests.dbcompare import table_hashes


def by_name(root: QWidget, kind, name: str):
    found = [w for w in root.findChildren(kind) if w.accessibleName() == name and w.isVisible()]
    assert len(found) == 1, f"{len(found)} visible {kind.__name__} named {name!r}"
    return found[0]


def click(qtbot, root: QWidget, name: str) -> None:
    button = by_name(root, QAbstractButton, name)
    assert button.isEnabled(), f"{name!r} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_add_connection_back_up_and_restore(qtbot, ws, pg15, chinook_db, fresh_db):
    target = fresh_db()
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.resize(1280, 820)
    window.show()

    click(qtbot, window, "Add a connection")
    dialog = window.findChild(ProfileDialog)
    for field, value in (("Connection name", "Shop"), ("Server address", pg15.host), ("Port", str(pg15.port)),
                         ("Database name", chinook_db), ("User name", pg15.superuser),
                         ("Password", pg15.password)):
        line = by_name(dialog, QLineEdit, field)
        line.clear()
        qtbot.keyClicks(line, value)
    click(qtbot, dialog, "Production")
    with qtbot.waitSignal(dialog.accepted, timeout=20000):
        click(qtbot, dialog, "Save connection")
    ws.profiles.add(Profile(name="Shop development", environment="development", host=pg15.host,
                            port=pg15.port, dbname=target, user=pg15.superuser), pg15.password)
    window.refresh_profiles(select="Shop")

    click(qtbot, window, "Back up now")
    with qtbot.waitSignal(window.jobs[0].finished, timeout=60000):
        pass
    [record] = ws.catalog.list()
    assert record.status == "completed" and record.profile == "Shop"

    click(qtbot, window, "Restore")
    wizard = window.findChild(RestoreWizard)
    click(qtbot, wizard, "Next")
    assert not wizard.button(wizard.WizardButton.NextButton).isEnabled(), "no target is chosen for the user"
    wizard.target_page.select_target("Shop development")
    qtbot.waitUntil(lambda: by_name(wizard, QAbstractButton, f"Into the empty database {target}") is not None,
                    timeout=20000)
    click(qtbot, wizard, f"Into the empty database {target}")
    click(qtbot, wizard, "Next")
    with qtbot.waitSignal(wizard.restored, timeout=60000):
        click(qtbot, wizard, "Restore")
    assert table_hashes(pg15, target) == table_hashes(pg15, chinook_db)
