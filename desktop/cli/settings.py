"""`lifeboat settings show [--json] | settings set KEY VALUE` (CLI.md).

KEY is a name `settings show` lists (`trash_days`, `time_zone`, ...; a dash
works as well as an underscore); `stale_after_hours.CONNECTION` sets one
connection's overdue threshold. An empty VALUE or `default` puts an
optional setting back to Lifeboat's own choice.
"""
from dataclasses import asdict

from desktop.cli.terminal import print_json, table
from desktop.core.schedule.status import schedule_zone
from desktop.core.settings_change import KEYS, change_settings, describe_changes
from desktop.core.store.settings import default_backups_dir
from desktop.core.workspace import Workspace


def settings_command(ws: Workspace, args) -> int:
    return {"show": _show, "set": _set}[args.settings_command](ws, args)


def _show(ws: Workspace, args) -> int:
    settings = ws.settings
    in_use = {"backups_dir": str(default_backups_dir(settings, ws.paths)), "time_zone": str(schedule_zone(settings))}
    if args.json:
        print_json({**asdict(settings), "in_use": in_use})
        return 0
    rows = []
    for key, (meaning, _) in KEYS.items():
        value = getattr(settings, key)
        if key == "stale_after_hours":
            shown = ", ".join(f"{name}: {hours:g}" for name, hours in value.items()) or "twice each schedule's interval"
        elif value is None:
            shown = f"{in_use[key]} (default)" if key in in_use else "(none)"
        else:
            shown = f"{value:g}" if isinstance(value, float) else str(value)
        rows.append((key, shown, meaning))
    print(table(rows, ("KEY", "VALUE", "MEANING")))
    return 0


def _set(ws: Workspace, args) -> int:
    before = ws.settings
    after = change_settings(ws, {args.key: args.value})
    said = describe_changes(before, after)
    print(f"Changed {'; '.join(said)}." if said else "Nothing changed: that is already the setting.")
    return 0


COMMANDS = {"settings": settings_command}
