"""The masking filter: the SQL script between pg_restore --file=- and psql, COPY rows rewritten.

Only the rows of a COPY block are touched, and in them only the fields of
masked columns; everything else passes byte for byte. A COPY into a table
or a column the plan does not know stops the restore (the transaction is
never committed), as do statistics calls, which would carry original values
into the development server's pg_statistic.

The rows of a masked table are masked a chunk at a time: split into
lines once, each line split only up to its last masked field. A field's
fake is remembered per column (an LRU of _CACHE entries, in C: a repeat
costs a dictionary look-up), since names, cities and the like repeat;
after _PROBE rows a column whose values hardly repeat (e-mails, keys,
JSON documents) goes without, since a miss costs more than a repeat saves.
"""
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from desktop.core.errors import MaskingRefused
from desktop.core.masking.copytext import parse_copy_header
from desktop.core.masking.plan import Mask, MaskPlan
from desktop.core.postgres.copy_format import NULL, decode_field, encode_field

_END = b"\\."
_CACHE = 200_000
_PROBE = 20_000
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


def _field_mask(mask: Mask) -> Callable[[bytes], bytes]:
    """`mask` on one COPY field, as it is written in the stream."""
    @lru_cache(maxsize=_CACHE)
    def masked(raw: bytes) -> bytes:
        return encode_field(mask(None if raw == NULL else decode_field(raw)))
    return masked


class _Block:
    """One COPY block of a masked table: which fields go through which mask."""

    def __init__(self, positions: list[tuple[int, Mask]]):
        self.positions = [(i, _field_mask(mask)) for i, mask in positions]
        self.splits = max(i for i, _ in positions) + 1  # the fields after the last masked one stay joined
        self.rows = 0
        self._judged = False

    def mask_rows(self, lines: list[bytes]) -> list[bytes]:
        """The lines (rows without their newline) masked, in place."""
        positions, splits = self.positions, self.splits
        for n, line in enumerate(lines):
            fields = line.split(b"\t", splits)
            for i, masked in positions:
                fields[i] = masked(fields[i])
            lines[n] = b"\t".join(fields)
        self.rows += len(lines)
        if self.rows >= _PROBE and not self._judged:
            self._judge_caches()
        return lines

    def _judge_caches(self) -> None:
        """Keeps a column's cache where at least 1 look-up in 5 was a repeat."""
        self._judged = True
        kept = []
        for i, masked in self.positions:
            hits, misses = masked.cache_info()[:2]
            kept.append((i, masked if hits * 5 >= hits + misses else masked.__wrapped__))
        self.positions = kept


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
            if self._in_copy:
                rows, buffer = self._rows(buffer)
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

    def _rows(self, buffer: bytes) -> tuple[bytes, bytes]:
        """The whole rows at the start of `buffer` (masked if the table has masked columns), and the rest:
        its end marker and what follows, or a row that is not whole yet."""
        end = 0 if buffer.startswith(_END + b"\n") else buffer.find(b"\n" + _END + b"\n") + 1
        cut = end if end > 0 or buffer.startswith(_END + b"\n") else buffer.rfind(b"\n") + 1
        if not cut or self._block is None:
            return buffer[:cut], buffer[cut:]
        return b"\n".join(self._block.mask_rows(buffer[:cut - 1].split(b"\n"))) + b"\n", buffer[cut:]

    def _line(self, line: bytes) -> bytes:
        if self._in_copy:
            if line == _END:
                self._end_copy()
                return line
            return self._block.mask_rows([line])[0] if self._block else line
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
