"""`lifeboat schedule ...` and `lifeboat retention apply` as a script or the OS scheduler runs them.

The round trip runs the very command the systemd service holds (its
ExecStart, with its Environment) as a child process; the lock and stall
cases hold a table lock from another session so a run stays busy."""
import json
import os
import shlex
import subprocess
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from desktop.core.schedule import os_install
from desktop.core.schedule.history import RunHistory
from desktop.core.schedule.run_due import run_due
from desktop.core.store.audited import audit_log_of
from desktop.core.store.schedules import new_schedule
from desktop.core.store.settings import Settings, save_settings
from desktop.core.workspace import Workspace
from tests.faults import wait_for, waits_for_a_lock
from tests.integration.cli_helpers import child_env, failed_cleanly, lifeboat_process, ok


@pytest.fixture
def shop(pg15, fresh_db, make_profile, keyring_file):
    name = fresh_db(prefix="shop")
    with psycopg.connect(pg15.conninfo(name), autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id integer PRIMARY KEY, item text)")
        conn.execute("INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 20) g")
    return make_profile(pg15, name, environment="production"), name


def made_yesterday(schedule_id: str) -> None:
    """As if the schedule had been added a day ago: its last slot is due now."""
    store = Workspace.open().schedules
    schedule = store.get(schedule_id)
    schedule.created_at = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    store.add(schedule)


def run_exec_start(schedule_id: str) -> subprocess.CompletedProcess:
    """What systemd would start: the service's ExecStart with its Environment lines."""
    service = (os_install.systemd_user_dir() / f"lifeboat-schedule-{schedule_id}.service").read_text()
    env = {key: value for key, value in child_env().items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}  # no display, as under systemd
    for line in service.splitlines():
        if line.startswith("Environment="):
            key, _, value = shlex.split(line.partition("=")[2])[0].partition("=")
            env[key] = value
    argv = shlex.split(service.split("ExecStart=")[1].splitlines()[0])
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_add_list_run_by_the_timer_list_and_remove(shop, lifeboat, crontab_file):
    profile, _ = shop
    added = ok(lifeboat("schedule", "add", profile.name, "--every", "daily", "--at", "01:30",
                        "--keep-last", "2", "--table", "public.orders"))
    schedule_id = added.stdout.strip().splitlines()[-1]
    assert "Every day at 01:30" in added.stderr and "crontab" in added.stderr
    assert f"# lifeboat-schedule {schedule_id}" in crontab_file.read_text()
    [listed] = json.loads(ok(lifeboat("schedule", "list", "--json")).stdout)
    assert (listed["id"], listed["every"], listed["keep"]["last"]) == (schedule_id, "daily", 2)
    assert listed["last_run"] is None
    assert listed["options"]["tables"] == ["public.orders"]
    made_yesterday(schedule_id)
    ran = run_exec_start(schedule_id)
    assert ran.returncode == 0, ran.stderr
    assert f"{schedule_id} {profile.name}: succeeded" in ran.stdout
    [backup] = json.loads(ok(lifeboat("list", "--json")).stdout)
    assert (backup["kind"], backup["schedule_id"], backup["status"]) == ("scheduled", schedule_id, "completed")
    [listed] = json.loads(ok(lifeboat("schedule", "list", "--json")).stdout)
    assert listed["last_run"]["outcome"] == "succeeded" and listed["last_run"]["backup_id"] == backup["id"]
    assert "Nothing was due" in ok(lifeboat("schedule", "run-due")).stderr
    [plan] = json.loads(ok(lifeboat("retention", "apply", "--dry-run", "--json")).stdout)
    assert plan["keep"][0]["id"] == backup["id"] and plan["trash"] == []
    assert "the newest completed backup" in plan["keep"][0]["reasons"]
    ok(lifeboat("schedule", "remove", schedule_id))
    assert not list(os_install.systemd_user_dir().iterdir())
    assert schedule_id not in crontab_file.read_text()
    assert json.loads(ok(lifeboat("schedule", "list", "--json")).stdout) == []


def test_usage_errors_exit_2(shop, lifeboat):
    failed_cleanly(lifeboat("schedule", "remove", "nope"), 2, "no schedule")
    failed_cleanly(lifeboat("schedule", "add", shop[0].name, "--every", "daily", "--on", "mon"), 2, "--on")
    failed_cleanly(lifeboat("schedule", "add", shop[0].name, "--every", "weekly", "--on", "funday"), 2, "weekly")
    failed_cleanly(lifeboat("schedule", "add", shop[0].name, "--every", "daily", "--jobs", "2"), 2, "directory")
    failed_cleanly(lifeboat("retention", "apply", "--profile", "nope"), 2, "no profile")
    assert Workspace.open().schedules.list() == []


def hold_table(pg15, dbname: str) -> psycopg.Connection:
    conn = psycopg.connect(pg15.conninfo(dbname), application_name="psql")
    conn.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
    return conn


def test_a_second_run_while_one_is_running_says_so_and_exits_0(pg15, shop, lifeboat):
    profile, dbname = shop
    ws = Workspace.open()
    schedule = ws.schedules.add(new_schedule(profile.name, "hourly", at="00:00",
                                             now=datetime.now(UTC) - timedelta(hours=2)))
    locker = hold_table(pg15, dbname)
    first = lifeboat_process("schedule", "run-due")
    try:
        # Watched from the server, not by trying the lock: a probe holding it for
        # an instant made the first run believe another one was going (CI, 2026-12-02).
        wait_for(lambda: waits_for_a_lock(pg15, dbname), timeout=30,
                 what="the first run's backup to wait for the locked table")
        second = ok(lifeboat("schedule", "run-due"))
        assert "The last scheduled run is still going" in second.stderr and second.stdout == ""
    finally:
        locker.close()
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert f"{schedule.id} {profile.name}: succeeded" in out.decode()


@pytest.mark.parametrize("limit, words", [("stall_minutes", "Stopped: no progress for 3 seconds"),
                                          ("lock_wait_minutes", "Lifeboat waited 3 seconds and then stopped")])
def test_a_stuck_scheduled_backup_is_stopped_and_why_is_recorded(pg15, shop, limit, words):
    profile, dbname = shop
    save_settings(Workspace.open().paths, Settings(**{"stall_minutes": 10, "lock_wait_minutes": 10, limit: 0.05}))
    ws = Workspace.open()
    schedule = ws.schedules.add(new_schedule(profile.name, "hourly", at="00:00",
                                             now=datetime.now(UTC) - timedelta(hours=2)))
    locker = hold_table(pg15, dbname)
    try:
        result = run_due(ws)
    finally:
        locker.close()
    [run] = result.runs
    assert run.outcome == "stalled" and words in run.message, run.message
    assert RunHistory(ws.paths.catalog_file).last_for_schedule(schedule.id) == run
    [failed] = [r for r in ws.catalog.list(profile.name) if r.schedule_id == schedule.id]
    assert failed.status == "failed" and words in failed.error
    alerts = [r.message for r in audit_log_of(ws).records() if r.action == "alert"]
    assert any(m.startswith("backup_stalled:") and words in m for m in alerts), alerts
    assert not any(name.endswith(".partial") for name in os.listdir(ws.paths.backups_dir))
