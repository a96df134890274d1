"""The files that make the operating system wake `lifeboat schedule run-due`.

systemd units are checked by the real `systemd-analyze verify`; the crontab
goes through the stand-in of tests/os_scheduler.py (never this machine's);
the Windows task is parsed as XML and the launchd agent with plistlib."""
import plistlib
import shlex
import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from desktop.core.errors import LifeboatError
from desktop.core.schedule import os_files, os_install
from desktop.core.schedule.manage import add_schedule, remove_schedule, reregister_schedules
from desktop.core.settings_change import change_settings
from desktop.core.store.profiles import Profile
from desktop.core.store.schedules import new_schedule
from desktop.core.store.settings import Settings, save_settings
from desktop.core.workspace import Workspace

NOW = datetime(2027, 1, 4, 12, tzinfo=UTC)
T = "{" + os_files.TASK_NS + "}"
KINDS = [("hourly", "00:20", None), ("daily", "02:30", None), ("weekly", "18:00", ["mon", "thu"]),
         ("monthly", "03:00", ["31"])]


def schedules():
    return [new_schedule("shop", every, at=at, on=on, now=NOW) for every, at, on in KINDS]


@pytest.fixture
def ws():
    ws = Workspace.open()
    ws.profiles.add(Profile(name="shop", environment="production", host="db.example.com", dbname="shop",
                            user="backup"))
    return ws


def test_systemd_units_pass_systemd_analyze_verify(tmp_path, lifeboat_home):
    assert shutil.which("systemd-analyze"), "systemd-analyze is missing: run packaging/install-deps"
    for schedule in schedules():
        paths = os_install.write_systemd_units(schedule, "Europe/Berlin", tmp_path / "units")
        timer = paths[1].read_text()
        assert "Persistent=true" in timer and f"Unit={paths[0].name}" in timer
        service = paths[0].read_text()
        assert f'Environment="LIFEBOAT_HOME={lifeboat_home}"' in service
        assert service.split("ExecStart=")[1].split()[-2:] == ['"schedule"', '"run-due"']
    assert os_files.on_calendar(schedules()[2], "Europe/Berlin") == ["Mon,Thu *-*-* 18:00:00 Europe/Berlin"]
    assert os_files.on_calendar(schedules()[3], None) == ["*-*-31 03:00:00", "*-*~01 03:00:00"]


def test_a_unit_systemd_rejects_is_refused_and_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(os_files, "on_calendar", lambda schedule, zone: ["Mon,Thux *-*-* 02:00:00"])
    with pytest.raises(LifeboatError, match="systemd does not accept") as caught:
        os_install.write_systemd_units(schedules()[1], None, tmp_path / "units")
    assert "Failed to parse calendar" in caught.value.detail
    assert list((tmp_path / "units").iterdir()) == []


def test_add_and_remove_write_and_remove_the_timer_and_the_crontab_line(ws, crontab_file):
    crontab_file.write_text("5 4 * * * /usr/bin/true  # someone else's\n")
    schedule = add_schedule(ws, new_schedule("shop", "daily", at="02:30"))
    units = os_install.systemd_user_dir()
    name = os_files.unit_name(schedule)
    assert sorted(p.name for p in units.iterdir()) == [f"{name}.service", f"{name}.timer"]
    lines = crontab_file.read_text().splitlines()
    assert lines[0] == "5 4 * * * /usr/bin/true  # someone else's"
    assert lines[1].startswith("30 * * * * ") and lines[1].endswith(f"# lifeboat-schedule {schedule.id}")
    assert os_install.describe(ws, schedule).route == "cron"
    remove_schedule(ws, schedule.id)
    assert list(units.iterdir()) == []
    assert crontab_file.read_text().splitlines() == lines[:1]
    assert ws.schedules.list() == []


def test_a_new_time_zone_rewrites_the_timers(ws):
    schedule = add_schedule(ws, new_schedule("shop", "daily", at="02:30"))
    timer = os_install.systemd_user_dir() / f"{os_files.unit_name(schedule)}.timer"
    save_settings(ws.paths, Settings(time_zone="America/New_York"))
    reregister_schedules(Workspace.open())
    assert "OnCalendar=*-*-* 02:30:00 America/New_York\n" in timer.read_text()
    change_settings(ws, {"time_zone": "Asia/Tokyo"})  # what `settings set` and the Settings dialog call
    assert "OnCalendar=*-*-* 02:30:00 Asia/Tokyo\n" in timer.read_text()


def test_the_cron_line_runs_run_due_with_the_home_and_the_session_bus(lifeboat_home):
    schedule = new_schedule("shop", "daily", at="02:00", now=NOW)
    # 02:00 in Kolkata is 20:30 UTC: cron, on this computer's UTC clock, wakes at minute 30.
    line = os_files.cron_line(schedule, ZoneInfo("Asia/Kolkata"), UTC, NOW, uid=1000)
    fields = line.split(" # ")[0].split()
    assert fields[:5] == ["30", "*", "*", "*", "*"]
    words = shlex.split(" ".join(fields[5:]))
    assert words[:2] == [f"LIFEBOAT_HOME={lifeboat_home}", "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus"]
    assert words[2:] == os_files.run_due_command()


def test_windows_task_xml_runs_as_soon_as_possible_after_a_missed_start():
    hourly, daily, weekly, monthly = (ET.fromstring(os_files.windows_task_xml(s, UTC, NOW)) for s in schedules())
    for task in (hourly, daily, weekly, monthly):
        assert task.tag == f"{T}Task"
        assert task.find(f"{T}Settings/{T}StartWhenAvailable").text == "true"
        assert task.find(f"{T}Settings/{T}MultipleInstancesPolicy").text == "IgnoreNew"
        execute = task.find(f"{T}Actions/{T}Exec")
        assert execute.find(f"{T}Command").text and "run-due" in execute.find(f"{T}Arguments").text
        assert task.find(f"{T}Triggers/{T}CalendarTrigger/{T}StartBoundary") is not None
    trigger = f"{T}Triggers/{T}CalendarTrigger"
    assert hourly.find(f"{trigger}/{T}Repetition/{T}Interval").text == "PT1H"
    assert daily.find(f"{trigger}/{T}StartBoundary").text == "2027-01-05T02:30:00"
    days = weekly.find(f"{trigger}/{T}ScheduleByWeek/{T}DaysOfWeek")
    assert [day.tag for day in days] == [f"{T}Monday", f"{T}Thursday"]
    assert [d.text for d in monthly.find(f"{trigger}/{T}ScheduleByMonth/{T}DaysOfMonth")] == ["31", "Last"]
    assert len(monthly.find(f"{trigger}/{T}ScheduleByMonth/{T}Months")) == 12


def test_launchd_plist(lifeboat_home):
    made = schedules()
    hourly, daily, weekly, monthly = (plistlib.loads(os_files.launchd_plist(s)) for s in made)
    assert weekly["Label"] == f"org.lifeboat.schedule.{made[2].id}"
    assert weekly["ProgramArguments"] == os_files.run_due_command()
    assert weekly["EnvironmentVariables"] == {"LIFEBOAT_HOME": str(lifeboat_home)}
    assert hourly["StartCalendarInterval"] == [{"Minute": 20}]
    assert daily["StartCalendarInterval"] == [{"Hour": 2, "Minute": 30}]
    assert [i["Weekday"] for i in weekly["StartCalendarInterval"]] == [1, 4]
    assert [i["Day"] for i in monthly["StartCalendarInterval"]] == [28, 29, 30, 31]
