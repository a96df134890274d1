"""Typed errors. Each carries a message for the person at the screen and a
technical detail for the log.

A message says what happened and what to do next, in words an office worker
understands. The detail may hold tool output or exception text, but never a
password or a connection string that contains one: both are redacted here,
whatever the caller passed (a URL typed where a profile name belongs).
"""
from desktop.core.redact import redact


class LifeboatError(Exception):
    exit_code = 1
    # Set when a production write failed after its safety backup was taken:
    # the backup that puts the database back (jobs/undo.py).
    safety_backup_id: str | None = None

    def __init__(self, message: str, detail: str = ""):
        message, detail = redact(message), redact(detail)
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class UsageError(LifeboatError):
    """The request itself is wrong: unknown profile or backup, bad option."""

    exit_code = 2


class UnknownProfile(UsageError):
    pass


class UnknownBackup(UsageError):
    pass


class ProfileExists(UsageError):
    pass


class ProfileReadOnly(UsageError):
    """A write into a profile marked 'backups only'."""


class InvalidProfile(UsageError):
    pass


class KeyringUnavailable(LifeboatError):
    """No usable OS keyring, or it is locked."""


class CatalogNotWritable(LifeboatError):
    """The catalog's disk is full, read-only or failing; the catalog itself is left as it is."""


class InstallationKeyMissing(LifeboatError):
    """The keyring no longer holds the key this installation's backups are made with."""


class ConnectionFailed(LifeboatError):
    pass


class AuthenticationFailed(ConnectionFailed):
    pass


class ServerUnreachable(ConnectionFailed):
    pass


class DatabaseMissing(ConnectionFailed):
    pass


class ToolsNotFound(LifeboatError):
    pass


class ToolsTooOld(ToolsNotFound):
    pass


class DestinationError(LifeboatError):
    pass


class DestinationNotWritable(DestinationError):
    pass


class DiskFull(DestinationError):
    pass


class FileTooLargeForDrive(DestinationError):
    """The drive's filesystem (FAT32) cannot hold a file this large."""


class DumpFailed(LifeboatError):
    pass


class BackupStalled(DumpFailed):
    """The stall watchdog ended a backup that made no progress (Settings.stall_minutes)."""


class RestoreFailed(LifeboatError):
    pass


class RolesMissing(RestoreFailed):
    """The target server lacks roles the backup names, and the restore was asked to stop (--roles require)."""


class VerificationFailed(LifeboatError):
    """A restore finished but what is in the database differs from the backup."""


class ConfirmationRequired(LifeboatError):
    """A write into production without the typed database name."""


class LockWaitTimeout(LifeboatError):
    """Another program held a lock the job needed for longer than the wait limit (Settings)."""


class TablesWouldBeLost(ConfirmationRequired):
    """A sync would remove tables of the target that the person did not agree to lose."""


class Cancelled(LifeboatError):
    pass


class BackupFileError(LifeboatError):
    """Anything wrong with reading an encrypted backup file."""


class NotABackupFile(BackupFileError):
    pass


class UnsupportedFormat(BackupFileError):
    pass


class WrongKey(BackupFileError):
    """No key slot of the file opens with the keys this installation has."""


class WrongPassphrase(WrongKey):
    pass


class FileDamaged(BackupFileError):
    """Authentication failed inside the file: a changed, dropped or foreign chunk."""


class FileTruncated(FileDamaged):
    pass


class HeaderMismatch(FileDamaged):
    """The header does not belong to the chunks that follow it."""


class PartsIncomplete(BackupFileError):
    """A backup split into numbered parts lacks one, has one too many, or one is cut short."""


class MaskingRefused(LifeboatError):
    """A refresh with masking cannot go ahead: unreviewed columns, or a rule the column cannot take."""


class ClusterError(LifeboatError):
    """A local PostgreSQL cluster (the demo's, the tests') failed to start or to run SQL."""


class UnknownTable(UsageError):
    """A table name that the backup does not hold, or that names more than one of its tables."""
