"""`python -m desktop` and the `lifeboat` command: the window by default, the CLI with a subcommand."""
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Optional

from desktop.cli import main as cli

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
    return cli.main(args)


def no_display(environ: Mapping[str, str], platform: str) -> bool:
    """True on Linux and the BSDs with neither an X nor a Wayland display and
    no Qt platform chosen (QT_QPA_PLATFORM=offscreen is how tests run)."""
    if platform in ("win32", "darwin"):
        return False
    return not any(environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


if __name__ == "__main__":
    sys.exit(main())
