"""The trash dialog and the questions before a backup goes to the trash:
put back, delete for good, empty (each asks), the second question with the
typed database name for the only proven production backup."""
import pytest
from PySide6.QtWidgets import QInputDialog, QMessageBox, QPushButton

from desktop.core.jobs.delete import delete_backup
from desktop.ui.trash_dialog import TrashDialog, move_to_trash
from tests.catalog_entries import add_backup
from tests.ui.screens import save_screenshot

YES, CANCEL = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Cancel


@pytest.fixture
def answer(monkeypatch):
    answers = {"question": YES, "typed": ("", False)}
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers["question"])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: answers["typed"])
    return answers


@pytest.fixture
def trashed(ws):
    for n, database in enumerate(("shop", "Chinook", "pagila")):
        add_backup(ws, f"{n}aaa1111", database=database)
        delete_backup(ws, f"{n}aaa1111")
    add_backup(ws, "keep1111")
    return ws


def test_lists_the_trash_and_puts_back(qtbot, trashed, answer):
    dialog = TrashDialog(trashed)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() == 3
    assert not dialog.restore_button.isEnabled() and dialog.empty_button.isEnabled()
    save_screenshot(dialog, "trash_dialog", shows=("trashTable",))
    dialog.select("1aaa1111")
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        assert dialog.put_back()
    assert dialog.table.rowCount() == 2
    assert {r.id for r in trashed.catalog.list()} == {"keep1111", "1aaa1111"}


def test_delete_for_good_asks(qtbot, trashed, answer):
    dialog = TrashDialog(trashed)
    qtbot.addWidget(dialog)
    dialog.select("0aaa1111")
    answer["question"] = CANCEL
    assert not dialog.delete_for_good()
    assert dialog.table.rowCount() == 3
    answer["question"] = YES
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        assert dialog.delete_for_good()
    assert sorted(r.id for r in trashed.catalog.list_trash()) == ["1aaa1111", "2aaa1111"]


def test_empty_trash_asks(qtbot, trashed, answer):
    dialog = TrashDialog(trashed)
    qtbot.addWidget(dialog)
    answer["question"] = CANCEL
    assert not dialog.empty()
    answer["question"] = YES
    with qtbot.waitSignal(dialog.changed, timeout=5000):
        assert dialog.empty()
    assert trashed.catalog.list_trash() == [] and dialog.table.rowCount() == 0
    assert not dialog.empty_button.isEnabled()


def test_buttons_have_accessible_names(qtbot, trashed):
    dialog = TrashDialog(trashed)
    qtbot.addWidget(dialog)
    names = {b.accessibleName() for b in dialog.findChildren(QPushButton)}
    assert names == {"Put back", "Delete for good", "Empty trash", "Close"}
    assert dialog.table.accessibleName() == "Backups in the trash"


def test_move_to_trash_asks_once(qtbot, ws, answer):
    add_backup(ws, "aaaa1111")
    answer["question"] = CANCEL
    assert not move_to_trash(None, ws, ws.catalog.get("aaaa1111"))
    answer["question"] = YES
    assert move_to_trash(None, ws, ws.catalog.get("aaaa1111"))
    assert [r.id for r in ws.catalog.list_trash()] == ["aaaa1111"]


def test_only_proven_production_backup_needs_the_typed_name(qtbot, ws, answer):
    add_backup(ws, "aaaa1111", environment="production", proven=True)
    record = ws.catalog.get("aaaa1111")
    answer["typed"] = ("shop?", True)
    assert not move_to_trash(None, ws, record)
    answer["typed"] = ("shop", False)
    assert not move_to_trash(None, ws, record)
    assert ws.catalog.list_trash() == []
    answer["typed"] = ("shop", True)
    assert move_to_trash(None, ws, record)
    assert [r.id for r in ws.catalog.list_trash()] == ["aaaa1111"]
