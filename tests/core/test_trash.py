"""The trash: delete hides a backup and keeps its file, restore from the trash,
expiry after the retention period (clock injected), emptying, the second
confirmation for the last proven-restorable production backup, and an
activity-log record for each step."""
from datetime import UTC, datetime, timedelta

import pytest

from desktop.core.errors import ConfirmationRequired, UnknownBackup
from desktop.core.jobs.delete import (
    delete_backup,
    empty_trash,
    is_last_proven_backup,
    purge_backup,
    purge_expired,
    restore_from_trash,
)
from desktop.core.store.audit_log import AuditLog
from desktop.core.workspace import Workspace
from tests.catalog_entries import add_backup, manifest

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def ws() -> Workspace:
    return Workspace.open()


def actions(ws: Workspace) -> list[tuple[str, str, str]]:
    return [(r.action, r.backup_id, r.result) for r in AuditLog(ws.paths.audit_file).records()]


def test_delete_moves_to_trash_and_keeps_the_file(ws):
    path = add_backup(ws, "aaaa1111")
    add_backup(ws, "bbbb2222")
    record = delete_backup(ws, "aaaa", now=T0)
    assert record.deleted_at == "2026-03-01T09:00:00Z"
    assert [r.id for r in ws.catalog.list()] == ["bbbb2222"]
    assert [r.id for r in ws.catalog.list_trash()] == ["aaaa1111"]
    assert path.exists()
    with pytest.raises(UnknownBackup, match="in the trash"):
        ws.catalog.get("aaaa1111")
    assert actions(ws) == [("trash", "aaaa1111", "ok")]


def test_restore_from_trash(ws):
    add_backup(ws, "aaaa1111")
    delete_backup(ws, "aaaa1111")
    record = restore_from_trash(ws, "aaaa")
    assert record.deleted_at is None
    assert [r.id for r in ws.catalog.list()] == ["aaaa1111"]
    assert ws.catalog.list_trash() == []
    assert actions(ws)[-1] == ("untrash", "aaaa1111", "ok")


def test_restoring_what_is_not_in_the_trash_says_so(ws):
    add_backup(ws, "aaaa1111")
    with pytest.raises(UnknownBackup, match="trash list"):
        restore_from_trash(ws, "aaaa1111")
    assert actions(ws) == [("untrash", "aaaa1111", "failed")]


def test_expiry_after_the_retention_period(ws):
    old = add_backup(ws, "aaaa1111")
    recent = add_backup(ws, "bbbb2222")
    delete_backup(ws, "aaaa1111", now=T0)
    delete_backup(ws, "bbbb2222", now=T0 + timedelta(days=3))
    assert purge_expired(ws, now=T0 + timedelta(days=6, hours=23)) == []
    purged = purge_expired(ws, now=T0 + timedelta(days=7))
    assert [r.id for r in purged] == ["aaaa1111"]
    assert not old.exists() and recent.exists()
    assert [r.id for r in ws.catalog.list_trash()] == ["bbbb2222"]
    with pytest.raises(UnknownBackup):
        ws.catalog.get("aaaa1111", in_trash=True)
    assert actions(ws)[-1] == ("purge", "aaaa1111", "ok")


def test_retention_period_comes_from_settings(ws):
    add_backup(ws, "aaaa1111")
    delete_backup(ws, "aaaa1111", now=T0)
    ws.settings.trash_days = 30
    assert purge_expired(ws, now=T0 + timedelta(days=29)) == []
    assert len(purge_expired(ws, now=T0 + timedelta(days=30))) == 1


def test_empty_trash_removes_files_for_good(ws):
    paths = [add_backup(ws, f"{c * 4}1111") for c in "abc"]
    delete_backup(ws, "aaaa1111")
    delete_backup(ws, "bbbb1111")
    assert sorted(r.id for r in empty_trash(ws)) == ["aaaa1111", "bbbb1111"]
    assert [p.exists() for p in paths] == [False, False, True]
    assert ws.catalog.list_trash() == []
    assert [r.id for r in ws.catalog.list()] == ["cccc1111"]


def test_purge_only_takes_from_the_trash(ws):
    path = add_backup(ws, "aaaa1111")
    with pytest.raises(UnknownBackup):
        purge_backup(ws, "aaaa1111")
    assert path.exists()


def test_purge_with_the_file_already_gone(ws):
    path = add_backup(ws, "aaaa1111")
    delete_backup(ws, "aaaa1111")
    path.unlink()
    purge_backup(ws, "aaaa1111")
    assert ws.catalog.list_trash() == []


def test_last_proven_production_backup_needs_the_database_name(ws):
    path = add_backup(ws, "aaaa1111", environment="production", proven=True)
    add_backup(ws, "bbbb2222", environment="production")  # not proven
    record = ws.catalog.get("aaaa1111")
    assert is_last_proven_backup(ws, record)
    with pytest.raises(ConfirmationRequired, match="--confirm shop"):
        delete_backup(ws, "aaaa1111")
    with pytest.raises(ConfirmationRequired):
        delete_backup(ws, "aaaa1111", confirm="wrong")
    assert ws.catalog.get("aaaa1111").deleted_at is None and path.exists()
    delete_backup(ws, "aaaa1111", confirm="shop")
    assert [r.id for r in ws.catalog.list_trash()] == ["aaaa1111"]
    assert [a[2] for a in actions(ws)] == ["failed", "failed", "ok"]


def test_no_second_confirmation_when_another_proven_backup_is_kept(ws):
    add_backup(ws, "aaaa1111", environment="production", proven=True)
    add_backup(ws, "bbbb2222", environment="production", proven=True)
    add_backup(ws, "cccc3333", environment="development", proven=True, database="shop_dev")
    assert not is_last_proven_backup(ws, ws.catalog.get("aaaa1111"))
    assert not is_last_proven_backup(ws, ws.catalog.get("cccc3333"))
    delete_backup(ws, "aaaa1111")
    # Now bbbb2222 is the last proven one: the one in the trash does not count.
    with pytest.raises(ConfirmationRequired):
        delete_backup(ws, "bbbb2222")


def test_running_backup_cannot_be_deleted(ws):
    m = manifest("dddd4444")
    ws.catalog.start(m, ws.paths.backups_dir / "x.lifeboat")
    with pytest.raises(Exception, match="still running"):
        delete_backup(ws, "dddd4444")
