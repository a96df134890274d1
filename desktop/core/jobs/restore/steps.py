"""pg_restore --verbose's lines in the words the progress shows.

"creating FK CONSTRAINT public.invoice invoice_customer_fkey" means nothing to
the people Lifeboat is for; "Linking tables (12 so far)" does. The item names
the table the step is about, as people name it (no "public.").
"""
import re
from collections import Counter

from desktop.core.progress import ProgressTracker

# (what pg_restore says it is creating, the step in plain words); first match wins.
_STEPS = (
    ("FK CONSTRAINT", "Linking tables"),
    ("CONSTRAINT", "Adding the rules tables keep"),
    ("INDEX", "Building indexes"),
    ("TABLE", "Creating tables"),
    ("SEQUENCE", "Creating counters"),
    ("VIEW", "Adding views"),
    ("MATERIALIZED VIEW", "Adding views"),
    ("FUNCTION", "Adding functions"),
    ("TRIGGER", "Adding triggers"),
)
# Kinds whose tag is "table name-of-the-thing".
_ON_A_TABLE = ("CONSTRAINT", "TRIGGER")
_CREATING = re.compile(r'creating (?P<kind>[A-Z][A-Z ]*?) "?(?P<name>[^"]*)"?$')
_DATA = re.compile(r'processing data for table "?(?P<name>[^"]*)"?$')


class RestoreSteps:
    def __init__(self, tracker: ProgressTracker, table_count: int):
        self._tracker = tracker
        self._tables = table_count
        self._done: Counter = Counter()

    def __call__(self, line: str) -> None:
        data = _DATA.search(line)
        if data:
            self._step("Copying rows", data["name"], self._tables)
            return
        creating = _CREATING.search(line)
        if creating:
            kind, name = creating["kind"], creating["name"]
            words = next((step for known, step in _STEPS if kind.startswith(known)), None)
            if kind.endswith(_ON_A_TABLE):  # "public.invoice invoice_customer_fkey": the table is enough
                name = name.split(" ")[0]
            self._step(words or "Finishing the database structure", name if words else "", None)

    def _step(self, words: str, name: str, total: int | None) -> None:
        self._done[words] += 1
        done = self._done[words]
        count = f"{done:,} of {total:,}" if total and done <= total else f"{done:,} so far"
        self._tracker.update(phase=f"{words} ({count})", item=name.removeprefix("public."))
