"""Help menu: the user guide and the log read in the app, a problem report
with no secret in it, About with versions and licences."""
import zipfile

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from desktop.core.store.logs import setup_logging
from desktop.ui.help_menu import save_problem_report, show_about
from desktop.ui.help_windows import GuideWindow, LogViewer
from desktop.ui.main_window import MainWindow
from tests.ui.screens import save_screenshot


def test_main_window_help_menu(qtbot, ws):
    window = MainWindow(ws)
    qtbot.addWidget(window)
    menu = window.findChild(type(window.menuBar().actions()[0].menu()), "helpMenu")
    assert menu is not None and menu.accessibleName() == "Help"
    assert [a.text() for a in menu.actions()] == [
        "User guide", "Show log", "Report a problem…", "Export backup key…", "About Lifeboat"]


def test_the_user_guide_covers_the_everyday_jobs(qtbot):
    guide = GuideWindow()
    qtbot.addWidget(guide)
    guide.resize(720, 600)
    guide.show()
    text = guide.text.toPlainText()
    for heading in ("Your first backup", "Restoring into development", "Exporting to a drive",
                    "What the badges and columns mean", "When a restore fails"):
        assert heading in text
    save_screenshot(guide, "user_guide", shows=("guideText", "closeButton"))


def test_the_log_viewer_shows_the_newest_lines_in_the_app(qtbot, ws):
    viewer = LogViewer(ws)
    qtbot.addWidget(viewer)
    assert "Nothing has been written" in viewer.text.toPlainText()
    setup_logging(ws.paths).info("something happened")
    qtbot.mouseClick(viewer.findChild(QPushButton, "refreshLogButton"), Qt.MouseButton.LeftButton)
    assert "something happened" in viewer.text.toPlainText()
    viewer.resize(900, 560)
    viewer.show()
    save_screenshot(viewer, "log_viewer", shows=("logText", "refreshLogButton", "openLogFolderButton"))


def test_a_problem_report_holds_the_log_and_versions_but_no_secret(qtbot, ws, tmp_path):
    window = MainWindow(ws)
    qtbot.addWidget(window)
    setup_logging(ws.paths).info("could not connect to postgresql://shop:s3cret-pw@db.example.com/shop")
    with qtbot.waitSignal(save_problem_report(window, ws, tmp_path).succeeded, timeout=30000):
        pass
    saved = window.findChild(QMessageBox, "problemReportSaved")
    assert "without their passwords" in saved.text()
    saved.close()
    [report] = tmp_path.glob("Lifeboat problem report *.zip")
    assert report.name in saved.text()
    with zipfile.ZipFile(report) as archive:
        names = set(archive.namelist())
        content = b"".join(archive.read(name) for name in names)
    assert {"versions.txt", "settings.json", "connections.txt", "backups.txt", "logs/lifeboat.log"} <= names
    assert b"Qt " in content and b"could not connect" in content
    assert b"s3cret-pw" not in content


def test_about_lists_versions_and_licences(qtbot, ws):
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.resize(1100, 760)
    window.show()
    dialog = show_about(window)
    with qtbot.waitSignal(dialog.tools_job.finished, timeout=30000):
        pass
    text = dialog.versions.text()
    assert "Qt " in text and "PySide6" in text and "pg_dump" not in text
    assert "PostgreSQL tools: " in text and "looking for" not in text
    table = dialog.components
    rows = {table.item(r, 0).text(): (table.item(r, 1).text(), table.item(r, 2).text())
            for r in range(table.rowCount())}
    assert rows["Qt 6 and Qt for Python (PySide6)"][1] == "LGPL-3.0"
    assert rows["psycopg (PostgreSQL driver)"][1] == "LGPL-3.0"
    assert rows["cryptography (encryption)"][0]  # its installed version
    assert "PostgreSQL License" in rows["PostgreSQL client tools (pg_dump, pg_restore, psql, libpq)"]
    save_screenshot(dialog, "about_dialog", shows=("aboutVersions",))
    dialog.close()
    QApplication.processEvents()


def test_export_backup_key_from_the_window(qtbot, ws, tmp_path):
    from desktop.core.jobs.backup_key import import_key
    from desktop.ui.help_menu import show_key_export

    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    dialog = show_key_export(window, ws)
    target = tmp_path / "key.txt"
    dialog.file_field.setText(str(target))
    dialog.passphrase.setText("short")
    assert not dialog.save_button.isEnabled() and "at least" in dialog.status.text()
    for field in (dialog.passphrase, dialog.repeat):
        field.setText("a long passphrase here")
    assert dialog.save_button.isEnabled()
    assert all(w.accessibleName() for w in (dialog.file_field, dialog.passphrase, dialog.repeat, dialog.save_button))
    with qtbot.waitSignal(dialog.start().finished, timeout=30000):
        pass
    assert "Saved to" in dialog.status.text() and target.exists()
    save_screenshot(dialog, "key_export_dialog", shows=("keyExportStatus",))
    assert import_key(ws, target, "a long passphrase here").became_current
    dialog.close()
