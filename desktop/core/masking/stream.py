"""The masking filter: the SQL script between pg_restore --file=- and psql, COPY rows rewritten.

Only the rows of a COPY block are touched, and in them only the fields of
masked columns; everything else passes byte for byte. A COPY into a table
or a column the plan does not know stops the restore (the transaction is
never committed), as do statistics calls, which would carry original values
into the development server's pg_statistic.

Fakes are remembered per column (up to _CACHE entries), since names,
cities and the like repeat.
"""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Optional

from desktop.core.errors import MaskingRefused
from desktop.core.masking.copytext import parse_copy_header
from desktop.core.masking.plan import Mask, MaskPlan
from desktop.core.postgres.copy_format import NULL, decode_field, encode_field

_END = b"\\."
_CACHE = 200_000
_STATISTICS = (b"pg_restore_attribute_stats", b"pg_restore_relation_stats")


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


class _Block:
    """One COPY block of a masked table: which fields go through which mask."""

    def __init__(self, positions: list[tuple[int, Mask]]):
        self.positions = [(i, mask, {}) for i, mask in positions]
        self.rows = 0

    def row(self, line: bytes) -> bytes:
        fields = line.split(b"\t")
        for i, mask, cache in self.positions:
            raw = fields[i]
            fake = cache.get(raw)
            if fake is None:
                fake = encode_field(mask(None if raw == NULL else decode_field(raw)))
                if len(cache) >= _CACHE:
                    cache.clear()
                cache[raw] = fake
            fields[i] = fake
        self.rows += 1
        return b"\t".join(fields)


class CopyMasker:
    """Call it on the script's blocks; `report` says what it masked."""

    def __init__(self, plan: MaskPlan):
        self._plan = plan
        self.report = MaskReport()
        self._block: Optional[_Block] = None
        self._in_copy = False
        self._table = ""

    def __call__(self, blocks: Iterable[bytes]) -> Iterator[bytes]:
        carry = b""
        for chunk in blocks:
            buffer = carry + chunk
            if self._in_copy and self._block is None:
                # Rows of a table without masked columns pass whole, up to their end marker.
                end = 0 if buffer.startswith(_END + b"\n") else buffer.find(b"\n" + _END + b"\n") + 1
                cut = end if end > 0 or buffer.startswith(_END + b"\n") else buffer.rfind(b"\n") + 1
                if cut:
                    yield buffer[:cut]
                buffer = buffer[cut:]
            lines = buffer.split(b"\n")
            carry = lines.pop()
            if lines:
                yield b"\n".join(self._line(line) for line in lines) + b"\n"
        if carry:
            yield self._line(carry)
        if self._in_copy:
            raise MaskingRefused("The backup ended inside a table's data. Nothing was changed.")

    def _line(self, line: bytes) -> bytes:
        if self._in_copy:
            if line == _END:
                self._end_copy()
                return line
            return self._block.row(line) if self._block else line
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
        masks = self._plan.masks.get(root, {})
        positions = [(i, masks[c]) for i, c in enumerate(columns) if c in masks]
        self._in_copy = True
        self._table = f"{schema}.{table}"
        self._block = _Block(positions) if positions else None
        if positions:
            self.report.columns[self._table] = [c for c in columns if c in masks]

    def _end_copy(self) -> None:
        if self._block:
            self.report.rows[self._table] = self.report.rows.get(self._table, 0) + self._block.rows
        self._in_copy, self._block = False, None
