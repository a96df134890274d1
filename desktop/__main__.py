"""`python -m desktop` and the `lifeboat` command: the window by default, the CLI with a subcommand."""
import sys
from typing import Optional, Sequence

from . import cli


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in ([], ["--demo"]):
        from .ui.app import run_gui  # Qt loads only for the window

        return run_gui(demo=bool(args))
    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main())
