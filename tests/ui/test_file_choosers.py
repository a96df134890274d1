"""Choosers open where the person last went for the same purpose, else at home: never the app's folder."""
from pathlib import Path

from desktop.ui.file_choosers import remember_folder, start_folder


def test_choosers_start_at_home_then_where_the_person_last_went(qapp, ws, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    (tmp_path / "user").mkdir()
    assert start_folder(ws, "reports") == str(Path.home())
    drive = tmp_path / "usb"
    drive.mkdir()
    remember_folder(ws, "export", str(drive / "Lifeboat Backups" / "copy.lifeboat"))  # a file: its folder
    remember_folder(ws, "export", str(drive))
    assert start_folder(ws, "export") == str(drive)
    assert start_folder(ws, "reports") == str(Path.home())  # each purpose its own
    drive.rmdir()  # unplugged: back to a folder that exists
    assert start_folder(ws, "export") != str(drive)
