"""Where Lifeboat keeps its state.

LIFEBOAT_HOME=DIR puts everything (config, catalog, default backup folder,
logs) under DIR; otherwise the platform's per-user folders (platformdirs).
"""
import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from .errors import LifeboatError

APP_NAME = "Lifeboat"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    backups_dir: Path
    log_dir: Path

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
        """The activity log (audit.py): append-only JSON lines, hash-chained."""
        return self.data_dir / "audit.jsonl"

    @property
    def staging_dir(self) -> Path:
        """Private scratch space (0700) for the few steps that need a file."""
        return self.data_dir / "staging"

    def ensure(self) -> "AppPaths":
        for folder in (self.config_dir, self.data_dir, self.backups_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.staging_dir.mkdir(mode=0o700, exist_ok=True)
        os.chmod(self.staging_dir, 0o700)
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


def app_paths(environ=os.environ) -> AppPaths:
    home = environ.get("LIFEBOAT_HOME")
    if home:
        root = Path(home).expanduser().resolve()
        return AppPaths(
            config_dir=root / "config",
            data_dir=root / "data",
            backups_dir=root / "backups",
            log_dir=root / "logs",
        )
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return AppPaths(
        config_dir=Path(dirs.user_config_dir),
        data_dir=Path(dirs.user_data_dir),
        backups_dir=Path(dirs.user_documents_dir) / "Lifeboat Backups",
        log_dir=Path(dirs.user_log_dir),
    )
