"""Help › Report a problem: one zip a person can e-mail to whoever helps them.

It holds what explains a problem and nothing that is the user's data or a
secret: versions, settings, the connections without passwords, how many
backups are in which state, and the log (redacted once more on the way in).
"""
import io
import json
import platform
import zipfile
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from desktop import __version__
from desktop.core.durable import AtomicFile
from desktop.core.errors import LifeboatError
from desktop.core.postgres.tools import discover
from desktop.core.redact import redact
from desktop.core.store.logs import LOG_NAME
from desktop.core.workspace import Workspace


def write_problem_report(ws: Workspace, folder: Path, versions: list[str]) -> Path:
    """`versions`: lines the caller knows and core does not (the Qt version)."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H%M%S")
    with AtomicFile.unique(folder, f"Lifeboat problem report {stamp}.zip") as out:
        out.write(_zip_bytes(ws, versions))
        return out.commit()


def _zip_bytes(ws: Workspace, versions: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("versions.txt", "\n".join(_versions(versions)) + "\n")
        archive.writestr("settings.json", json.dumps(_settings(ws), indent=2) + "\n")
        archive.writestr("connections.txt", "\n".join(_connections(ws)) + "\n")
        archive.writestr("backups.txt", "\n".join(_backups(ws)) + "\n")
        for log in sorted(ws.paths.log_dir.glob(LOG_NAME + "*")):
            archive.writestr(f"logs/{log.name}", redact(log.read_text(encoding="utf-8", errors="replace")))
    return buffer.getvalue()


def _versions(extra: list[str]) -> list[str]:
    lines = [f"Lifeboat {__version__}", f"Python {platform.python_version()}",
             f"System {platform.platform()}", *extra]
    lines += [f"PostgreSQL tools {tools.version} in {tools.bin_dir}" for tools in discover()]
    return lines


def _settings(ws: Workspace) -> dict:
    return asdict(ws.settings)


def _connections(ws: Workspace) -> list[str]:
    try:
        profiles = ws.profiles.list()
    except LifeboatError as exc:
        return [exc.message]
    return [f"{p.name}: {p.environment}, {p.display_target()}, user {p.user}, sslmode {p.sslmode or 'default'}"
            for p in profiles] or ["no connections"]


def _backups(ws: Workspace) -> list[str]:
    counts = Counter((record.profile, record.kind, record.status) for record in ws.catalog.list())
    return [f"{profile} {kind} {status}: {count}" for (profile, kind, status), count in sorted(counts.items())] \
        or ["no backups"]
