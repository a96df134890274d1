"""Export one table of a backup as CSV, JSON or JSON Lines, without restoring it.

Rows stream from the backup to the file (memory stays flat whatever the
table's size) in primary-key order where the key's order can be reproduced
(preview.py says when), through an external merge sort (sorting.py);
otherwise in the order the backup holds them. The file is written atomically
(durable.AtomicFile): a cancelled or failed export leaves no half file.
copy_text.py says how values are written in each format.
"""
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from desktop.core.durable import AtomicFile
from desktop.core.errors import DestinationError, UsageError
from desktop.core.inspect.archive import Reading
from desktop.core.inspect.contents import Contents, contents_of
from desktop.core.inspect.copy_text import EXPORT_FORMATS, csv_line, is_number_type, json_converter, json_row
from desktop.core.inspect.preview import AS_STORED, BY_KEY, Unorderable, in_column_order, row_key
from desktop.core.inspect.sorting import sorted_by_key
from desktop.core.inspect.table_data import known_columns, table_lines
from desktop.core.open_backup import check_identity, open_backup
from desktop.core.postgres.copy_format import decode_row
from desktop.core.progress import CancelToken, ProgressCallback, ProgressTracker, ignore_progress
from desktop.core.workspace import Workspace


@dataclass
class TableExport:
    table: str
    path: Path
    rows: int
    format: str
    order: str  # preview.BY_KEY or preview.AS_STORED


class _TextSink:
    """Text into an AtomicFile as UTF-8, in blocks of about 1 MiB."""

    def __init__(self, target: AtomicFile):
        self._target, self._parts, self._size = target, [], 0

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)
        if self._size >= 1 << 20:
            self.flush()

    def flush(self) -> None:
        self._target.write("".join(self._parts).encode("utf-8"))
        self._parts, self._size = [], 0


class _Writer:
    def __init__(self, text: _TextSink, fmt: str, columns: list[str], types: list[str], guard: bool):
        self._text, self._fmt, self._columns = text, fmt, columns
        self._guards = [guard and not is_number_type(kind) for kind in types]
        self._converters = [json_converter(kind) for kind in types]
        self.rows = 0
        if fmt == "csv":
            text.write(csv_line(columns, [guard] * len(columns)))
        elif fmt == "json":
            text.write("[")

    def row(self, values) -> None:
        if self._fmt == "csv":
            self._text.write(csv_line(values, self._guards))
        else:
            item = json.dumps(json_row(self._columns, values, self._converters), ensure_ascii=False)
            if self._fmt == "json":
                item = ("\n" if self.rows == 0 else ",\n") + item
            self._text.write(item if self._fmt == "json" else item + "\n")
        self.rows += 1

    def close(self) -> None:
        if self._fmt == "json":
            self._text.write("\n]\n" if self.rows else "]\n")
        self._text.flush()


def export_table(ws: Workspace, id_or_file: str, table: str, fmt: str, out: Path,
                 report: ProgressCallback = ignore_progress, cancel: Optional[CancelToken] = None,
                 contents: Optional[Contents] = None, spreadsheet_guard: bool = True) -> TableExport:
    """`spreadsheet_guard=False` writes text cells exactly as COPY would (for a program, not a spreadsheet)."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"Export as one of {', '.join(EXPORT_FORMATS)}, not {fmt}.")
    out = Path(out)
    if out.exists():
        raise DestinationError(f"{out} already exists. Choose a new name; Lifeboat does not overwrite files.")
    cancel, tracker = cancel or CancelToken(), ProgressTracker(report)
    opened = open_backup(ws, id_or_file)
    check_identity(opened)
    tracker.update(phase="Reading the backup's contents")
    contents = contents or contents_of(ws, opened, cancel)
    shape = contents.table(table)
    job = _Export(ws, opened, contents, shape, fmt, spreadsheet_guard, tracker, cancel)
    key = row_key(shape, job.columns)
    if key is not None:
        try:
            return job.write(out, key)
        except Unorderable:
            pass  # a key value Python cannot order like PostgreSQL (infinity, a BC date): as stored
    return job.write(out, None)


@dataclass
class _Export:
    ws: Workspace
    opened: object
    contents: Contents
    shape: object
    fmt: str
    guard: bool
    tracker: ProgressTracker
    cancel: CancelToken

    @property
    def columns(self) -> list[str]:
        return [c.name for c in self.shape.columns if not c.generated]

    def _rows(self, lines) -> Iterator[list]:
        for block_columns, line in lines:
            yield in_column_order(decode_row(line, self.contents.encoding), block_columns, self.columns)

    def write(self, out: Path, key) -> TableExport:
        self.tracker.update(phase=f"Exporting {self.shape.key}", total=self.shape.rows, done=0)
        with AtomicFile(out) as target:
            with table_lines(self.ws, self.opened, self.contents, self.shape, Reading(), self.cancel) as lines:
                rows = self._rows(known_columns(self.shape, lines))
                types = [c.type for c in self.shape.columns if not c.generated]
                writer = _Writer(_TextSink(target), self.fmt, self.columns, types, self.guard)
                for values in sorted_by_key(rows, key, self.ws.paths.staging_dir) if key else rows:
                    writer.row(values)
                    if writer.rows % 10000 == 0:
                        self.cancel.raise_if_cancelled()
                        self.tracker.update(done=writer.rows)
            writer.close()
            target.commit()
        return TableExport(self.shape.key, out, writer.rows, self.fmt, BY_KEY if key else AS_STORED)
