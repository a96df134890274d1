"""File and folder choosers that open where the person last went for the same
purpose, or somewhere sensible the first time (never Lifeboat's working folder).

Exports and imports start on the first external drive when one is plugged in;
everything else in the home folder. The last folder per purpose is kept with
the window's settings (config_dir/window.ini), so LIFEBOAT_HOME keeps it private.
"""
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QSettings, QStorageInfo
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop.core.workspace import Workspace

# Where desktops mount removable and external drives (udisks, macOS, the usual /mnt).
EXTERNAL_ROOTS = ("/media/", "/run/media/", "/mnt/", "/Volumes/")
_ON_A_DRIVE = ("export", "import")


def external_drives() -> list[QStorageInfo]:
    """Mounted drives a person would plug in: under the removable-media folders, or
    another drive letter on Windows; never the system drive."""
    system = QStorageInfo.root().rootPath()
    found = []
    for volume in QStorageInfo.mountedVolumes():
        root = volume.rootPath()
        if not (volume.isValid() and volume.isReady()) or volume.isReadOnly() or root == system:
            continue
        if root.startswith(EXTERNAL_ROOTS) or (len(root) <= 3 and root[1:2] == ":"):
            found.append(volume)
    return found


def start_folder(ws: Workspace, purpose: str) -> str:
    last = _settings(ws).value(f"folders/{purpose}", "", str)
    if last and Path(last).is_dir():
        return last
    if purpose in _ON_A_DRIVE:
        drives = external_drives()
        if drives:
            return drives[0].rootPath()
    return str(Path.home())


def remember_folder(ws: Workspace, purpose: str, chosen: str) -> None:
    path = Path(chosen)
    _settings(ws).setValue(f"folders/{purpose}", str(path if path.is_dir() else path.parent))


def choose_folder(parent: QWidget, ws: Workspace, purpose: str, title: str) -> Optional[str]:
    chosen = QFileDialog.getExistingDirectory(parent, title, start_folder(ws, purpose))
    return _kept(ws, purpose, chosen)


def choose_file_to_open(parent: QWidget, ws: Workspace, purpose: str, title: str, filter: str) -> Optional[str]:
    chosen, _ = QFileDialog.getOpenFileName(parent, title, start_folder(ws, purpose), filter)
    return _kept(ws, purpose, chosen)


def choose_file_to_save(parent: QWidget, ws: Workspace, purpose: str, title: str, name: str,
                        filter: str = "") -> Optional[str]:
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(Path(start_folder(ws, purpose)) / name), filter)
    return _kept(ws, purpose, chosen)


def _kept(ws: Workspace, purpose: str, chosen: str) -> Optional[str]:
    if not chosen:
        return None
    remember_folder(ws, purpose, chosen)
    return chosen


def _settings(ws: Workspace) -> QSettings:
    return QSettings(str(ws.paths.config_dir / "window.ini"), QSettings.Format.IniFormat)
