from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from desktop.ui.welcome import WelcomePage
from tests.ui.screens import save_screenshot

# Qt 6.12's offscreen platform warns on showing any window with a layout
# (no propagateSizeHints() in its QPlatformWindow). Nothing of ours.


def test_the_button_asks_for_a_connection(qtbot):
    page = WelcomePage()
    qtbot.addWidget(page)
    page.resize(900, 620)
    page.show()
    qtbot.waitExposed(page)

    button = page.findChild(QPushButton, "welcomeAddConnectionButton")
    assert button.accessibleName() == "Add a connection"
    with qtbot.waitSignal(page.add_connection_requested):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    texts = [label.text() for label in page.findChildren(QLabel)]
    assert {"Add a connection", "Back up", "Restore into development"} <= set(texts)
    save_screenshot(page, "welcome", shows=("welcomeAddConnectionButton", "welcomeDemoButton"))


def test_the_demo_button_starts_lifeboat_on_sample_databases(qtbot, ws, monkeypatch):
    """A second Lifeboat process, detached, as `lifeboat --demo` (the demo itself: test_demo_journey)."""
    from PySide6.QtCore import QProcess

    from desktop.core.launch import lifeboat_command
    from desktop.ui.main_window import MainWindow

    started = []
    monkeypatch.setattr(QProcess, "startDetached", lambda program, args: started.append([program, *args]) or True)
    window = MainWindow(ws)
    qtbot.addWidget(window)
    button = window.welcome.findChild(QPushButton, "welcomeDemoButton")
    assert button.accessibleName() == "Try it with sample databases"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert started == [[*lifeboat_command(), "--demo"]]
