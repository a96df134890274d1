"""How to start this same Lifeboat again, as a new process: the packaged
executable, or this Python running the `desktop` package."""
import sys


def lifeboat_command() -> list[str]:
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: its executable is Lifeboat itself
        return [sys.executable]
    return [sys.executable, "-m", "desktop"]
