"""Rows in primary-key order with flat memory: an external merge sort.

A table larger than a run is cut into sorted runs of RUN_ROWS rows, each
written to a private job folder (0700, scratch.py: removed when the export
ends, and at the next start if Lifeboat was killed), then merged. Memory
holds one run while sorting and one row per run while merging.
"""
import heapq
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from desktop.core.scratch import job_folder

RUN_ROWS = 200_000


def _write_run(items: list, folder: Path) -> BinaryIO:
    run = tempfile.TemporaryFile(dir=folder)
    pickler = pickle.Pickler(run, protocol=pickle.HIGHEST_PROTOCOL)
    for item in sorted(items):
        pickler.dump(item)
        pickler.clear_memo()
    run.seek(0)
    return run


def _read_run(run: BinaryIO) -> Iterator[tuple]:
    unpickler = pickle.Unpickler(run)
    while True:
        try:
            yield unpickler.load()
        except EOFError:
            return


def sorted_by_key(items: Iterable, key: Callable, staging_dir: Path, run_rows: int = RUN_ROWS) -> Iterator:
    """`items` in `key` order (ties kept in their order)."""
    batch: list[tuple] = []
    runs: list[BinaryIO] = []
    staging_dir.mkdir(parents=True, exist_ok=True)
    with job_folder(staging_dir) as folder:
        try:
            for number, item in enumerate(items):
                batch.append((key(item), number, item))
                if len(batch) >= run_rows:
                    runs.append(_write_run(batch, Path(folder)))
                    batch = []
            if not runs:
                yield from (item for _, _, item in sorted(batch))
                return
            runs.append(_write_run(batch, Path(folder)))
            batch = []
            yield from (item for _, _, item in heapq.merge(*(_read_run(run) for run in runs)))
        finally:
            for run in runs:
                run.close()
