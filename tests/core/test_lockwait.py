"""How a lock wait is put in words, and how the command line shows it."""
import io

from desktop.cli.terminal import ProgressLine
from desktop.core.postgres.lockwait import describe_wait, minutes_words
from desktop.core.progress import Progress


def row(query="ALTER TABLE orders ADD COLUMN note text", state="active", busy=190.0, relname="orders",
        relkind="r", app="psql", locktype="relation"):
    return (4242, locktype, relname, relkind, "app", app, state, query, busy)


def test_names_the_table_the_user_the_command_and_the_limit():
    assert describe_wait(row(), 600) == (
        "The table orders is locked by another program (psql, user app, running "
        "'ALTER TABLE orders ADD COLUMN note text' for 3 minutes). Lifeboat will wait up to 10 minutes.")


def test_an_idle_transaction_is_described_by_its_last_command():
    text = describe_wait(row(state="idle in transaction", busy=12, app=""), 3)
    assert "(user app, busy for less than a minute, last command 'ALTER TABLE" in text
    assert text.endswith("Lifeboat will wait up to 3 seconds.")


def test_the_command_is_cut_before_any_quoted_value_so_no_password_shows():
    text = describe_wait(row(query="ALTER ROLE app PASSWORD 's3cret-pw' VALID UNTIL 'infinity'"), 600)
    assert "s3cret" not in text and "'ALTER ROLE app PASSWORD...'" in text
    long = describe_wait(row(query="SELECT " + ", ".join(f"column_{n}" for n in range(40)) + " FROM orders"), 600)
    assert "'SELECT column_0, column_1" in long and "...'" in long and "column_39" not in long


def test_what_another_user_runs_stays_hidden_when_the_server_hides_it():
    text = describe_wait(row(query="<insufficient privilege>"), 600)
    assert "insufficient" not in text and "(psql, user app)" in text


def test_rows_and_other_objects():
    assert describe_wait(row(relname=None, locktype="transactionid"), 60).startswith("Rows Lifeboat needs are locked")
    assert describe_wait(row(relname="orders_pkey", relkind="i"), 60).startswith("orders_pkey is locked")


def test_minutes_words():
    assert [minutes_words(s) for s in (3, 60, 90, 600)] == ["3 seconds", "1 minute", "2 minutes", "10 minutes"]


def test_the_terminal_prints_each_new_wait_on_a_line_of_its_own_also_when_not_a_terminal():
    out = io.StringIO()
    line = ProgressLine(out)
    for waiting in ("", "The table orders is locked.", "The table orders is locked.", "", "Rows are locked."):
        line(Progress(phase="Restoring", waiting=waiting))
    assert out.getvalue() == "lifeboat: The table orders is locked.\nlifeboat: Rows are locked.\n"
