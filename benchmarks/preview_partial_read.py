"""How much of a backup a preview reads: a small table early in a large backup.

    .venv/bin/python benchmarks/preview_partial_read.py [--size-mb 1000] [--formats custom,plain,directory]

Zero-config: a throwaway PostgreSQL cluster in a temporary folder, a
database holding `aaa_small` (100 rows, first in the archive's data) and
`noise` (--size-mb MB of random hex, which zstd only halves), one Lifeboat
backup per format; then `preview_table(..., "aaa_small", 100)` is timed
and the bytes it read from the encrypted file are reported next to the
file's size. Everything is removed at the end. It measures, it does not judge.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keyring  # noqa: E402

from desktop.core.format.manifest import BackupOptions  # noqa: E402
from desktop.core.inspect.preview import preview_table  # noqa: E402
from desktop.core.jobs.backup import BackupRequest, run_backup  # noqa: E402
from desktop.core.localpg.cluster import LocalCluster  # noqa: E402
from desktop.core.localpg.server_programs import find_server_bin_dirs  # noqa: E402
from desktop.core.store.profiles import Profile  # noqa: E402
from desktop.core.workspace import Workspace  # noqa: E402
from tests.faults import fill_with_noise  # noqa: E402
from tests.keyrings import MemoryKeyring  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1000)
    parser.add_argument("--formats", default="custom,plain,directory")
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory(prefix="lifeboat-preview-bench-", dir="/var/tmp") as scratch:
        os.environ["LIFEBOAT_HOME"] = str(Path(scratch) / "home")
        cluster = LocalCluster(find_server_bin_dirs()[0], Path(scratch) / "data", fast=True).start()
        try:
            cluster.create_database("big")
            cluster.run_psql("big", "CREATE TABLE aaa_small (id int PRIMARY KEY, name text);"
                                    "INSERT INTO aaa_small SELECT g, 'row ' || g FROM generate_series(1, 100) g;")
            started = time.monotonic()
            fill_with_noise(cluster.conninfo("big"), args.size_mb)
            print(f"filled {args.size_mb} MB in {time.monotonic() - started:.0f} s", flush=True)
            ws = Workspace.open()
            ws.profiles.add(Profile(name="big", environment="development", host=cluster.host, port=cluster.port,
                                    dbname="big", user=cluster.superuser), password=cluster.password)
            for fmt in args.formats.split(","):
                measure(ws, fmt)
        finally:
            cluster.destroy()
    return 0


def measure(ws: Workspace, fmt: str) -> None:
    started = time.monotonic()
    record = run_backup(ws, BackupRequest(profile="big", options=BackupOptions(format=fmt)))
    took = time.monotonic() - started
    result = preview_table(ws, record.id, "aaa_small", 100)
    size = record.size_bytes
    print(f"{fmt:9} backup {size / 1e6:8.1f} MB in {took:5.1f} s | preview of aaa_small: {len(result.rows)} rows, "
          f"{result.order}, {result.seconds:5.2f} s, read {result.reading.bytes_read / 1e6:8.1f} MB "
          f"({100 * result.reading.bytes_read / size:5.1f} % of the file) in {result.reading.passes} passes",
          flush=True)


if __name__ == "__main__":
    sys.exit(main())
