"""Keeps tests away from the real user's scheduler: systemd user units go to a
temporary XDG_CONFIG_HOME, no systemd user manager is seen (XDG_RUNTIME_DIR
points at an empty folder), and `crontab` is a stand-in that keeps the table
in a file of the test, so adding a schedule never touches this machine's cron."""
import os
import stat
from pathlib import Path

FAKE_CRONTAB = """#!/bin/sh
# crontab -l prints the table (exit 1 when there is none); crontab - replaces it.
case "$1" in
  -l) if [ -f '{table}' ]; then cat '{table}'; else echo "no crontab for $(id -un)" >&2; exit 1; fi ;;
  -) cat > '{table}' ;;
  *) echo "crontab stand-in: unsupported $*" >&2; exit 2 ;;
esac
"""


def sandbox(root: Path, monkeypatch) -> Path:
    """Returns the file the stand-in crontab keeps the table in."""
    bin_dir = root / "bin"
    bin_dir.mkdir()
    table = root / "crontab.txt"
    script = bin_dir / "crontab"
    script.write_text(FAKE_CRONTAB.format(table=table))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    (root / "run").mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "xdg"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(root / "run"))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return table
