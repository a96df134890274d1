"""The app's icon, from wherever the resources are (core.resources)."""
from PySide6.QtGui import QIcon

from desktop.core.resources import resources_dir


def app_icon() -> QIcon:
    return QIcon(str(resources_dir() / "icons" / "lifeboat.svg"))
