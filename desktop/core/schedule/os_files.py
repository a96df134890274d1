"""The files that make the operating system's scheduler run `lifeboat schedule run-due`.

One set per schedule, named after its id so removal finds it: a systemd user
timer + service (Linux), a crontab line (Linux without a running systemd),
a Task Scheduler XML task (Windows) and a launchd agent plist (macOS). They
only wake Lifeboat at the schedule's times; `run-due` itself decides what
is due, so a spare wake-up costs nothing and a missed one is caught up by
the next (systemd Persistent=true, Task Scheduler StartWhenAvailable).
"""
import os
import shlex
import sys
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Optional

from desktop.core.schedule.slots import next_run
from desktop.core.store.schedules import WEEKDAYS, Schedule

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
CRON_MARK = "# lifeboat-schedule "
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def unit_name(schedule: Schedule) -> str:
    return f"lifeboat-schedule-{schedule.id}"


def lifeboat_command() -> list[str]:
    """The absolute command that runs Lifeboat: the packaged program, or this Python with -m desktop."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "desktop"]


def run_due_command() -> list[str]:
    return [*lifeboat_command(), "schedule", "run-due"]


def home_environment() -> dict[str, str]:
    """LIFEBOAT_HOME, when this Lifeboat runs on one, so the scheduled run uses the same folder."""
    home = os.environ.get("LIFEBOAT_HOME")
    return {"LIFEBOAT_HOME": os.path.abspath(home)} if home else {}


def _hour_minute(schedule: Schedule) -> tuple[int, int]:
    hour, minute = schedule.at.split(":")  # validated as HH:MM (model.validate)
    return int(hour), int(minute)


# --- systemd ----------------------------------------------------------------
def on_calendar(schedule: Schedule, zone_name: Optional[str]) -> list[str]:
    hour, minute = _hour_minute(schedule)
    zone = f" {zone_name}" if zone_name else ""
    if schedule.every == "hourly":
        return [f"*-*-* *:{minute:02d}:00{zone}"]
    at = f"{hour:02d}:{minute:02d}:00{zone}"
    if schedule.every == "daily":
        return [f"*-*-* {at}"]
    if schedule.every == "weekly":
        return [f"{','.join(day.capitalize() for day in schedule.on)} *-*-* {at}"]
    day = int(schedule.on[0])
    # Day 29-31 runs on a shorter month's last day (slots.py): wake then too.
    return [f"*-*-{day:02d} {at}"] + ([f"*-*~01 {at}"] if day > 28 else [])


def systemd_units(schedule: Schedule, zone_name: Optional[str]) -> dict[str, str]:
    """File name -> contents of the service and its timer."""
    name = unit_name(schedule)
    environment = "".join(f"Environment={_sd_quote(f'{key}={value}')}\n" for key, value in home_environment().items())
    service = (
        "[Unit]\n"
        f"Description=Lifeboat scheduled backups (schedule {schedule.id}, {schedule.profile})\n\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"{environment}"
        f"ExecStart={' '.join(_sd_quote(arg) for arg in run_due_command())}\n"
    )
    calendars = "".join(f"OnCalendar={spec}\n" for spec in on_calendar(schedule, zone_name))
    timer = (
        "[Unit]\n"
        f"Description=Lifeboat: {schedule.describe()} ({schedule.profile})\n\n"
        "[Timer]\n"
        f"{calendars}"
        # A slot missed while the computer was off or logged out runs at the next start.
        "Persistent=true\n"
        f"Unit={name}.service\n\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return {f"{name}.service": service, f"{name}.timer": timer}


def _sd_quote(arg: str) -> str:
    # systemd.syntax(7): double quotes with C escapes; % starts a specifier, $ a variable.
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'"{escaped}"'


# --- cron -------------------------------------------------------------------
def cron_line(schedule: Schedule, zone: tzinfo, local_zone: tzinfo, now: datetime, uid: int) -> str:
    """Wakes run-due every hour at the minute the schedule's slots fall on in this
    computer's own zone (cron knows no other); run-due picks the due slot."""
    minute = next_run(schedule, now, zone).astimezone(local_zone).minute
    env = {**home_environment(), "DBUS_SESSION_BUS_ADDRESS": f"unix:path=/run/user/{uid}/bus"}
    # The user's keyring is reached through the session bus, which cron does not pass on.
    words = [f"{key}={shlex.quote(value)}" for key, value in env.items()]
    words += [shlex.quote(arg) for arg in run_due_command()]
    command = " ".join(words).replace("%", "\\%")  # crontab(5): % ends the command
    return f"{minute} * * * * {command} {CRON_MARK}{schedule.id}"


