"""Where the app's own files (icons, sample databases) are, in every kind of install.

`resources/` sits at the top of the source tree (the project's fixed
layout). A PyInstaller bundle copies it into its unpacked folder
(sys._MEIPASS; packaging/lifeboat.spec), and a source checkout or an
editable install (`pip install -e .`, what packaging/install-deps does)
finds it beside the `desktop` package. A plain wheel does not carry it:
LIFEBOAT_RESOURCES_DIR points at a copy kept elsewhere.
"""
import os
import sys
from pathlib import Path

_SOURCE_TREE = Path(__file__).resolve().parents[2] / "resources"


def resources_dir() -> Path:
    if os.environ.get("LIFEBOAT_RESOURCES_DIR"):
        return Path(os.environ["LIFEBOAT_RESOURCES_DIR"])
    bundled = getattr(sys, "_MEIPASS", None)
    if bundled:
        return Path(bundled) / "resources"
    return _SOURCE_TREE
