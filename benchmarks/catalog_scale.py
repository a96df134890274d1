"""Does the window and `lifeboat list --json` stay quick with a big catalog? (issue 15's catalog targets)

    .venv/bin/python benchmarks/catalog_scale.py [--sizes 100,10000] [--repeat 3]

Zero-config: for each size it makes a throwaway LIFEBOAT_HOME in a temporary
folder with four connections and that many backups in the catalog, a year
of hourly backups of a few databases (20 tables each, some failed ones,
some notes). The rows are inserted into the catalog directly; the backup
files do not exist, so a window that looked at every file would show it.

What is measured, each in a fresh child process, as a user starts it (from
compiled bytecode, as in an install: see backup_ratio.Lifeboat):
- the window: from constructing MainWindow to the first paint of the backup
  list with its rows in it (offscreen unless DISPLAY is set); then typing the
  name of a table only the oldest backup has into the search box until the
  list shows that one row, and sorting by the Rows column; and how many
  backup files the start looked at (stat or open; the files do not exist);
- the restore wizard: from constructing it to the first paint of its list of
  backups with rows in it; then opened again with the oldest backup chosen
  (as when the main window's selection is far down), until that row is
  selected and painted, which reads every row above it; the rows each read;
- `lifeboat list --json`: wall time (Python's start included), its CPU time
  (what a busy machine changes least) and the size of what it prints;
- each process's peak memory (VmHWM, STATS_AT_EXIT in backup_ratio.py).
Each is run --repeat times; medians of the times are printed, and the best
(a busy machine slows some runs), with the highest peak memory. Run it from
the repository's folder: the children import the code from there.
Targets: window (and the wizard) shown and list usable within 1 s, `list --json` within
0.5 s with 10,000 backups, memory flat in catalog size. It measures and does
not judge: exit 0 unless a step crashed.
"""
import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from backup_ratio import STATS_AT_EXIT, Lifeboat  # noqa: E402

from desktop.core.store.paths import app_paths  # noqa: E402

CONNECTIONS = (("Shop", "production"), ("Payroll", "production"), ("Website", "development"),
               ("Warehouse", "development"))
TABLES = tuple(f"public.{name}" for name in (
    "customers", "orders", "order_items", "products", "categories", "suppliers", "invoices", "payments",
    "shipments", "addresses", "employees", "departments", "stock", "returns", "reviews", "coupons",
    "carts", "sessions", "audit_events", "settings"))
BACKUP_FOLDER = "/srv/lifeboat-catalog-bench"  # where the catalog says the files are; they are not
FAR_DOWN_TABLE = "public.archive_2025_q1"  # only in the oldest backup: what the search looks for
WINDOW_TARGET_S = 1.0
LIST_TARGET_S = 0.5
MB = 1024 * 1024

WINDOW_RUNNER = STATS_AT_EXIT + """
from catalog_scale import measure_window
measure_window()
"""
WIZARD_RUNNER = STATS_AT_EXIT + """
from catalog_scale import measure_wizard
measure_wizard()
"""


