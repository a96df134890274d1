"""Everything a job needs, opened once: paths, keyring, profiles, catalog, settings.

The CLI and the GUI each open one Workspace and pass it to the jobs.
"""
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from desktop.core.format import container as crypto
from desktop.core.scratch import clean_at_start
from desktop.core.store.audited import record_quietly
from desktop.core.store.catalog import Catalog
from desktop.core.store.installation import Installation
from desktop.core.store.logs import setup_logging
from desktop.core.store.paths import AppPaths, app_paths, folder_in_the_way
from desktop.core.store.profiles import ProfileStore
from desktop.core.store.schedules import ScheduleStore
from desktop.core.store.secret_store import Secrets
from desktop.core.store.settings import Settings, load_settings

log = logging.getLogger("lifeboat.workspace")


@dataclass
class Workspace:
    paths: AppPaths
    secrets: Secrets
    profiles: ProfileStore
    catalog: Catalog
    settings: Settings
    schedules: ScheduleStore

    @classmethod
    def open(cls, environ=os.environ, secrets: Secrets | None = None) -> "Workspace":
        try:
            paths = app_paths(environ).ensure()
        except (FileExistsError, NotADirectoryError) as exc:
            raise folder_in_the_way(exc) from exc
        setup_logging(paths)
        # First, as it may free the space the catalog needs: what a killed
        # job left (plaintext in staging, a password file).
        removed = clean_at_start(paths.staging_dir, paths.private_dir)
        # The keyring entries of this LIFEBOAT_HOME only (installation.py).
        secrets = (secrets or Secrets()).for_installation(Installation(paths))
        catalog = Catalog(paths.catalog_file)
        catalog.recover_interrupted()
        ws = cls(
            paths=paths,
            secrets=secrets,
            profiles=ProfileStore(paths, secrets),
            catalog=catalog,
            settings=load_settings(paths),
            schedules=ScheduleStore(paths),
        )
        if removed:
            _record_removal(ws, removed)
        return ws

    def tool_dirs(self) -> list[Path]:
        return [Path(self.settings.tools_dir)] if self.settings.tools_dir else []

    def keys(self, passphrase: str | None = None) -> crypto.Keys:
        """The keys this installation can open files with (never creates one)."""
        return crypto.Keys(installation_keys=self.secrets.all_installation_keys(), passphrase=passphrase)


def _record_removal(ws: Workspace, notes: list[str]) -> None:
    record_quietly(ws, "cleanup", message=" ".join(notes))