# --- Windows Task Scheduler ---------------------------------------------------
def windows_task_xml(schedule: Schedule, zone: tzinfo, now: datetime) -> bytes:
    import xml.etree.ElementTree as ET  # here: 20 ms of every command's start, for Windows' schedules only

    ET.register_namespace("", TASK_NS)
    task = ET.Element(_t("Task"), version="1.2")
    info = _sub(task, "RegistrationInfo")
    _sub(info, "Description", f"Lifeboat: {schedule.describe()} ({schedule.profile}), schedule {schedule.id}")
    _sub(info, "URI", f"\\Lifeboat\\{unit_name(schedule)}")
    trigger = _sub(_sub(task, "Triggers"), "CalendarTrigger")
    if schedule.every == "hourly":
        _sub(_sub(trigger, "Repetition"), "Interval", "PT1H")
    first = next_run(schedule, now, zone).astimezone(zone)
    _sub(trigger, "StartBoundary", first.replace(tzinfo=None).isoformat(timespec="seconds"))
    _sub(trigger, "Enabled", "true")
    _task_recurrence(trigger, schedule)
    principal = _sub(_sub(task, "Principals"), "Principal", id="Author")
    _sub(principal, "LogonType", "InteractiveToken")
    _sub(principal, "RunLevel", "LeastPrivilege")
    settings = _sub(task, "Settings")
    for key, value in (("MultipleInstancesPolicy", "IgnoreNew"), ("DisallowStartIfOnBatteries", "false"),
                       ("StopIfGoingOnBatteries", "false"), ("StartWhenAvailable", "true"),
                       ("ExecutionTimeLimit", "PT0S"), ("Enabled", "true")):
        _sub(settings, key, value)
    command, arguments = _windows_action()
    execute = _sub(_sub(task, "Actions", Context="Author"), "Exec")
    _sub(execute, "Command", command)
    _sub(execute, "Arguments", arguments)
    text = ET.tostring(task, encoding="unicode")
    # Task Scheduler reads its XML as UTF-16 (what schtasks /Query /XML writes).
    return ('<?xml version="1.0" encoding="UTF-16"?>\n' + text).encode("utf-16")


def _task_recurrence(trigger: "Element", schedule: Schedule) -> None:
    if schedule.every in ("hourly", "daily"):
        _sub(_sub(trigger, "ScheduleByDay"), "DaysInterval", "1")
    elif schedule.every == "weekly":
        weekly = _sub(trigger, "ScheduleByWeek")
        days = _sub(weekly, "DaysOfWeek")
        for day in schedule.on:
            _sub(days, _DAY_NAMES[WEEKDAYS.index(day)])
        _sub(weekly, "WeeksInterval", "1")
    else:
        monthly = _sub(trigger, "ScheduleByMonth")
        days = _sub(monthly, "DaysOfMonth")
        _sub(days, "Day", schedule.on[0])
        if int(schedule.on[0]) > 28:
            _sub(days, "Day", "Last")
        months = _sub(monthly, "Months")
        for month in _MONTHS:
            _sub(months, month)


def _windows_action() -> tuple[str, str]:
    command = run_due_command()
    env = home_environment()
    if not env:
        return command[0], _win_join(command[1:])
    # A task cannot set a variable itself: cmd sets LIFEBOAT_HOME for the one command.
    sets = " ".join(f'set "{key}={value}" &&' for key, value in env.items())
    return "cmd.exe", f"/d /c {sets} {_win_join(command)}"


def _win_join(args: list[str]) -> str:
    return " ".join(f'"{arg}"' if " " in arg else arg for arg in args)


def _t(tag: str) -> str:
    return f"{{{TASK_NS}}}{tag}"


def _sub(parent: "Element", tag: str, text: Optional[str] = None, **attrs) -> "Element":
    element = parent.makeelement(_t(tag), attrs)
    parent.append(element)
    if text is not None:
        element.text = text
    return element


# --- macOS launchd ------------------------------------------------------------
def launchd_label(schedule: Schedule) -> str:
    return f"org.lifeboat.schedule.{schedule.id}"


def launchd_plist(schedule: Schedule) -> bytes:
    import plistlib  # here: with the XML parser it pulls in, 30 ms of every command's start, for macOS only

    plist = {
        "Label": launchd_label(schedule),
        "ProgramArguments": run_due_command(),
        "StartCalendarInterval": calendar_intervals(schedule),
        "ProcessType": "Background",
    }
    if home_environment():
        plist["EnvironmentVariables"] = home_environment()
    return plistlib.dumps(plist)


def calendar_intervals(schedule: Schedule) -> list[dict]:
    hour, minute = _hour_minute(schedule)
    if schedule.every == "hourly":
        return [{"Minute": minute}]
    if schedule.every == "daily":
        return [{"Hour": hour, "Minute": minute}]
    if schedule.every == "weekly":
        # launchd counts weekdays from Sunday = 0.
        return [{"Weekday": (WEEKDAYS.index(day) + 1) % 7, "Hour": hour, "Minute": minute} for day in schedule.on]
    day = int(schedule.on[0])
    # launchd has no "last day of the month": wake on each day from the 28th to
    # the chosen one, and run-due runs the one slot that is due.
    return [{"Day": d, "Hour": hour, "Minute": minute} for d in range(min(day, 28), day + 1)]
