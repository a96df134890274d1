"""Reading pg_dump's SQL and COPY text, and writing CSV/JSON cells, on recorded
pg_dump 18 output (no server needed)."""
import json

import pytest

from desktop.core.inspect.copy_text import csv_line, json_converter, json_row
from desktop.core.inspect.preview import Unorderable, key_function, row_key
from desktop.core.inspect.script import Column, ScriptReader, TableShape, copy_target, python_encoding
from desktop.core.inspect.sorting import sorted_by_key
from desktop.core.inspect.sqlnames import column_type, identifier_list, read_qualified, split_top_level
from desktop.core.postgres.copy_format import decode_row

# Recorded from `pg_dump 18.6 --format=plain` (pagila's customer, a quoted schema, a partition).
SCRIPT = b"""--
-- Name: Order Items; Type: TABLE; Schema: Sales Dept; Owner: alice
--

CREATE TABLE "Sales Dept"."Order Items" (
    id integer NOT NULL,
    "Item ""quoted"" name" text,
    "\xc3\xbcn\xc3\xafcode" character varying(20) COLLATE pg_catalog."C",
    active smallint GENERATED ALWAYS AS (
CASE
    WHEN (activebool IS TRUE) THEN 1
    ELSE 0
END) STORED,
    n numeric(5,2) DEFAULT 0.00,
    CONSTRAINT positive CHECK ((id > 0))
);

--
-- Name: measures; Type: TABLE; Schema: public; Owner: alice
--

CREATE TABLE public.measures (
    taken date NOT NULL
)
PARTITION BY RANGE (taken);

--
-- Name: measures_2024; Type: TABLE; Schema: public; Owner: alice
--

CREATE TABLE public.measures_2024 (
    taken date NOT NULL
);

--
-- Name: measures_2024; Type: TABLE ATTACH; Schema: public; Owner: alice
--

ALTER TABLE ONLY public.measures ATTACH PARTITION public.measures_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-0\
1-01');

--
-- Data for Name: Order Items; Type: TABLE DATA; Schema: Sales Dept; Owner: alice
--

COPY "Sales Dept"."Order Items" (id, "Item ""quoted"" name", "\xc3\xbcn\xc3\xafcode", n) FROM stdin;
1\tCOPY x FROM stdin;\t\\N\t1.00
\\.

--
-- Name: 16472..16473; Type: BLOB METADATA; Schema: -; Owner: alice
--

SELECT pg_catalog.lo_create('16472');
SELECT pg_catalog.lo_create('16473');
SELECT pg_catalog.lowrite(0, '\\x68656c6c6f');

--
-- Name: Order Items Order Items_pkey; Type: CONSTRAINT; Schema: Sales Dept; Owner: alice
--

ALTER TABLE ONLY "Sales Dept"."Order Items"
    ADD CONSTRAINT "Order Items_pkey" PRIMARY KEY (id);
"""


def read(script: bytes) -> ScriptReader:
    reader = ScriptReader()
    for line in script.split(b"\n"):
        reader.feed(line)
    reader.finish()
    return reader


def test_the_script_names_tables_columns_keys_and_partitions():
    reader = read(SCRIPT)
    items = reader.tables['"Sales Dept"."Order Items"']
    assert (items.schema, items.name, items.primary_key) == ("Sales Dept", "Order Items", ["id"])
    assert [(c.name, c.type, c.generated) for c in items.columns] == [
        ("id", "integer", False), ('Item "quoted" name', "text", False), ("ünïcode", "character varying(20)", False),
        ("active", "smallint", True), ("n", "numeric(5,2)", False)]
    assert reader.tables["public.measures"].kind == "partitioned table"
    assert reader.tables["public.measures"].partitions == ["public.measures_2024"]
    assert reader.tables["public.measures_2024"].partition_of == "public.measures"
    assert reader.large_objects == 2
    assert reader.data_bytes == {'"Sales Dept"."Order Items"': len("1\tCOPY x FROM stdin;\t\\N\t1.00") + 1}
    assert [(e.kind, e.data) for e in reader.entries][-3:] == [
        ("TABLE DATA", True), ("BLOB METADATA", False), ("CONSTRAINT", False)]


