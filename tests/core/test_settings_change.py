"""Settings change through one checked path (CLI and Settings dialog alike)."""
import pytest

from desktop.core.errors import UsageError
from desktop.core.settings_change import change_settings, parse_change
from desktop.core.store.audited import audit_log_of
from desktop.core.store.settings import default_backups_dir, load_settings
from desktop.core.workspace import Workspace


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    return Workspace.open()


def _settings_records(ws):
    return [r.message for r in audit_log_of(ws).records() if r.action == "settings"]


def test_several_changes_are_saved_together_and_recorded_once(ws, tmp_path):
    change_settings(ws, {"trash-days": "3", "lock_wait_minutes": "2.5", "backups_dir": str(tmp_path)})
    saved = load_settings(ws.paths)
    assert (saved.trash_days, saved.lock_wait_minutes) == (3, 2.5)
    assert default_backups_dir(saved, ws.paths) == tmp_path.resolve() and ws.settings == saved
    [message] = _settings_records(ws)
    assert message.startswith("trash_days: 7 → 3; lock_wait_minutes: 10 → 2.5; backups_dir: default → ")


def test_one_bad_value_saves_nothing(ws):
    with pytest.raises(UsageError, match="more than 0"):
        change_settings(ws, {"trash_days": "3", "stall_minutes": "-5"})
    assert load_settings(ws.paths).trash_days == 7 and _settings_records(ws) == []


def test_setting_what_is_already_set_records_nothing(ws):
    change_settings(ws, {"trash_days": "7", "time_zone": ""})
    assert _settings_records(ws) == []


def test_a_connections_staleness_is_set_and_put_back(ws, make_profile, pg15):
    name = make_profile(pg15, "postgres", name="Shop-EU").name
    change_settings(ws, {f"stale_after_hours.{name}": "48"})
    assert load_settings(ws.paths).stale_after_hours == {name: 48.0}
    change_settings(ws, {f"stale_after_hours.{name}": "default"})
    assert load_settings(ws.paths).stale_after_hours == {}
    assert _settings_records(ws)[-1] == f"stale_after_hours.{name}: 48.0 → default"


@pytest.mark.parametrize("key, text, words", [
    ("time_zone", "Berlin", "not a time zone"),
    ("time_zone", "utc", "Did you mean UTC"),
    ("trash_days", "seven", "whole number"),
    ("stall_minutes", "inf", "more than 0"),
    ("trash_days", "default", "whole number"),  # not optional: it has no "Lifeboat's own choice" but 7
    ("stale_after_hours", "5", "no setting"),
])
def test_refusals_say_what_would_be_right(key, text, words):
    with pytest.raises(UsageError, match=words):
        parse_change(key, text)
