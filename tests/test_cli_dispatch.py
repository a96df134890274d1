"""The command line imports a command's module only when that command runs
(desktop/cli/main.py), so a command without a handler, or a handler module
that fails to import, would otherwise show only when someone runs it."""
import argparse
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import desktop.cli
from desktop.cli.main import _handler
from desktop.cli.parser import build_parser
from tests.test_architecture import imports_of

REPO = Path(__file__).resolve().parents[1]
HANDLER_MODULES = {module.name for module in pkgutil.iter_modules(desktop.cli.__path__, "desktop.cli.")
                   if hasattr(importlib.import_module(module.name), "COMMANDS")}


def test_every_command_runs_in_the_module_main_imports_for_it():
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    handled = {}
    for name in HANDLER_MODULES:
        handled.update(importlib.import_module(name).COMMANDS)
    assert set(handled) == set(commands)
    for command, function in handled.items():
        assert _handler(command) is function, command


def test_the_packaged_app_finds_every_handler_module():
    # PyInstaller bundles what import statements name; an importlib call it would miss.
    assert HANDLER_MODULES <= imports_of("desktop.cli.main")


def test_starting_loads_no_command_module():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, desktop.cli.main; "
                               "print(*sorted(m for m in sys.modules if m.startswith('desktop.cli')))"],
        cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert loaded == ["desktop.cli", "desktop.cli.main", "desktop.cli.parser"]


def test_reading_the_catalog_loads_no_database_driver():
    # `list --json` is what scripts call most: its start is mostly imports (issue 15: <= 0.5 s).
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, desktop.cli.main, desktop.cli.catalog; "
                               "print(*sorted(m.split('.')[0] for m in sys.modules))"],
        cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert "psycopg" not in loaded and "PySide6" not in loaded
