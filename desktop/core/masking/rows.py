"""Masking the rows of one COPY block, a chunk of rows at a time.

Split into lines once, each line split only up to its last masked field;
the fields after it stay joined. A field's fake is remembered per column
(an LRU of _CACHE entries, in C: a repeat costs a dictionary look-up),
since names, cities and the like repeat; after _PROBE rows a column whose
values hardly repeat (e-mails, keys, JSON documents) goes without, since a
miss costs more than a repeat saves.
"""
from collections.abc import Callable
from functools import lru_cache
from typing import Optional

from desktop.core.masking.keyed import remembering
from desktop.core.masking.plan import Mask, MaskPlan
from desktop.core.masking.rules import JsonText, replace_json_values
from desktop.core.postgres.copy_format import NULL, decode_field, encode_field

_CACHE = 200_000
_PROBE = 20_000


def _field_mask(mask: Mask) -> Callable[[bytes], bytes]:
    """`mask` on one COPY field, as it is written in the stream."""
    def masked(raw: bytes) -> bytes:
        return encode_field(mask(None if raw == NULL else decode_field(raw)))
    return _json_field(mask, masked) if isinstance(mask, JsonText) else lru_cache(maxsize=_CACHE)(masked)


def _json_field(mask: JsonText, masked: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    """A JSON field without a backslash (no COPY escape, no JSON escape: nearly all) has its strings
    replaced in its bytes, without decoding and encoding the whole document; the same fakes."""
    lorem_of = remembering(lambda text: mask.lorem_of(text.decode("utf-8", "surrogateescape")).encode("utf-8"))

    def field(raw: bytes) -> bytes:
        return masked(raw) if raw == NULL or b"\\" in raw else replace_json_values(raw, lorem_of)
    return field


class RowMasker:
    """Which fields of a table's rows go through which mask."""

    def __init__(self, positions: list[tuple[int, Mask]]):
        self.positions = [(i, _field_mask(mask)) for i, mask in positions]
        self.splits = max(i for i, _ in positions) + 1
        self._seen = 0
        self._judged = False

    def mask_rows(self, lines: list[bytes]) -> list[bytes]:
        """The lines (rows without their newline) masked, in place."""
        positions, splits = self.positions, self.splits
        for n, line in enumerate(lines):
            fields = line.split(b"\t", splits)
            for i, masked in positions:
                fields[i] = masked(fields[i])
            lines[n] = b"\t".join(fields)
        self._seen += len(lines)
        if self._seen >= _PROBE and not self._judged:
            self._judge_caches()
        return lines

    def mask_chunk(self, rows: bytes) -> bytes:
        """Whole rows, each ending in a newline, masked."""
        return b"\n".join(self.mask_rows(rows[:-1].split(b"\n"))) + b"\n"

    def _judge_caches(self) -> None:
        """Keeps a column's cache where at least 1 look-up in 5 was a repeat."""
        self._judged = True
        kept = []
        for i, masked in self.positions:
            hits, misses = masked.cache_info()[:2] if hasattr(masked, "cache_info") else (1, 0)
            kept.append((i, masked if hits * 5 >= hits + misses else masked.__wrapped__))
        self.positions = kept


def masked_columns(plan: MaskPlan, root: tuple[str, str], columns: list[str]) -> list[str]:
    masks = plan.masks.get(root, {})
    return [c for c in columns if c in masks]


def row_masker(plan: MaskPlan, root: tuple[str, str], columns: list[str]) -> Optional[RowMasker]:
    """The masker of a COPY block's rows; None when none of its columns is masked."""
    masks = plan.masks.get(root, {})
    positions = [(i, masks[c]) for i, c in enumerate(columns) if c in masks]
    return RowMasker(positions) if positions else None
