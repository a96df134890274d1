"""`python -m desktop` and the `lifeboat` command: the GUI by default, the CLI with a subcommand."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
