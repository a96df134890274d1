"""The widget vocabulary stays one: colours come from palette, names from widgets.named,
the environment badge from badges, on every screen that shows them."""
import re
from pathlib import Path

from PySide6.QtWidgets import QLabel

from desktop.core.store.catalog import BackupRecord
from desktop.ui import palette
from desktop.ui.backup_details import BackupDetailsDialog
from desktop.ui.badges import BadgeDelegate, EnvironmentBadge
from desktop.ui.catalog_view import CatalogView
from desktop.ui.widgets import named, production_banner

UI = Path(__file__).resolve().parents[2] / "desktop" / "ui"
COLOUR = re.compile(r"#[0-9a-fA-F]{6}\b|\bcolor:\s*white\b|QColor\(\"white\"\)")


def _sources():
    return [(path.relative_to(UI).as_posix(), path.read_text()) for path in sorted(UI.rglob("*.py"))]


def test_colours_are_named_only_in_the_palette():
    literals = [f"{name}: {match.group()}" for name, text in _sources() if name != "palette.py"
                for match in COLOUR.finditer(text)]
    assert literals == []


def test_one_named_helper():
    helpers = [name for name, text in _sources() if re.search(r"^def _?named\(", text, re.MULTILINE)]
    assert helpers == ["widgets.py"]


def test_one_badge_delegate():
    delegates = [name for name, text in _sources() if re.search(r"^class \w*BadgeDelegate\b", text, re.MULTILINE)]
    assert delegates == ["badges.py"]


def test_named_sets_both_names(qtbot):
    label = named(QLabel("x"), "someLabel", "Some label")
    qtbot.addWidget(label)
    assert (label.objectName(), label.accessibleName()) == ("someLabel", "Some label")


def test_production_banner_says_what_and_is_red(qtbot):
    banner = production_banner("change", None)
    qtbot.addWidget(banner)
    assert banner.text() == "You are about to change a PRODUCTION database"
    assert banner.accessibleName() == "Warning: you are about to change a production database"
    assert palette.PRODUCTION in banner.styleSheet()


def _record(environment: str) -> BackupRecord:
    return BackupRecord(id="b1", profile="shop", environment=environment, database="shop", host="db", port=5432,
                        status="completed", format="custom", started_at="2026-11-27T13:02:00Z",
                        finished_at="2026-11-27T13:02:05Z", path="/tmp/b1.lifeboat")


def test_catalog_and_details_use_the_shared_badge(qtbot, ws):
    view = CatalogView()
    qtbot.addWidget(view)
    assert isinstance(view.table.itemDelegateForColumn(view.model.ENVIRONMENT), BadgeDelegate)
    details = BackupDetailsDialog(_record("production"))
    qtbot.addWidget(details)
    badge = details.findChild(EnvironmentBadge)
    assert (badge.text(), badge.accessibleName()) == ("PRODUCTION", "Production database")