def test_names_as_pg_dump_writes_them():
    assert read_qualified('"Sales Dept"."Order Items" (', 0) == ('"Sales Dept"."Order Items"', 26)
    assert read_qualified('public."select" FROM', 0)[0] == 'public."select"'
    assert identifier_list('id, "Item ""quoted"" name", "from"') == ["id", 'Item "quoted" name', "from"]
    assert copy_target('COPY public."a b" ("x y", z) FROM stdin;') == ('public."a b"', ["x y", "z"])
    assert copy_target("COPY x TO stdout;") is None
    assert split_top_level("a numeric(5,2), b text DEFAULT 'x,y', c int") == [
        "a numeric(5,2)", "b text DEFAULT 'x,y'", "c int"]
    assert column_type(" timestamp(3) with time zone DEFAULT now() NOT NULL") == ("timestamp(3) with time zone", False)
    assert column_type(' public."my type"[]') == ('public."my type"[]', False)
    assert column_type(" integer GENERATED ALWAYS AS IDENTITY") == ("integer", False)


def test_copy_text_decodes_escapes_and_keeps_null_apart_from_empty():
    assert decode_row(b"1\t\t\\N\ta\\tb\\nc\\\\d\t\\\\x00ff\t\\101\\x42") == [
        "1", "", None, "a\tb\nc\\d", "\\x00ff", "AB"]
    assert decode_row("caf\xe9".encode("latin-1"), python_encoding("LATIN1")) == ["café"]
    assert python_encoding("WIN1252") == "cp1252" and python_encoding("UTF8") == "utf-8"


def test_csv_cells_as_copy_csv_writes_them_with_the_spreadsheet_guard():
    assert csv_line(["a", "", None, 'say "hi"', "x,y", "l1\nl2"], [False] * 6) == \
        'a,"",,"say ""hi""","x,y","l1\nl2"\n'
    assert csv_line(["\\."], [False]) == '"\\."\n'
    assert csv_line(["=1+1", "-3", "-3", "@a"], [True, True, False, True]) == "'=1+1,'-3,-3,'@a\n"


def test_json_values_typed_where_the_column_type_says():
    types = ["integer", "boolean", "jsonb", "numeric(10,2)", "text[]", "bigint"]
    row = json_row(["i", "b", "j", "n", "a", "x"], ["-3", "t", '{"k": [1]}', "1.50", "{a}", None],
                   [json_converter(t) for t in types])
    assert json.dumps(row) == '{"i": -3, "b": true, "j": {"k": [1]}, "n": "1.50", "a": "{a}", "x": null}'


def test_keys_sort_as_postgresql_does_or_not_at_all():
    reader = read(SCRIPT)
    key = row_key(reader.tables['"Sales Dept"."Order Items"'], ["id", "n"])
    assert sorted([["10", "x"], ["9", "y"]], key=key) == [["9", "y"], ["10", "x"]]
    assert key_function("text") is None and key_function("character varying(20)") is None
    assert key_function("timestamp with time zone")("2024-01-01 10:00:00+01") < \
        key_function("timestamp with time zone")("2024-01-01 09:30:00+00")
    assert sorted(["NaN", "2", "-1"], key=key_function("double precision")) == ["-1", "2", "NaN"]
    dated = TableShape("public.t", "public", "t", columns=[Column("taken", "date")], primary_key=["taken"])
    with pytest.raises(Unorderable):  # a value Python cannot place: the preview keeps the backup's order
        row_key(dated, ["taken"])(["infinity"])


def test_external_sort_merges_runs_in_key_order(tmp_path):
    items = [[str(n % 97), str(n)] for n in range(1000)]
    merged = list(sorted_by_key(iter(items), lambda row: int(row[0]), tmp_path / "staging", run_rows=64))
    assert merged == sorted(items, key=lambda row: int(row[0]))  # stable: ties keep their order
    assert list((tmp_path / "staging").iterdir()) == []  # the runs are gone


@pytest.mark.parametrize("size", [1, 3, 7, 64, 1 << 20])
def test_a_script_read_in_blocks_of_any_size_reads_the_same(size):
    whole = read(SCRIPT)
    reader = ScriptReader()
    reader.feed_blocks(SCRIPT[at:at + size] for at in range(0, len(SCRIPT), size))
    reader.finish()
    assert (reader.tables, reader.entries, reader.data_bytes, reader.large_objects) == \
        (whole.tables, whole.entries, whole.data_bytes, whole.large_objects)
