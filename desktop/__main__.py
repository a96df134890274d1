"""`python -m desktop` and the `lifeboat` command: the window by default, the CLI with a subcommand."""
import sys
from collections.abc import Sequence
from typing import Optional

from desktop.cli import main as cli


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in ([], ["--demo"]):
        from desktop.ui.app import run_gui  # Qt loads only for the window

        return run_gui(demo=bool(args))
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main())
