"""Does the window stay responsive while a large backup runs? (issue 3's target)

    .venv/bin/python benchmarks/gui_responsiveness.py [--size-mb 1000] [--keep DIR]

Builds (or reuses, with --keep) the same ~1 GB database as backup_ratio.py,
opens the real MainWindow (offscreen unless DISPLAY is set), presses
"Back up now" and, while the backup runs on its worker thread, records the
gaps between ticks of a 10 ms QTimer on the GUI thread. Prints the longest
gap (target: under 50 ms), the 99th percentile, and the backup's time next
to plain `pg_dump -Fc` measured in the same run. It measures and does not
judge: exit 0 unless a step crashed.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import keyring  # noqa: E402
from backup_ratio import DBNAME, open_cluster  # noqa: E402

from desktop.core.store.session_keyring import SessionKeyring  # noqa: E402

TICK_MS = 10
TARGET_GAP_MS = 50


def plain_pg_dump_seconds(setup, work: Path) -> float:
    with setup.cluster.client_env(DBNAME) as env:
        started = time.perf_counter()
        subprocess.run([str(setup.tools.pg_dump), "-Fc", "-f", str(work / "plain.dump")],
                       env=env, check=True, stdin=subprocess.DEVNULL)
        return time.perf_counter() - started


def gui_backup(setup, work: Path) -> tuple[list[float], float]:
    os.environ["LIFEBOAT_HOME"] = str(work / "home")
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    keyring.set_keyring(SessionKeyring())
    from PySide6.QtCore import QTimer

    from desktop.core.store.profiles import Profile
    from desktop.core.workspace import Workspace
    from desktop.ui.app import make_application
    from desktop.ui.main_window import MainWindow

    app = make_application([])
    ws = Workspace.open()
    cluster = setup.cluster
    ws.profiles.add(Profile(name="Bench", environment="production", host=cluster.host, port=cluster.port,
                            dbname=DBNAME, user=cluster.superuser), cluster.password)
    window = MainWindow(ws)
    window.refresh_profiles(select="Bench")
    window.show()
    app.processEvents()  # the first paint of the window is not what is measured
    gaps: list[float] = []
    last = [time.perf_counter()]
    phases: list[str] = []

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        progress = job.last_progress
        phases.append(progress.phase if progress else "starting")
        last[0] = now

    timer = QTimer(interval=TICK_MS)
    timer.timeout.connect(tick)
    started = time.perf_counter()
    job = window.back_up_now()
    # Measure while the backup runs: stop at its result, before the window
    # refreshes and the app quits (quitting waits for the stats count it starts).
    job.succeeded.connect(timer.stop)
    job.failed.connect(timer.stop)
    job.finished.connect(app.quit)
    job.failed.connect(lambda error: print(f"backup failed: {error}", file=sys.stderr))
    last[0] = time.perf_counter()
    timer.start()
    app.exec()
    elapsed = time.perf_counter() - started
    if not ws.catalog.list() or ws.catalog.list()[0].status != "completed":
        raise SystemExit("the backup did not complete")
    worst = sorted(range(len(gaps)), key=gaps.__getitem__)[-5:]
    print("longest gaps: " + ", ".join(f"{gaps[i]:.0f} ms at tick {i} ({phases[i]})" for i in reversed(worst)))
    return gaps, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the generated cluster in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lifeboat-gui-bench-") as scratch:
        work = Path(scratch)
        os.chmod(work, 0o755)  # the postgres account must reach the cluster's folder when run as root
        setup = open_cluster(args.keep, work, args.size_mb)
        try:
            plain = plain_pg_dump_seconds(setup, work)
            gaps, gui = gui_backup(setup, work)
        finally:
            if setup.keep:
                setup.cluster.stop()
            else:
                setup.cluster.destroy()
    gaps.sort()
    longest = gaps[-1]
    p99 = gaps[int(len(gaps) * 0.99) - 1]
    print(f"ticks: {len(gaps)} at {TICK_MS} ms; median gap {statistics.median(gaps):.1f} ms, "
          f"99th percentile {p99:.1f} ms")
    print(f"longest gap: {longest:.1f} ms (target < {TARGET_GAP_MS} ms: "
          f"{'PASS' if longest < TARGET_GAP_MS else 'MISS'}; ratio to target {longest / TARGET_GAP_MS:.2f})")
    print(f"backup from the window: {gui:.1f} s; plain pg_dump -Fc: {plain:.1f} s; ratio {gui / plain:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
