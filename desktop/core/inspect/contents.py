"""What a backup holds, read from its own table of contents, without restoring it.

- custom: `pg_restore --list` on the decrypted stream, then `pg_restore -L`
  (that list without its data entries) `--file=-` for the definitions; both
  read only the start of the file, where pg_dump puts the table of contents.
- directory: the stored tar stream is read once to take out toc.dat (it comes
  last) and to measure each table's data file; pg_restore then reads toc.dat.
- plain: the script is read once; its entry comments and statements say the
  same, and each table's COPY data is measured on the way.

Row counts come from the backup's manifest (counted in the dump's snapshot).
"""
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from desktop.core.errors import UnknownTable
from desktop.core.format.pipeline import cancellable
from desktop.core.inspect.archive import Reading, archive_tools, directory_toc, run_listing, tool_lines
from desktop.core.inspect.script import Entry, ScriptReader, TableShape
from desktop.core.open_backup import OpenedBackup, check_identity, open_backup, plaintext
from desktop.core.postgres.snapshot import split_table_key
from desktop.core.progress import CancelToken
from desktop.core.scratch import job_folder
from desktop.core.workspace import Workspace

# `pg_restore --list`: "dumpId; tableoid oid TYPE schema name owner".
_DATA_ENTRY = re.compile(r"^(\d+); \d+ \d+ (TABLE DATA|BLOBS) (.*)$")
_KINDS = {"views": ("VIEW",), "materialized_views": ("MATERIALIZED VIEW",),
          "functions": ("FUNCTION", "PROCEDURE", "AGGREGATE"), "sequences": ("SEQUENCE",),
          "extensions": ("EXTENSION",)}


@dataclass
class Contents:
    backup_id: str
    format: str
    tables: list[TableShape]
    entries: list[Entry] = field(repr=False, default_factory=list)
    large_objects: int = 0
    encoding: str = "utf-8"
    reading: Reading = field(default_factory=Reading)
    data_files: dict[str, str] = field(default_factory=dict)  # directory format: table key -> dump id

    @property
    def schemas(self) -> list[str]:
        named = {e.name for e in self.entries if e.kind == "SCHEMA"}
        return sorted(named | {e.schema for e in self.entries if e.schema and not e.data})

    def objects(self, group: str) -> list[Entry]:
        kinds = _KINDS[group]
        return sorted((e for e in self.entries if e.kind in kinds and not e.data),
                      key=lambda e: (e.schema, e.name))

    def table(self, text: str) -> TableShape:
        """The table `text` names: `schema.table` as format('%I.%I') writes it, or a unique bare name."""
        found = [t for t in self.tables if t.key == text]
        if not found:
            schema, name = split_table_key(text)
            found = [t for t in self.tables if t.name == name and schema in ("", t.schema)]
        if len(found) == 1:
            return found[0]
        if found:
            raise UnknownTable(f"More than one table in backup {self.backup_id} is called {text}: "
                               f"{', '.join(t.key for t in found)}. Give the schema too, for example {found[0].key}.")
        raise UnknownTable(f"Backup {self.backup_id} holds no table {text}. "
                           f"`lifeboat show {self.backup_id} --contents` lists its tables.")

    def to_json(self) -> dict:
        tables = []
        for shape in self.tables:
            item = {"table": shape.key, **asdict(shape)}
            del item["key"]
            tables.append(item)
        data = {"backup_id": self.backup_id, "format": self.format, "schemas": self.schemas, "tables": tables}
        for group in _KINDS:
            data[group] = [{"schema": e.schema or None, "name": e.name, "owner": e.owner}
                           for e in self.objects(group)]
        data["large_objects"] = self.large_objects
        data["read"] = {"bytes": self.reading.bytes_read, "passes": self.reading.passes}
        return data


def read_contents(ws: Workspace, id_or_file: str, cancel: Optional[CancelToken] = None) -> Contents:
    opened = open_backup(ws, id_or_file)
    check_identity(opened)
    return contents_of(ws, opened, cancel or CancelToken())


