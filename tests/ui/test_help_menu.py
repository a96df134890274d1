"""Help menu: Show log opens the log file, About lists versions and licences."""
from PySide6.QtWidgets import QApplication

from desktop.core.store.logs import LOG_NAME, setup_logging
from desktop.ui.help_menu import log_file_url, show_about
from desktop.ui.main_window import MainWindow
from tests.ui.screens import save_screenshot


def test_main_window_has_show_log_and_about(qtbot, ws):
    window = MainWindow(ws)
    qtbot.addWidget(window)
    menu = window.findChild(type(window.menuBar().actions()[0].menu()), "helpMenu")
    assert menu is not None and menu.accessibleName() == "Help"
    assert [a.text() for a in menu.actions()] == ["Show log", "Export backup key…", "About Lifeboat"]


def test_show_log_points_at_the_log_file_once_there_is_one(ws):
    assert log_file_url(ws).toLocalFile() == str(ws.paths.log_dir)
    setup_logging(ws.paths).info("something happened")
    assert log_file_url(ws).toLocalFile() == str(ws.paths.log_dir / LOG_NAME)


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
