"""One table's rows streamed out of a backup, and nothing more read than needed.

- custom: `pg_restore --data-only --schema=S --table=T --file=-`, fed the
  decrypted stream; its COPY block is read and the tool is stopped once
  every wanted block has ended (or the reader has enough rows).
- plain: the script itself, read up to the end of the table's COPY block.
- directory: the table's data file in the stored tar stream (its name, the
  dump id, comes from the table of contents, read in a first pass).

A partitioned table's rows are those of its partitions, read in turn.
Yielded: (the COPY block's column names, one COPY text line).
"""
import gzip
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Optional

from desktop.core.format.pipeline import BLOCK
from desktop.core.inspect.archive import Reading, archive_tools, lines_of, tar_members, tool_lines
from desktop.core.inspect.contents import Contents
from desktop.core.inspect.script import COPY_END, Column, TableShape, copy_target
from desktop.core.open_backup import OpenedBackup, plaintext
from desktop.core.progress import CancelToken
from desktop.core.workspace import Workspace

RowLine = tuple[list[str], bytes]


def leaf_tables(contents: Contents, shape: TableShape) -> list[TableShape]:
    """The tables that hold `shape`'s rows: itself, or its partitions' (to any depth)."""
    if not shape.partitions:
        return [shape]
    by_key = {t.key: t for t in contents.tables}
    return [leaf for child in shape.partitions if child in by_key for leaf in leaf_tables(contents, by_key[child])]


def copy_blocks(lines: Iterator[bytes], wanted: set[str], encoding: str) -> Iterator[RowLine]:
    """The rows of the wanted tables' COPY blocks in a script; ends after the last of them."""
    block: Optional[list[str]] = None
    keep, left = False, set(wanted)
    for line in lines:
        if block is not None:
            if line == COPY_END:
                block = None
                if not left:
                    return
            elif keep:
                yield block, line
            continue
        if line.startswith(b"COPY "):
            target = copy_target(line.decode(encoding, "replace"))
            if target:
                block, keep = target[1], target[0] in left
                left.discard(target[0])


@contextmanager
def table_lines(ws: Workspace, opened: OpenedBackup, contents: Contents, shape: TableShape,
                reading: Reading, cancel: CancelToken) -> Iterator[Iterator[RowLine]]:
    leaves = leaf_tables(contents, shape)
    wanted = {leaf.key for leaf in leaves}
    fmt = opened.manifest.format
    if not wanted:
        yield iter(())
    elif fmt == "plain":
        with plaintext(opened, reading.counter()) as (blocks, _):
            yield copy_blocks(_cancellable(lines_of(blocks), cancel), wanted, contents.encoding)
    elif fmt == "directory":
        with tar_members(opened, reading, cancel) as archive:
            yield _directory_rows(archive, contents, leaves)
    else:
        tools = archive_tools(ws, opened)
        argv = [tools.pg_restore, "--data-only", "--file=-",
                *sorted({f"--schema={leaf.schema}" for leaf in leaves}),
                *sorted({f"--table={leaf.name}" for leaf in leaves})]
        with tool_lines(opened, argv, reading, cancel) as lines:
            yield copy_blocks(lines, wanted, contents.encoding)


def known_columns(shape: TableShape, lines: Iterator[RowLine]) -> Iterator[RowLine]:
    """`lines`, once `shape` has columns: a data-only backup defines no tables,
    so their columns (types unknown) are those its first COPY block names."""
    lines = iter(lines)
    first = next(lines, None)
    if first is None:
        return iter(())
    if not shape.columns:
        shape.columns = [Column(name, "") for name in first[0]]
    return itertools.chain([first], lines)


def _cancellable(lines: Iterator[bytes], cancel: CancelToken) -> Iterator[bytes]:
    for number, line in enumerate(lines):
        if number % 4096 == 0:
            cancel.raise_if_cancelled()
        yield line


def _directory_rows(archive, contents: Contents, leaves: list[TableShape]) -> Iterator[RowLine]:
    files = {contents.data_files[leaf.key]: leaf for leaf in leaves if leaf.key in contents.data_files}
    for member in archive:
        stem, _, suffix = member.name.partition(".")
        leaf = files.pop(stem, None)
        if leaf is None:
            continue
        columns = [c.name for c in leaf.columns if not c.generated]
        stream = archive.extractfile(member)
        if suffix == "dat.gz":
            stream = gzip.GzipFile(fileobj=stream)
        for line in lines_of(iter(partial(stream.read, BLOCK), b"")):
            if line == COPY_END:
                break
            yield columns, line
        if not files:
            return
