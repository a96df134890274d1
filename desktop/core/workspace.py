"""Everything a job needs, opened once: paths, keyring, profiles, catalog, settings.

The CLI and the GUI each open one Workspace and pass it to the jobs.
"""
import os
from dataclasses import dataclass
from pathlib import Path

from . import crypto
from .catalog import Catalog
from .leftovers import remove_leftovers
from .paths import AppPaths, app_paths
from .profiles import ProfileStore
from .secrets import Secrets
from .settings import Settings, load_settings


@dataclass
class Workspace:
    paths: AppPaths
    secrets: Secrets
    profiles: ProfileStore
    catalog: Catalog
    settings: Settings

    @classmethod
    def open(cls, environ=os.environ, secrets: Secrets | None = None) -> "Workspace":
        paths = app_paths(environ).ensure()
        secrets = secrets or Secrets()
        catalog = Catalog(paths.catalog_file)
        catalog.recover_interrupted()
        ws = cls(
            paths=paths,
            secrets=secrets,
            profiles=ProfileStore(paths, secrets),
            catalog=catalog,
            settings=load_settings(paths),
        )
        remove_leftovers(ws)  # what a killed test restore left: a private server, a scratch database
        return ws

    def tool_dirs(self) -> list[Path]:
        return [Path(self.settings.tools_dir)] if self.settings.tools_dir else []

    def keys(self, passphrase: str | None = None) -> crypto.Keys:
        """The keys this installation can open files with (never creates one)."""
        key = self.secrets.installation_key_if_present()
        return crypto.Keys(installation_keys=[key] if key else [], passphrase=passphrase)