def fill_catalog(lifeboat: Lifeboat, count: int) -> None:
    """`count` backups, newest first an hour apart, inserted as rows of the catalog."""
    for name, environment in CONNECTIONS:
        lifeboat.run("profile", "add", name, "--host", "127.0.0.1", "--port", "1", "--dbname", name.lower(),
                     "--user", "office", "--env", environment, "--password-stdin", stdin="secret\n")
    random.seed(15)
    now = time.time()
    rows = []
    for number in range(count):
        name, environment = CONNECTIONS[number % len(CONNECTIONS)]
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 3600 * number))
        finished = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 3600 * number + 40))
        failed = number % 97 == 13
        counts = {} if failed else {table: random.randrange(10, 5_000_000) for table in TABLES}
        if number == count - 1:
            counts[FAR_DOWN_TABLE] = 1234
        backup_id = f"{number:08x}-{random.getrandbits(96):024x}"
        rows.append((
            backup_id, name, environment, name.lower(), "db.example.com", 5432,
            "failed" if failed else "completed", "scheduled" if number % 5 else "manual", "custom",
            started, finished, f"{BACKUP_FOLDER}/{name}/{backup_id}.dump.lifeboat",
            None if failed else random.randrange(10 * MB, 900 * MB), None if failed else f"{number:064x}",
            None if failed else backup_id, "16.4", "18.1", json.dumps({"compress": 3}), json.dumps(counts),
            "The server did not answer." if failed else None, "before the upgrade" if number % 500 == 7 else "",
        ))
    with sqlite3.connect(app_paths(lifeboat.env).catalog_file) as db:
        db.executemany(
            """INSERT INTO backups (id, profile, environment, database, host, port, status, kind, format,
                   started_at, finished_at, path, size_bytes, sha256, file_id, server_version,
                   pg_dump_version, options, row_counts, error, label)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows)


def watch_backup_files() -> list[str]:
    """The backup files the process stats or opens from now on (os.stat covers pathlib's exists())."""
    seen: list[str] = []
    for name in ("stat", "lstat", "open"):
        original = getattr(os, name)

        def watched(path, *args, _original=original, **kwargs):
            if str(path).startswith(BACKUP_FOLDER):
                seen.append(str(path))
            return _original(path, *args, **kwargs)
        setattr(os, name, watched)
    return seen


def paint_watch():
    """An event filter whose `seen` turns True at the first paint of what it watches (Qt imported late:
    the parent process never starts Qt)."""
    from PySide6.QtCore import QEvent, QObject

    class PaintSeen(QObject):
        seen = False

        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.seen = True
            return False
    return PaintSeen()


def offscreen_unless_display() -> None:
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def measure_window() -> None:
    """In the child process: print the window's figures as one JSON line."""
    offscreen_unless_display()
    from PySide6.QtCore import Qt

    from desktop.core.workspace import Workspace
    from desktop.ui.app import make_application
    from desktop.ui.catalog_model import CatalogModel
    from desktop.ui.main_window import MainWindow

    app = make_application([])
    ws = Workspace.open()
    looked_at = watch_backup_files()
    started = time.perf_counter()
    window = MainWindow(ws)
    view = window.catalog_view
    watch = paint_watch()
    view.table.viewport().installEventFilter(watch)
    window.show()
    while not watch.seen:
        app.processEvents()
    shown = time.perf_counter() - started
    files_looked_at = len(looked_at)
    table_model = view.table.model()
    rows_shown = table_model.rowCount()

    started = time.perf_counter()
    view.search.setText(FAR_DOWN_TABLE.split(".")[1])
    while table_model.rowCount() != 1:
        app.processEvents()
    searched = time.perf_counter() - started
    view.search.clear()
    app.processEvents()

    started = time.perf_counter()
    view.table.sortByColumn(CatalogModel.ROWS, Qt.SortOrder.DescendingOrder)
    app.processEvents()
    sorted_ = time.perf_counter() - started
    print(json.dumps({"shown": shown, "rows": rows_shown, "search": searched, "sort": sorted_,
                      "files": files_looked_at}))
    window.close()


def measure_wizard() -> None:
    """In the child process: print the restore wizard's figures as one JSON line."""
    offscreen_unless_display()
    from desktop.core.store.catalog_query import CatalogQuery
    from desktop.core.workspace import Workspace
    from desktop.ui.app import make_application
    from desktop.ui.restore.wizard import RestoreWizard

    app = make_application([])
    ws = Workspace.open()
    oldest = ws.catalog.select(CatalogQuery(statuses=("completed",), descending=False), limit=1)[0]
    figures = {}
    for key, preselected in (("wizard", None), ("wizard_far", oldest)):
        started = time.perf_counter()
        wizard = RestoreWizard(ws, preselected=preselected)
        watch = paint_watch()
        wizard.backup_page.backups.viewport().installEventFilter(watch)
        wizard.show()
        while not watch.seen:
            app.processEvents()
        figures[key] = time.perf_counter() - started
        figures[f"{key}_rows"] = wizard.backup_page.model.rowCount()
        chosen = wizard.choices.record
        if chosen is None or chosen.id != (preselected or chosen).id:
            raise SystemExit(f"the wizard chose {chosen and chosen.id}, not {preselected and preselected.id}")
        wizard.close()
        wizard.deleteLater()
        app.processEvents()
    print(json.dumps(figures))


def measure(count: int, scratch: Path, repeat: int) -> dict:
    work = scratch / f"catalog-{count}"
    work.mkdir()
    lifeboat = Lifeboat(work)
    lifeboat.env["PYTHONPATH"] = os.pathsep.join((str(REPO / "benchmarks"), lifeboat.env["PYTHONPATH"]))
    fill_catalog(lifeboat, count)
    lifeboat.run("list")  # untimed: the catalog file into the page cache, the modules compiled
    lists = [lifeboat.run("list", "--json") for _ in range(repeat)]
    listed = lists[0][1]
    if len(json.loads(listed)) != count:
        raise SystemExit(f"list --json printed {len(json.loads(listed))} backups, not {count}")
    windows = []
    for _ in range(repeat):
        _, out, stats = lifeboat.run(runner=WINDOW_RUNNER)
        windows.append({**json.loads(out.strip().splitlines()[-1]), "window_peak": stats["peak"]})
    for run in range(repeat):
        _, out, stats = lifeboat.run(runner=WIZARD_RUNNER)
        windows[run].update({**json.loads(out.strip().splitlines()[-1]), "wizard_peak": stats["peak"]})
    figures = {key: statistics.median(window[key] for window in windows) for key in windows[0]}
    figures["window_peak"] = max(window["window_peak"] for window in windows)
    figures["wizard_peak"] = max(window["wizard_peak"] for window in windows)
    figures["shown_best"] = min(window["shown"] for window in windows)
    list_times = [seconds for seconds, _, _ in lists]
    return {**figures, "count": count, "list": statistics.median(list_times), "list_best": min(list_times),
            "list_cpu": statistics.median(stats["cpu"] for _, _, stats in lists),
            "list_bytes": len(listed.encode()), "list_peak": max(stats["peak"] for _, _, stats in lists)}


def report(figures: dict) -> None:
    count = figures["count"]
    usable = figures["shown"] + figures["search"]
    print(f"{count:,} backups:")
    print(f"  window shown with the list filled: {figures['shown']:.2f} s (best {figures['shown_best']:.2f} s; "
          f"{figures['rows']:,} rows loaded; {figures['files']:.0f} backup files looked at); "
          f"search to a row far down: {figures['search']:.2f} s; sort by Rows: {figures['sort']:.2f} s; "
          f"peak memory {figures['window_peak'] / MB:.0f} MB")
    print(f"  shown + search {usable:.2f} s (target {WINDOW_TARGET_S:.1f} s: "
          f"{'PASS' if usable <= WINDOW_TARGET_S else 'MISS'})")
    wizard = max(figures["wizard"], figures["wizard_far"])
    print(f"  restore wizard shown with its list filled: {figures['wizard']:.2f} s "
          f"({figures['wizard_rows']:,.0f} rows read); with the oldest backup chosen: {figures['wizard_far']:.2f} s "
          f"({figures['wizard_far_rows']:,.0f} rows read); peak memory of the two {figures['wizard_peak'] / MB:.0f} MB "
          f"(target {WINDOW_TARGET_S:.1f} s: {'PASS' if wizard <= WINDOW_TARGET_S else 'MISS'})")
    print(f"  lifeboat list --json: {figures['list']:.2f} s (best {figures['list_best']:.2f} s; "
          f"CPU {figures['list_cpu']:.2f} s) for {figures['list_bytes'] / MB:.1f} MB, "
          f"peak memory {figures['list_peak'] / MB:.0f} MB (target {LIST_TARGET_S:.1f} s: "
          f"{'PASS' if figures['list'] <= LIST_TARGET_S else 'MISS'})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,10000", help="catalog sizes to measure, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; medians reported")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lifeboat-catalog-bench-") as scratch:
        for count in (int(size) for size in args.sizes.split(",")):
            report(measure(count, Path(scratch), args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
