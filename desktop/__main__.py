"""`python -m desktop` and the `lifeboat` command: the window by default, the CLI with a subcommand."""
import gc
import os
import sys
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Optional

NO_DISPLAY = ("No display found: run Lifeboat from your desktop, or use the `lifeboat` commands "
              "(see `lifeboat --help`).")


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in ([], ["--demo"]):
        if no_display(os.environ, sys.platform):
            # Qt would abort with a message about its xcb plugin, which helps nobody.
            print(NO_DISPLAY, file=sys.stderr)
            return 1
        from desktop.ui.app import run_gui  # Qt loads only for the window

        return run_gui(demo=bool(args))
    return _command_line().main(args)


def _command_line() -> ModuleType:
    """desktop.cli.main, imported with the garbage collector off: its ~200
    modules would otherwise set off collections that walk everything made so
    far, again and again (30-40 ms of a command's start, measured when it was ~500). Frozen
    afterwards: what the imports made lives until the process ends, and no
    later collection need walk it, nor the last one at exit."""
    gc.disable()
    try:
        from desktop.cli import main as cli
    finally:
        gc.freeze()
        gc.enable()
    return cli


def no_display(environ: Mapping[str, str], platform: str) -> bool:
    """True on Linux and the BSDs with neither an X nor a Wayland display and
    no Qt platform chosen (QT_QPA_PLATFORM=offscreen is how tests run)."""
    if platform in ("win32", "darwin"):
        return False
    return not any(environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


if __name__ == "__main__":
    sys.exit(main())
