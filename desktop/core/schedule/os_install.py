"""Registering a schedule with the operating system's scheduler, and removing it.

Linux: the systemd user timer and service are always written (atomically,
under $XDG_CONFIG_HOME/systemd/user) and checked with `systemd-analyze
verify` where it exists; they are enabled when a systemd user manager runs
for this user (its socket in $XDG_RUNTIME_DIR). Without one, a crontab line
marked with the schedule's id does the waking. Windows: a Task Scheduler
task from XML (schtasks). macOS: a launchd agent in ~/Library/LaunchAgents.
"""
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import tzlocal

from desktop.core.durable import replace_file
from desktop.core.errors import LifeboatError
from desktop.core.schedule import os_files
from desktop.core.schedule.status import schedule_zone
from desktop.core.store.schedules import Schedule
from desktop.core.workspace import Workspace

log = logging.getLogger("lifeboat.schedule")
_NO_SCHEDULER = ("No scheduler runs for this user here (no systemd user session, no crontab), so nothing starts "
                 "the backups yet: have `lifeboat schedule run-due` run regularly, or install cron.")


@dataclass(frozen=True)
class Registration:
    route: str    # "systemd", "cron", "windows", "launchd" or "none"
    where: str    # in words: the files or the crontab line
    note: str = ""


def register(ws: Workspace, schedule: Schedule) -> Registration:
    if sys.platform == "win32":
        return _register_windows(ws, schedule)
    if sys.platform == "darwin":
        return _register_launchd(schedule)
    return _register_linux(ws, schedule)


def describe(ws: Workspace, schedule: Schedule) -> Registration:
    """What wakes this schedule now, in words (no change made)."""
    name = os_files.unit_name(schedule)
    if sys.platform == "win32":
        return Registration("windows", f"the Task Scheduler task \\Lifeboat\\{name}")
    if sys.platform == "darwin":
        return Registration("launchd", f"the launchd agent {os_files.launchd_label(schedule)}")
    if user_systemd_running():
        return Registration("systemd", f"the systemd user timer {name}.timer ({systemd_user_dir()})")
    if shutil.which("crontab") and len(_crontab_without(schedule.id)) < len(_crontab_lines()):
        return Registration("cron", "a line in your crontab (`crontab -l` shows it)")
    return Registration("none", f"the timer files in {systemd_user_dir()}", note=_NO_SCHEDULER)


def unregister(ws: Workspace, schedule: Schedule) -> None:
    if sys.platform == "win32":
        _run(["schtasks", "/Delete", "/TN", f"\\Lifeboat\\{os_files.unit_name(schedule)}", "/F"], check=False)
        _task_file(ws, schedule).unlink(missing_ok=True)
    elif sys.platform == "darwin":
        path = _launch_agents() / f"{os_files.launchd_label(schedule)}.plist"
        _run(["launchctl", "unload", str(path)], check=False)
        path.unlink(missing_ok=True)
    else:
        _unregister_linux(schedule)


# --- Linux ----------------------------------------------------------------------
def systemd_user_dir(environ=os.environ) -> Path:
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def user_systemd_running(environ=os.environ) -> bool:
    runtime = environ.get("XDG_RUNTIME_DIR")
    return bool(runtime) and (Path(runtime) / "systemd" / "private").exists() and bool(shutil.which("systemctl"))


def write_systemd_units(schedule: Schedule, zone_name: str | None, unit_dir: Path) -> list[Path]:
    """Writes the timer and service atomically and checks them; on a fault nothing is left."""
    unit_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in os_files.systemd_units(schedule, zone_name).items():
        paths.append(unit_dir / name)
        replace_file(paths[-1], text.encode("utf-8"))
    try:
        verify_units(paths)
    except LifeboatError:
        for path in paths:
            path.unlink(missing_ok=True)
        raise
    return paths


