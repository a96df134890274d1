"""A note on a backup: one line, kept in the catalog, recorded in the activity log."""
import pytest

from desktop.core.errors import UsageError
from desktop.core.jobs.label import label_backup
from desktop.core.store.audited import audit_log_of
from desktop.core.workspace import Workspace
from tests.catalog_entries import add_backup


def test_a_note_is_one_line_kept_in_the_catalog_and_logged():
    ws = Workspace.open()
    add_backup(ws, "b1abc")
    assert label_backup(ws, "b1a", "  before the\n3.2 migration ").label == "before the 3.2 migration"
    assert ws.catalog.get("b1abc").to_json()["label"] == "before the 3.2 migration"
    assert label_backup(ws, "b1abc", "").label == ""
    with pytest.raises(UsageError):
        label_backup(ws, "b1abc", "x" * 201)
    assert [r.action for r in audit_log_of(ws).records() if r.action == "label"] == ["label", "label", "label"]

