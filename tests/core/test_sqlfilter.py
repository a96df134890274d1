"""The line filter that keeps a pg_dump script inside Lifeboat's one transaction:
`SET transaction_timeout = 0;` (pg_dump >= 17) dropped for servers that reject it
(<= 16; pgadmin4 #8044), the BEGIN;/COMMIT; around large-object data dropped,
and a row of COPY data never touched."""
import pytest

from desktop.core.postgres.sqlfilter import one_transaction_script, without_lines

SETTING = b"SET transaction_timeout = 0;"

SCRIPT = (
    b"--\n-- PostgreSQL database dump\n--\n\n"
    b"SET statement_timeout = 0;\n"
    + SETTING + b"\n"
    b"SET lock_timeout = 0;\n"
    b"CREATE TABLE public.notes (id integer, body text);\n"
    b"COPY public.notes (id, body) FROM stdin;\n"
    b"1\t" + SETTING + b"\n"  # a row that merely looks like the setting
    + SETTING + b"\n"  # a one-column row holding exactly that text
    b"2\tCOPY public.x FROM stdin;\n"
    b"\\.\n"
    b"\n"
    + SETTING + b"\n"  # after the data: a statement again
    b"SELECT 1;\n"
)

# The two statement-level occurrences go; both inside COPY data stay.
EXPECTED_OLD_SERVER = (
    SCRIPT.replace(b"SET statement_timeout = 0;\n" + SETTING + b"\n", b"SET statement_timeout = 0;\n", 1)
    .replace(b"\\.\n\n" + SETTING + b"\n", b"\\.\n\n", 1)
)


def run(blocks, server_major: int) -> bytes:
    return b"".join(one_transaction_script(iter(blocks), server_major))


def test_expected_output_is_what_the_test_means():
    assert EXPECTED_OLD_SERVER.count(SETTING) == 2
    assert SCRIPT.count(SETTING) == 4


@pytest.mark.parametrize("server_major", [13, 15, 16])
def test_dropped_for_servers_before_17(server_major):
    assert run([SCRIPT], server_major) == EXPECTED_OLD_SERVER


@pytest.mark.parametrize("server_major", [17, 18])
def test_kept_for_servers_that_know_it(server_major):
    blocks = [SCRIPT[:50], SCRIPT[50:]]
    assert run(blocks, server_major) == SCRIPT


def test_copy_data_is_never_touched():
    out = run([SCRIPT], 15)
    start = out.index(b"FROM stdin;\n") + len(b"FROM stdin;\n")
    end = out.index(b"\\.\n")
    assert out[start:end] == b"1\t" + SETTING + b"\n" + SETTING + b"\n2\tCOPY public.x FROM stdin;\n"


def test_every_split_into_two_blocks_gives_the_same_result():
    for cut in range(len(SCRIPT) + 1):
        assert run([SCRIPT[:cut], SCRIPT[cut:]], 15) == EXPECTED_OLD_SERVER, f"split at byte {cut}"


def test_one_byte_blocks():
    assert run([SCRIPT[i:i + 1] for i in range(len(SCRIPT))], 16) == EXPECTED_OLD_SERVER


def test_empty_blocks_and_an_empty_stream():
    assert run([b"", SCRIPT, b""], 15) == EXPECTED_OLD_SERVER
    assert run([], 15) == b""


def test_last_line_without_a_newline_is_kept():
    script = SETTING + b"\nSELECT 1;"
    assert run([script], 15) == b"SELECT 1;"
    assert run([b"SELECT 1;\n" + SETTING], 15) == b"SELECT 1;\n"


def test_unterminated_copy_at_the_end_keeps_its_data():
    script = b"COPY t (a) FROM stdin;\n" + SETTING
    assert run([script], 15) == script


def test_similar_statements_are_kept():
    script = b"SET transaction_timeout = 5;\nSET idle_in_transaction_session_timeout = 0;\n"
    assert run([script], 15) == script


# As pg_dump 15 and 18 write large objects' data (plain format and
# pg_restore --file=- alike), after a procedure whose body commits.
LARGE_OBJECTS = (
    b"CREATE PROCEDURE public.p()\n    LANGUAGE plpgsql\n    AS $$\nBEGIN\nCOMMIT;\nEND $$;\n\n"
    b"SELECT pg_catalog.lo_create('16388');\n\n"
    b"COPY public.t (id, note) FROM stdin;\n1\tBEGIN;\nBEGIN;\nCOMMIT;\n\\.\n\n"
    b"--\n-- Data for Name: BLOBS; Type: BLOBS; Schema: -; Owner: -\n--\n\n"
    b"BEGIN;\n\n"
    b"SELECT pg_catalog.lo_open('16388', 131072);\n"
    b"SELECT pg_catalog.lowrite(0, '\\x68656c6c6f');\n"
    b"SELECT pg_catalog.lo_close(0);\n\n"
    b"COMMIT;\n\n"
    b"BEGIN;\nSELECT 1;\nCOMMIT;\n"
)
LARGE_OBJECTS_IN_ONE_TRANSACTION = (
    LARGE_OBJECTS.replace(b"BEGIN;\n\nSELECT pg_catalog.lo_open", b"\nSELECT pg_catalog.lo_open")
    .replace(b"lo_close(0);\n\nCOMMIT;\n", b"lo_close(0);\n\n")
)


@pytest.mark.parametrize("server_major", [15, 18])
def test_large_objects_transaction_lines_go_and_nothing_else(server_major):
    # The procedure's COMMIT;, the COPY rows and a BEGIN; before another statement stay.
    assert LARGE_OBJECTS_IN_ONE_TRANSACTION.count(b"COMMIT;") == 3
    for cut in range(len(LARGE_OBJECTS) + 1):
        blocks = [LARGE_OBJECTS[:cut], LARGE_OBJECTS[cut:]]
        assert run(blocks, server_major) == LARGE_OBJECTS_IN_ONE_TRANSACTION, f"split at byte {cut}"


def test_a_begin_at_the_very_end_is_kept():
    assert run([b"SELECT 1;\nBEGIN;\n\n"], 15) == b"SELECT 1;\nBEGIN;\n\n"
    assert run([b"SELECT 1;\nBEGIN;"], 15) == b"SELECT 1;\nBEGIN;"


@pytest.mark.parametrize("block_size", [1, 7, 4096])
def test_without_lines_leaves_out_statements_and_never_a_row(block_size):
    grant = b"GRANT SELECT ON TABLE public.notes TO gone;"
    script = (b"CREATE TABLE public.notes (body text);\n" + grant + b"\n"
              b"COPY public.notes (body) FROM stdin;\n" + grant + b"\n\\.\n" + grant)
    blocks = [script[i:i + block_size] for i in range(0, len(script), block_size)]
    kept = b"".join(without_lines(blocks, lambda line: line == grant))
    assert kept == script.replace(b"\n" + grant + b"\nCOPY", b"\nCOPY").removesuffix(grant)
