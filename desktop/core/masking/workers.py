"""Masking rows on the other cores: chunks of COPY rows go to worker processes and come back in order.

The rules are Python, and Python runs one thread at a time: when most rows
go through a rule (JSON, keys) the filter, not the server, sets the pace of
a refresh. So the filter (stream.py) sends a masked table's rows, a chunk
(up to 1 MB) at a time, to a pool of processes, keeping up to _AHEAD
chunks a worker in flight, and passes the results on in their order.

Each worker builds its own plan from the same policy, columns and key
(`MaskPlan.inputs`): build_plan makes the same masks from them, so a
worker's fakes are the ones this process would make. The workers are
started with "spawn", not fork: a fork would copy this process's threads'
held locks and its open pipes (psql's input among them: psql would never
see its end). A pool that breaks (a worker killed, or one that could not
start) is not an error: its chunks, and all after them, are masked here.
"""
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Optional, Union

from desktop.core.masking.plan import MaskPlan, build_plan
from desktop.core.masking.rows import RowMasker, row_masker

log = logging.getLogger("lifeboat.masking")

_MOST_WORKERS = 4
_AHEAD = 2

_plan: Optional[MaskPlan] = None  # in a worker: its own plan
_maskers: dict[tuple, Optional[RowMasker]] = {}


def worker_count() -> int:
    """One worker a core this process may run on, up to _MOST_WORKERS; none on one core (a worker
    would only add copying)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(cores, _MOST_WORKERS) if cores > 1 else 0


def _start_worker(inputs: tuple) -> None:
    global _plan
    _plan = build_plan(*inputs)


def _mask_in_worker(root: tuple[str, str], columns: tuple[str, ...], rows: bytes) -> bytes:
    masker = _maskers.get((root, columns))
    if masker is None:
        masker = _maskers[(root, columns)] = row_masker(_plan, root, list(columns))
    return masker.mask_chunk(rows)


class _Sent:
    """A chunk in a worker; masked here if the pool breaks before it comes back."""

    def __init__(self, future: Future, masker: RowMasker, rows: bytes):
        self.future, self.masker, self.rows = future, masker, rows

    def result(self) -> bytes:
        try:
            return self.future.result()
        except BrokenProcessPool:
            return self.masker.mask_chunk(self.rows)


Piece = Union[bytes, _Sent]


class MaskingPool:
    def __init__(self, inputs: tuple, workers: int):
        self._executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_start_worker, initargs=(inputs,))
        self._broken = False

    def send(self, masker: RowMasker, root: tuple[str, str], columns: list[str], rows: bytes) -> Piece:
        """`rows` (whole rows, each ending in a newline) masked by a worker, or here once the pool broke."""
        if not self._broken:
            try:
                return _Sent(self._executor.submit(_mask_in_worker, root, tuple(columns), rows), masker, rows)
            except BrokenProcessPool as error:
                log.warning("Masking goes on in one process: the worker processes stopped (%s)", error)
                self._broken = True
        return masker.mask_chunk(rows)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def in_order(pieces: Iterable[Piece], workers: int) -> Iterator[bytes]:
    """The pieces' bytes in their order, waiting for a worker's chunk only when it is first in line
    and _AHEAD chunks a worker are waiting."""
    pending: deque[Piece] = deque()
    for piece in pieces:
        pending.append(piece)
        while pending and (isinstance(pending[0], bytes) or len(pending) > _AHEAD * workers):
            first = pending.popleft()
            yield first if isinstance(first, bytes) else first.result()
    for piece in pending:
        yield piece if isinstance(piece, bytes) else piece.result()
