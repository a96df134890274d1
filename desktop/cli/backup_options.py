"""The backup options `lifeboat backup` and `lifeboat schedule add` share (CLI.md; their flags: parser.py)."""
from desktop.core.format.manifest import BackupOptions


def from_args(args) -> BackupOptions:
    return BackupOptions(
        format=args.format, schema_only=args.schema_only, data_only=args.data_only,
        tables=args.table, exclude_tables=args.exclude_table, no_owner=args.no_owner,
        no_acl=args.no_acl, jobs=args.jobs,
    )
