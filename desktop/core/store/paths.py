"""Where Lifeboat keeps its state.

LIFEBOAT_HOME=DIR puts everything (config, catalog, default backup folder,
logs) under DIR; otherwise the platform's per-user folders (platformdirs).

All of it is private to the user: folders 0700 and files 0600 (a
catalog and a log readable by every account on the machine would say which
databases exist, where, and when). `ensure()` also tightens what an older
version created more open. On Windows the per-user folders' inherited ACL
already keeps other accounts out; chmod there only sets the read-only bit.
"""
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktop.core.errors import LifeboatError

APP_NAME = "Lifeboat"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    backups_dir: Path
    log_dir: Path
    home: Path | None = None  # LIFEBOAT_HOME, when set

    @property
    def profiles_file(self) -> Path:
        return self.config_dir / "profiles.json"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def catalog_file(self) -> Path:
        return self.data_dir / "catalog.sqlite3"

    @property
    def audit_file(self) -> Path:
        """The activity log (audit_log.py): append-only JSON lines, hash-chained."""
        return self.data_dir / "audit.jsonl"

    @property
    def staging_dir(self) -> Path:
        """Private scratch space (0700) for the few steps that need a file."""
        return self.data_dir / "staging"

    @property
    def private_dir(self) -> Path:
        """Where the PostgreSQL tools' password file goes when no memory-only file exists."""
        return self.data_dir / "private"

    def ensure(self) -> "AppPaths":
        if self.home is not None:
            _private_folder(self.home)
        for folder in (self.config_dir, self.data_dir, self.backups_dir, self.log_dir,
                       self.staging_dir, self.private_dir):
            _private_folder(folder)
        for folder in (self.config_dir, self.data_dir, self.log_dir):
            _tighten(folder)
        return self


def folder_in_the_way(exc: OSError) -> LifeboatError:
    """The error for a folder Lifeboat needs that is a file (mkdir: FileExistsError, NotADirectoryError)."""
    path = Path(exc.filename or ".")
    # mkdir names the folder it wanted; the culprit is the nearest part of that path that is a file.
    culprit = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), path)
    return LifeboatError(
        f"Lifeboat keeps its files in the folder {culprit}, but there is a file of that name in the way. "
        "Rename or move that file (or set LIFEBOAT_HOME to another folder), then start Lifeboat again.",
        detail=repr(exc),
    )


def _private_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _chmod(folder, 0o700)


def _chmod(path: Path, wanted: int) -> None:
    """Only when needed, so a read-only disk still opens (and then says it is read-only)."""
    if os.name == "nt" or path.is_symlink():
        return
    try:
        if stat.S_IMODE(path.stat().st_mode) != wanted:
            os.chmod(path, wanted)
    except OSError:
        pass  # gone meanwhile (a rotated log), a read-only disk, or not ours


def _tighten(folder: Path) -> None:
    """Files 0600 and folders 0700 below `folder` (backup files are made 0600 already)."""
    if os.name == "nt":
        return
    for entry in folder.rglob("*"):
        _chmod(entry, 0o700 if entry.is_dir() else 0o600)


def app_paths(environ=os.environ) -> AppPaths:
    home = environ.get("LIFEBOAT_HOME")
    if home:
        root = Path(home).expanduser().resolve()
        return AppPaths(
            config_dir=root / "config",
            data_dir=root / "data",
            backups_dir=root / "backups",
            log_dir=root / "logs",
            home=root,
        )
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return AppPaths(
        config_dir=Path(dirs.user_config_dir),
        data_dir=Path(dirs.user_data_dir),
        backups_dir=Path(dirs.user_documents_dir) / "Lifeboat Backups",
        log_dir=Path(dirs.user_log_dir),
    )
