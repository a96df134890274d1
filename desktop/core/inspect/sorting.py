"""Rows in primary-key order with flat memory: an external merge sort.

A table larger than a run is cut into sorted runs of RUN_ROWS rows, each
written to a private job folder (0700, scratch.py: removed when the export
ends, and at the next start if Lifeboat was killed), then merged. Memory
holds one run while sorting and one row per run while merging. A run is
JSON Lines (each row a JSON array: its values and NULLs as they are), and
a row's key is computed again while merging rather than stored.
"""
import heapq
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from desktop.core.scratch import job_folder

RUN_ROWS = 200_000


def _write_run(batch: list, key: Callable, folder: Path) -> BinaryIO:
    run = tempfile.TemporaryFile(dir=folder)
    batch.sort(key=key)  # stable: rows with equal keys keep the backup's order
    for item in batch:
        run.write(json.dumps(item, ensure_ascii=False).encode("utf-8") + b"\n")
    run.seek(0)
    return run


def _read_run(run: BinaryIO) -> Iterator[list]:
    for line in run:
        yield json.loads(line)


def sorted_by_key(items: Iterable[list], key: Callable, staging_dir: Path, run_rows: int = RUN_ROWS) -> Iterator:
    """`items` (lists of strings and None) in `key` order; equal keys keep their order
    (within a run by a stable sort, across runs because heapq.merge prefers the earlier run)."""
    batch: list[list] = []
    runs: list[BinaryIO] = []
    staging_dir.mkdir(parents=True, exist_ok=True)
    with job_folder(staging_dir) as folder:
        try:
            for item in items:
                batch.append(item)
                if len(batch) >= run_rows:
                    runs.append(_write_run(batch, key, Path(folder)))
                    batch = []
            if not runs:
                yield from sorted(batch, key=key)
                return
            runs.append(_write_run(batch, key, Path(folder)))
            batch = []
            yield from heapq.merge(*(_read_run(run) for run in runs), key=key)
        finally:
            for run in runs:
                run.close()
