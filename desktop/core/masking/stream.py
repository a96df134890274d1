"""The masking filter: the SQL script between pg_restore --file=- and psql, COPY rows rewritten.

Only the rows of a COPY block are touched, and in them only the fields of
masked columns (rows.py); everything else passes byte for byte, the rows
of a table without masked columns whole, up to their end marker. A COPY
into a table or a column the plan does not know stops the restore (the
transaction is never committed), as do statistics calls, which would carry
original values into the development server's pg_statistic.

Past _PARALLEL_AFTER bytes of masked rows, the rows go to worker
processes a chunk at a time (workers.py): a small database is masked
without the cost of starting them.
"""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Optional

from desktop.core.errors import MaskingRefused
from desktop.core.masking.copytext import parse_copy_header
from desktop.core.masking.plan import MaskPlan
from desktop.core.masking.rows import RowMasker, masked_columns, row_masker
from desktop.core.masking.workers import MaskingPool, Piece, in_order, worker_count

_END = b"\\."
_STATISTICS = (b"pg_restore_attribute_stats", b"pg_restore_relation_stats")
_PARALLEL_AFTER = 8 << 20


@dataclass
class MaskReport:
    """What the filter masked: rows per table (schema.table), and the columns."""
    rows: dict[str, int] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)

    def summary(self) -> str:
        if not self.rows:
            return "no rows needed masking"
        count = sum(len(c) for c in self.columns.values())
        return f"masked {count} column(s) in {sum(self.rows.values())} rows of {len(self.rows)} table(s)"


class CopyMasker:
    """Call it on the script's blocks; `report` says what it masked. `workers`: processes to mask in
    (None: one a core), started once `parallel_after` bytes of masked rows went by."""

    def __init__(self, plan: MaskPlan, workers: Optional[int] = None, parallel_after: int = _PARALLEL_AFTER):
        self._plan = plan
        self.report = MaskReport()
        self._masker: Optional[RowMasker] = None
        self._in_copy = False
        self._table = ""
        self._root: tuple[str, str] = ("", "")
        self._columns: list[str] = []
        self._rows = 0
        self._workers = (worker_count() if workers is None else workers) if plan.inputs else 0
        self._masked_here = 0
        self._parallel_after = parallel_after
        self._pool: Optional[MaskingPool] = None

    def __call__(self, blocks: Iterable[bytes]) -> Iterator[bytes]:
        try:
            yield from in_order(self._pieces(blocks), self._workers)
        finally:
            if self._pool:
                self._pool.close()

    def _pieces(self, blocks: Iterable[bytes]) -> Iterator[Piece]:
        carry = b""
        for chunk in blocks:
            buffer = carry + chunk
            if self._in_copy:
                rows, buffer = self._whole_rows(buffer)
                if rows:
                    yield rows
            lines = buffer.split(b"\n")
            carry = lines.pop()
            if lines:
                yield b"\n".join(self._line(line) for line in lines) + b"\n"
        if carry:
            yield self._line(carry)
        if self._in_copy:
            raise MaskingRefused("The backup ended inside a table's data. Nothing was changed.")

    def _whole_rows(self, buffer: bytes) -> tuple[Piece, bytes]:
        """The whole rows at the start of `buffer` (masked if the table has masked columns), and the rest:
        its end marker and what follows, or a row that is not whole yet."""
        end = 0 if buffer.startswith(_END + b"\n") else buffer.find(b"\n" + _END + b"\n") + 1
        cut = end if end > 0 or buffer.startswith(_END + b"\n") else buffer.rfind(b"\n") + 1
        rows, rest = buffer[:cut], buffer[cut:]
        if not cut or self._masker is None:
            return rows, rest
        self._rows += rows.count(b"\n")
        pool = self._started_pool(len(rows))
        if pool is None:
            return self._masker.mask_chunk(rows), rest
        return pool.send(self._masker, self._root, self._columns, rows), rest

    def _started_pool(self, size: int) -> Optional[MaskingPool]:
        if self._pool is None and self._workers:
            self._masked_here += size
            if self._masked_here > self._parallel_after:
                self._pool = MaskingPool(self._plan.inputs, self._workers)
        return self._pool

    def _line(self, line: bytes) -> bytes:
        if self._in_copy:
            if line == _END:
                self._end_copy()
                return line
            if self._masker is None:
                return line
            self._rows += 1
            return self._masker.mask_rows([line])[0]
        if line.startswith(b"COPY ") and line.endswith(b"FROM stdin;"):
            self._start_copy(line)
        elif any(marker in line for marker in _STATISTICS):
            raise MaskingRefused(
                "The backup holds the source's statistics, which quote its values: it cannot be restored "
                "with masking. Refresh from a fresh backup (without --backup). Nothing was changed.")
        return line

    def _start_copy(self, line: bytes) -> None:
        header = parse_copy_header(line)
        if header is None:
            raise MaskingRefused("A table's data in the backup could not be read for masking. Nothing was changed.",
                                 detail=line[:200].decode("utf-8", "replace"))
        schema, table, columns = header
        root = self._plan.table_of(schema, table)
        known = self._plan.known.get(root)
        unknown = [c for c in columns if known is None or c not in known]
        if unknown:
            raise MaskingRefused(
                f"The backup holds column(s) {', '.join(unknown)} of {schema}.{table}, which the masking policy "
                "does not cover (the backup is newer than the review). Review them with `lifeboat mask suggest`, "
                "then refresh again. Nothing was changed.")
        self._in_copy = True
        self._table, self._root, self._columns, self._rows = f"{schema}.{table}", root, columns, 0
        self._masker = row_masker(self._plan, root, columns)
        if self._masker:
            self.report.columns[self._table] = masked_columns(self._plan, root, columns)

    def _end_copy(self) -> None:
        if self._masker:
            self.report.rows[self._table] = self.report.rows.get(self._table, 0) + self._rows
        self._in_copy, self._masker = False, None
