"""The backup options `lifeboat backup` and `lifeboat schedule add` share (CLI.md)."""
from pathlib import Path

from desktop.core.format.manifest import FORMATS, BackupOptions


def add_arguments(parser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="custom")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--schema-only", action="store_true")
    only.add_argument("--data-only", action="store_true")
    parser.add_argument("--table", action="append", default=[], metavar="PATTERN")
    parser.add_argument("--exclude-table", action="append", default=[], metavar="PATTERN")
    parser.add_argument("--no-owner", action="store_true")
    parser.add_argument("--no-acl", action="store_true")
    parser.add_argument("--dest", type=Path, metavar="DIR")
    parser.add_argument("--jobs", type=int, default=1)


def from_args(args) -> BackupOptions:
    return BackupOptions(
        format=args.format, schema_only=args.schema_only, data_only=args.data_only,
        tables=args.table, exclude_tables=args.exclude_table, no_owner=args.no_owner,
        no_acl=args.no_acl, jobs=args.jobs,
    )
