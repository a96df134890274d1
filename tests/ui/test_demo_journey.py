"""The main journey in `lifeboat --demo`, in the window: back up "Demo production" (Pagila),
restore it into "Demo development" (Chinook, which already holds tables) with
"Replace everything", and end with the two databases identical."""
import pytest

from desktop.core.localpg.demo import DEVELOPMENT_DB, PRODUCTION_DB, DemoEnvironment
from desktop.ui.main_window import MainWindow
from desktop.ui.restore.target import REPLACE
from desktop.ui.restore.wizard import RestoreWizard
from tests.dbcompare import schema_dump, table_hashes
from tests.ui.screens import save_screenshot
from tests.ui.test_journey import click

WAIT_MS = 180_000


@pytest.fixture
def demo_ws(tmp_path):
    demo = DemoEnvironment(tmp_path / "demo")
    ws = demo.start()
    yield demo, ws
    demo.stop()


def test_restore_demo_production_into_demo_development_with_replace(qtbot, demo_ws):
    demo, ws = demo_ws
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.profile_list.select("Demo production")
    click(qtbot, window, "Back up now")
    with qtbot.waitSignal(window.jobs[0].finished, timeout=WAIT_MS):
        pass
    [record] = ws.catalog.list()
    window.catalog_view.select(record.id)

    click(qtbot, window, "Restore")
    wizard = window.findChild(RestoreWizard)
    wizard.resize(1366, 768)
    assert wizard.choices.record.id == record.id
    click(qtbot, wizard, "Next")
    page = wizard.target_page
    assert not wizard.button(wizard.WizardButton.NextButton).isEnabled(), "no target chosen for the user"
    page.select_target("Demo development")
    qtbot.waitUntil(lambda: page.choices.state is not None and not page.checking, timeout=WAIT_MS)
    assert not page.into_empty.isVisible(), "Chinook holds tables"
    page.choose(REPLACE)
    assert page.replace.text() == f"Replace everything in {DEVELOPMENT_DB} with the backup"
    click(qtbot, wizard, "Next")
    review = wizard.review_page
    lost = {review.losses.item(row).text().split(":")[0] for row in range(review.losses.count())
            if "will be removed" in review.losses.item(row).text()}
    assert {"track", "album", "artist", "invoice_line"} <= lost
    save_screenshot(wizard, "demo_review_replace", shows=("reviewSentence",))
    with qtbot.waitSignal(wizard.restored, timeout=WAIT_MS) as restored:
        click(qtbot, wizard, "Restore")
    assert restored.args[0].ok
    save_screenshot(wizard, "demo_restored", shows=("resultSummary", "verificationTable"))
    assert table_hashes(demo.cluster, DEVELOPMENT_DB) == table_hashes(demo.cluster, PRODUCTION_DB)
    assert schema_dump(demo.cluster, DEVELOPMENT_DB) == schema_dump(demo.cluster, PRODUCTION_DB)
    wizard.close()
