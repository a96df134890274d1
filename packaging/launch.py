"""PyInstaller's entry script: desktop/__main__.py uses package-relative
imports, so the frozen app starts here and calls it as a module."""
import multiprocessing
import sys

from desktop.__main__ import main

if __name__ == "__main__":
    # The masking filter's worker processes ("spawn") start the frozen app again: this runs them.
    multiprocessing.freeze_support()
    sys.exit(main())
