import pytest

from desktop.core.workspace import Workspace
from desktop.ui.gui_thread_gc import collect_on_gui_thread


@pytest.fixture(scope="session", autouse=True)
def gc_on_the_gui_thread(qapp):
    """As the app does (make_application): no garbage collection on job threads."""
    collect_on_gui_thread(qapp)


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    """A workspace in the test's private LIFEBOAT_HOME (profiles made with make_profile land here too)."""
    return Workspace.open()
