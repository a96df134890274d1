import pytest

from desktop.core.workspace import Workspace


@pytest.fixture
def ws(lifeboat_home) -> Workspace:
    """A workspace in the test's private LIFEBOAT_HOME (profiles made with make_profile land here too)."""
    return Workspace.open()
