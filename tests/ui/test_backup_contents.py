"""The Contents tab of a backup's details: the tree, a table's first rows, Export…"""
import json

from PySide6.QtCore import Qt

from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.ui.backup_details import BackupDetailsDialog
from desktop.ui.preview_model import NULL_TEXT
from tests.integration import inspect_fixtures
from tests.ui.screens import save_screenshot
from tests.ui.test_catalog_model import record

unusual_db = inspect_fixtures.unusual_db


def tree_item(tree, *path):
    items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    for name in path:
        item = next(item for item in items if item.text(0) == name)
        items = [item.child(i) for i in range(item.childCount())]
    return item


def test_contents_tree_preview_and_export(qtbot, ws, pg15, unusual_db, make_profile, tmp_path):
    make_profile(pg15, unusual_db, name="Odd names")
    backup = run_backup(ws, BackupRequest(profile="Odd names", options=BackupOptions(format="directory")))
    dialog = BackupDetailsDialog(ws.catalog.get(backup.id), ws=ws)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    panel = dialog.contents_panel
    assert panel.contents is None  # nothing is read before the tab is opened
    save_screenshot(dialog, "backup_details_summary_tab", shows=("tableCounts", "restoreButton", "detailsTabs"))
    dialog.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: panel.contents is not None, timeout=30000)
    tree = panel.tree
    items = tree_item(tree, "Sales Dept", "Order Items")
    assert (items.text(1), items.text(2)) == ("table", "3")
    assert tree_item(tree, "Sales Dept", "Order Items", "id").text(1) == "integer, primary key"
    assert tree_item(tree, "public", "measures").text(1) == "partitioned table"
    assert tree_item(tree, "Large objects").text(2) == "2"
    assert "7 tables in 2 schemas" in panel.status.text()
    save_screenshot(dialog, "backup_contents_tree", shows=("contentsTree", "contentsFilter", "detailsTabs"))

    tree.setCurrentItem(items)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=30000)
    model = panel.model
    assert model.data(model.index(0, 0)) == "1"
    assert model.data(model.index(1, 1)) == ""  # empty text
    assert model.data(model.index(1, 2)) == NULL_TEXT and model.data(model.index(1, 2), Qt.ItemDataRole.FontRole)
    assert model.data(model.index(2, 1)) == 'line\u23cebreak "q", comma'
    assert "first 3 rows by primary key" in panel.preview_title.text()
    assert panel.export_button.isEnabled()
    save_screenshot(dialog, "backup_contents_preview", shows=("previewTable", "exportTableButton", "previewTitle"))

    out = tmp_path / "items.json"
    panel.ask_export_path = lambda suggested: (out, "json")
    job = panel.export_current()
    with qtbot.waitSignal(job.finished, timeout=30000):
        pass
    assert [row["id"] for row in json.loads(out.read_text(encoding="utf-8"))] == [1, 2, 3]
    assert "Exported 3 rows" in panel.status.text()

    panel.filter.setText("measures_20")
    assert not tree_item(tree, "public").isHidden() and tree_item(tree, "public", "nokey").isHidden()
    assert tree_item(tree, "Sales Dept").isHidden()


def test_details_without_a_workspace_have_no_contents_tab(qtbot):
    dialog = BackupDetailsDialog(record("a1"))
    qtbot.addWidget(dialog)
    assert dialog.contents_panel is None
