"""Which backups two pg_dumps make, and which tables the second one takes (jobs/split_dump.py)."""
from types import SimpleNamespace

import pytest

from desktop.core.format.manifest import BackupOptions
from desktop.core.jobs import split_dump
from desktop.core.jobs.split_dump import tables_aside
from desktop.core.postgres.snapshot import Table

MB = 1 << 20
TABLES = [Table("public", name, f"public.{name}", size * MB)
          for name, size in (("events", 240), ("readings", 130), ("notes", 80), ("orders", 70), ("tiny", 1))]


def snapshot(spare: int = 100, tables=TABLES):
    return SimpleNamespace(tables=tables, spare_connections=spare)


def keys(tables) -> list[str]:
    return sorted(t.key for t in tables)


def test_about_half_the_rows_by_size_go_to_the_second_pg_dump():
    aside = tables_aside(snapshot(), BackupOptions(), True, "db.example.com")
    assert keys(aside) == ["public.notes", "public.orders", "public.readings"]  # 280 MB against 241


@pytest.mark.parametrize("why_not", [
    dict(options=BackupOptions(format="plain")), dict(options=BackupOptions(schema_only=True)),
    dict(options=BackupOptions(tables=["public.events"])), dict(options=BackupOptions(exclude_tables=["x"])),
    dict(compresses=False),  # pg_dump without zstd: its archive is not read block by block
    dict(spare=3),  # the server might refuse the second pg_dump
    dict(tables=TABLES[:1] + TABLES[-1:]),  # one big table: no half to give away
    dict(tables=[Table("public", "small", "public.small", 60 * MB), Table("public", "s2", "public.s2", 3 * MB)]),
    dict(host="127.0.0.1"), dict(host="localhost"), dict(host="/var/run/postgresql"),  # the server's cores are ours
])
def test_one_pg_dump(why_not, monkeypatch):
    monkeypatch.setattr(split_dump.os, "cpu_count", lambda: 2)
    given = dict(options=BackupOptions(), compresses=True, spare=100, tables=TABLES, host="db.example.com")
    given.update(why_not)
    assert tables_aside(snapshot(given["spare"], given["tables"]), given["options"], given["compresses"],
                        given["host"]) == []


def test_a_local_server_with_cores_to_spare_is_split(monkeypatch):
    monkeypatch.setattr(split_dump.os, "cpu_count", lambda: 8)
    assert tables_aside(snapshot(), BackupOptions(), True, "localhost")