def contents_of(ws: Workspace, opened: OpenedBackup, cancel: CancelToken) -> Contents:
    reader, reading = ScriptReader(), Reading()
    fmt = opened.manifest.format
    if fmt == "plain":
        with plaintext(opened, reading.counter()) as (blocks, _):
            reader.feed_blocks(cancellable(blocks, cancel))
        sizes, data_files = dict(reader.data_bytes), {}
    elif fmt == "directory":
        sizes, data_files = _read_directory(ws, opened, reader, reading, cancel)
    else:
        _read_custom(ws, opened, reader, reading, cancel)
        sizes, data_files = {}, {}
    reader.finish()
    manifest = opened.manifest
    for key in manifest.row_counts:
        if key not in reader.tables:  # a data-only backup: its tables are not defined in it
            schema, name = split_table_key(key)
            reader.tables[key] = TableShape(key, schema, name)
    for shape in reader.tables.values():
        shape.rows = manifest.row_counts.get(shape.key)
        shape.data_bytes = sizes.get(shape.key)
    tables = sorted(reader.tables.values(), key=lambda t: (t.schema, t.name))
    _count_partitioned(tables)
    return Contents(manifest.backup_id, fmt, tables, reader.entries, reader.large_objects, reader.encoding, reading,
                    data_files)


def _count_partitioned(tables: list[TableShape]) -> None:
    """A partitioned table holds its partitions' rows and data (the manifest counts the partitions)."""
    by_key = {t.key: t for t in tables}

    def total(shape: TableShape, field_name: str) -> Optional[int]:
        if not shape.partitions:
            return getattr(shape, field_name)
        counts = [total(by_key[child], field_name) for child in shape.partitions if child in by_key]
        return None if None in counts else sum(counts)

    for shape in tables:
        if shape.partitions:
            shape.rows = shape.rows if shape.rows is not None else total(shape, "rows")
            shape.data_bytes = total(shape, "data_bytes")


def _read_custom(ws, opened, reader: ScriptReader, reading: Reading, cancel: CancelToken) -> None:
    tools = archive_tools(ws, opened)
    with tool_lines(opened, [tools.pg_restore, "--list"], reading, cancel) as lines:
        listing = [line.decode("utf-8", "replace") for line in lines]
    with _definitions_list(ws, listing) as list_file:
        with tool_lines(opened, [tools.pg_restore, f"--use-list={list_file}", "--file=-"], reading, cancel) as lines:
            for line in lines:
                reader.feed(line)


def _read_directory(ws, opened, reader: ScriptReader, reading: Reading, cancel: CancelToken,
                    ) -> tuple[dict[str, int], dict[str, str]]:
    tools = archive_tools(ws, opened)
    with directory_toc(ws, opened, reading, cancel) as (folder, file_sizes):
        listing = [line.decode("utf-8", "replace") for line in run_listing([tools.pg_restore, "--list", folder])]
        with _definitions_list(ws, listing) as list_file:
            for line in run_listing([tools.pg_restore, f"--use-list={list_file}", "--file=-", folder]):
                reader.feed(line)
    reader.finish()  # the tables' names, for matching the listing's data entries
    data_files = data_entries(listing, reader)
    sizes = {key: file_sizes[f"{dump_id}.dat"] for key, dump_id in data_files.items() if f"{dump_id}.dat" in file_sizes}
    return sizes, data_files


def data_entries(listing: list[str], reader: ScriptReader) -> dict[str, str]:
    """Table key -> the dump id of its data entry. The listing prints names unquoted
    ("Sales Dept Order Items owner"), so each is matched against the tables the script named."""
    # Longest first: "public a b owner" is the table "a b", not "a".
    by_text = sorted(((f"{t.schema} {t.name} ", t.key) for t in reader.tables.values()),
                     key=lambda pair: -len(pair[0]))
    found = {}
    for line in listing:
        match = _DATA_ENTRY.match(line)
        if match and match.group(2) == "TABLE DATA":
            key = next((key for text, key in by_text if match.group(3).startswith(text)), None)
            if key:
                found[key] = match.group(1)
    return found


@contextmanager
def _definitions_list(ws: Workspace, listing: list[str]) -> Iterator[Path]:
    """The listing without data entries, in a private file pg_restore -L reads (no rows in it)."""
    ws.paths.staging_dir.mkdir(parents=True, exist_ok=True)
    with job_folder(ws.paths.staging_dir) as folder:
        path = Path(folder) / "definitions.list"
        kept = [line for line in listing if not _DATA_ENTRY.match(line)]
        path.write_text("\n".join(kept) + "\n", encoding="utf-8")
        yield path