def verify_units(paths: list[Path]) -> None:
    """`systemd-analyze verify` where installed. It exits 0 even for a line it
    ignores, so any complaint naming one of our files counts as a failure."""
    if not shutil.which("systemd-analyze"):
        log.info("systemd-analyze not found: unit files not checked")
        return
    result = _run(["systemd-analyze", "verify", *map(str, paths)], check=False)
    names = [path.name for path in paths]
    complaints = [line for line in (result.stdout + result.stderr).splitlines() if any(n in line for n in names)]
    if result.returncode != 0 or complaints:
        raise LifeboatError(
            "Lifeboat wrote a timer for this schedule that systemd does not accept, so the schedule was not "
            "added. Please report this, with the log file.",
            detail="\n".join(complaints) or result.stderr,
        )


def _register_linux(ws: Workspace, schedule: Schedule) -> Registration:
    zone = schedule_zone(ws.settings)
    paths = write_systemd_units(schedule, getattr(zone, "key", None), systemd_user_dir())
    timer = f"{os_files.unit_name(schedule)}.timer"
    if user_systemd_running():
        _run(["systemctl", "--user", "daemon-reload"])
        _run(["systemctl", "--user", "enable", "--now", timer])
        return Registration("systemd", f"the systemd user timer {timer} ({paths[1].parent})")
    if shutil.which("crontab"):
        line = os_files.cron_line(schedule, zone, tzlocal.get_localzone(), datetime.now(UTC), os.getuid())
        _write_crontab([*_crontab_without(schedule.id), line])
        return Registration("cron", "a line in your crontab (`crontab -l` shows it)")
    return Registration("none", f"the timer files in {paths[1].parent}", note=_NO_SCHEDULER)


def _unregister_linux(schedule: Schedule) -> None:
    timer = f"{os_files.unit_name(schedule)}.timer"
    if user_systemd_running():
        _run(["systemctl", "--user", "disable", "--now", timer], check=False)
    for name in os_files.systemd_units(schedule, None):
        (systemd_user_dir() / name).unlink(missing_ok=True)
    if user_systemd_running():
        _run(["systemctl", "--user", "daemon-reload"], check=False)
    if shutil.which("crontab"):
        lines = _crontab_lines()
        kept = _crontab_without(schedule.id, lines)
        if kept != lines:
            _write_crontab(kept)


def _crontab_lines() -> list[str]:
    result = _run(["crontab", "-l"], check=False)
    return result.stdout.splitlines() if result.returncode == 0 else []  # 1: "no crontab for user"


def _crontab_without(schedule_id: str, lines: list[str] | None = None) -> list[str]:
    lines = _crontab_lines() if lines is None else lines
    return [line for line in lines if not line.rstrip().endswith(f"{os_files.CRON_MARK}{schedule_id}")]


def _write_crontab(lines: list[str]) -> None:
    _run(["crontab", "-"], input="".join(f"{line}\n" for line in lines))


# --- Windows and macOS ---------------------------------------------------------------
def _task_file(ws: Workspace, schedule: Schedule) -> Path:
    return ws.paths.config_dir / "tasks" / f"{os_files.unit_name(schedule)}.xml"


def _register_windows(ws: Workspace, schedule: Schedule) -> Registration:
    path = _task_file(ws, schedule)
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, os_files.windows_task_xml(schedule, schedule_zone(ws.settings), datetime.now(UTC)))
    name = f"\\Lifeboat\\{os_files.unit_name(schedule)}"
    _run(["schtasks", "/Create", "/TN", name, "/XML", str(path), "/F"])
    return Registration("windows", f"the Task Scheduler task {name}")


def _launch_agents() -> Path:
    return Path.home() / "Library" / "LaunchAgents"


def _register_launchd(schedule: Schedule) -> Registration:
    path = _launch_agents() / f"{os_files.launchd_label(schedule)}.plist"
    path.parent.mkdir(parents=True, exist_ok=True)
    replace_file(path, os_files.launchd_plist(schedule))
    _run(["launchctl", "load", "-w", str(path)])
    return Registration("launchd", f"the launchd agent {path}")


def _run(argv: list[str], check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, input=input, timeout=60,
                                stdin=None if input is not None else subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        result = subprocess.CompletedProcess(argv, -1, "", repr(exc))
    if check and result.returncode != 0:
        raise LifeboatError(
            f"The system's scheduler refused Lifeboat's request ({argv[0]}), so the schedule is not active. "
            "The log file has the details.",
            detail=f"{' '.join(argv)} -> {result.returncode}: {result.stderr.strip()}",
        )
    return result
