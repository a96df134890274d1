"""The masking rules, COPY text and the stream filter, without a server (issue 13)."""
import ipaddress
import json

import pytest

from desktop.core.errors import MaskingRefused
from desktop.core.masking.copytext import parse_copy_header
from desktop.core.masking.keyed import Keyed
from desktop.core.masking.plan import MaskPlan, build_plan
from desktop.core.masking.policy import ColumnPolicy, Policy
from desktop.core.masking.rules import (
    Rule,
    Shape,
    luhn_valid,
    mask_address,
    mask_card,
    mask_email,
    mask_hash,
    mask_iban,
    mask_name,
    mask_phone,
    mask_text,
    masker,
    shift_date,
)
from desktop.core.masking.schema import Column, SourceSchema
from desktop.core.masking.stream import CopyMasker, MaskReport
from desktop.core.masking.suggest import _is_iban, suggest_column
from desktop.core.postgres.copy_format import decode_field, encode_field

KEY = Keyed(b"k" * 32)
MILLION = 1_000_000


def test_a_million_emails_stay_unique_and_shaped():
    fakes = {mask_email(KEY, f"person{i}@corp.example.org", Shape(max_length=120, unique=True)) for i in range(MILLION)}
    assert len(fakes) == MILLION
    assert all(fake.endswith("@example.com") and fake.count("@") == 1 for fake in list(fakes)[:1000])


def test_a_million_phones_stay_unique_and_keep_their_punctuation():
    fakes = {mask_phone(KEY, f"+1 (555) {i // 10000:03d}-{i % 10000:04d}", Shape()) for i in range(MILLION)}
    assert len(fakes) == MILLION
    sample = next(iter(fakes))
    assert sample.startswith("+1 (") and sample[7:9] == ") " and sample[12] == "-"


def test_same_original_same_fake_other_key_other_fake():
    assert mask_email(KEY, "ann@shop.com", Shape()) == mask_email(KEY, "ann@shop.com", Shape(max_length=200))
    assert mask_email(KEY, "ann@shop.com", Shape()) != mask_email(Keyed(b"j" * 32), "ann@shop.com", Shape())


def test_lengths_fit_the_column():
    for length in (8, 16, 24, 40):
        shape = Shape(max_length=length, unique=True)
        for value in ("ann.lee@shop.com", "Ann Marie Lee", "12 Long Street Name"):
            for rule in (mask_email, mask_name, mask_address, mask_text, mask_hash):
                assert len(rule(KEY, value, shape)) <= length, (rule.__name__, length)


def test_iban_keeps_its_checksum_and_grouping():
    for original in ("DE89 3704 0044 0532 0130 00", "GB29NWBK60161331926819", "NL91ABNA0417164300"):
        fake = mask_iban(KEY, original, Shape())
        assert _is_iban(fake) and fake != original
        assert (" " in fake) == (" " in original) and len(fake) == len(original)
        assert fake[:2] == original[:2]


def test_cards_pass_luhn():
    for original in ("4111 1111 1111 1111", "5500-0000-0000-0004", "340000000000009"):
        fake = mask_card(KEY, original, Shape())
        digits = "".join(c for c in fake if c.isdigit())
        assert luhn_valid(digits) and fake != original and len(fake) == len(original)


def test_text_json_dates_and_hashes_keep_their_type():
    note = "Called Alice Smith about her order."
    assert "Alice" not in mask_text(KEY, note, Shape()) and len(mask_text(KEY, note, Shape())) == len(note)
    masked = json.loads(mask_text(KEY, '{"name": "Alice", "age": 41, "tags": ["vip"]}', Shape(kind="json")))
    assert set(masked) == {"name", "age", "tags"} and masked["age"] == 41 and masked["name"] != "Alice"
    # Escapes, nesting and a json column's own layout: keys and numbers stay byte for byte.
    text = '{"say": "\\"hi\\" \\u00e9", "list" :["Alice", 1.50, {"k": "Alice"}],\n "n": null}'
    out = mask_text(KEY, text, Shape(kind="json"))
    parsed = json.loads(out)
    assert '"list" :[' in out and "1.50" in out and ',\n "n": null}' in out
    assert len(parsed["say"]) == len('"hi" é') and "hi" not in parsed["say"]
    assert parsed["list"][0] == parsed["list"][2]["k"] == masked["name"] != "Alice"
    assert shift_date(KEY, "1980-02-29", 30) != "1980-02-29" and len(shift_date(KEY, "1980-02-29", 30)) == 10
    assert shift_date(KEY, "2024-01-01 10:00:00+00", 30).endswith(" 10:00:00+00")
    assert shift_date(KEY, "infinity", 30) == "infinity"
    ipaddress.ip_address(mask_hash(KEY, "192.168.1.20", Shape(kind="inet")))
    ipaddress.ip_address(mask_hash(KEY, "2001:db8::1", Shape(kind="inet")))


def test_nulls_stay_null_and_rules_parse():
    assert masker(KEY, Rule.parse("email"), Shape())(None) is None
    assert masker(KEY, Rule.parse("fixed n/a"), Shape())("x") == "n/a"
    assert masker(KEY, Rule.parse("null"), Shape())("x") is None
    assert str(Rule.parse("date-shift 90")) == "date-shift 90"
    for bad in ("mail", "fixed", "date-shift x", "email 3"):
        with pytest.raises(ValueError):
            Rule.parse(bad)


def test_copy_text_round_trips():
    for text in ("a\tb", "back\\slash", "two\nlines\r", "café", ""):
        assert decode_field(encode_field(text)) == text
    assert decode_field(b"\\303\\251") == "é" and decode_field(b"\\x41") == "A"
    assert parse_copy_header(b'COPY "Sales Dept"."Order Items" ("Id", name, "a,b", "x""y") FROM stdin;') == (
        "Sales Dept", "Order Items", ["Id", "name", "a,b", 'x"y'])
    assert parse_copy_header(b"CREATE TABLE x (a int);") is None


def _plan() -> MaskPlan:
    email = masker(KEY, Rule("email"), Shape())
    return MaskPlan(known={("public", "people"): {"id", "email", "note"}},
                    masks={("public", "people"): {"email": email}})


def _run(script: bytes, chunk: int = 7) -> bytes:
    filter_ = CopyMasker(_plan())
    return b"".join(filter_(script[i:i + chunk] for i in range(0, len(script), chunk)))


def test_the_filter_masks_only_masked_fields_of_copy_rows():
    script = (b"SET x = 1;\nCOPY public.people (id, email, note) FROM stdin;\n"
              b"1\tann@shop.com\tsays hi\\tthere\n2\t\\N\tkeeps a@b.com\n\\.\nSELECT 1;\n")
    out = _run(script).split(b"\n")
    assert out[0] == b"SET x = 1;" and out[5] == b"SELECT 1;"
    first = out[2].split(b"\t")
    assert first[0] == b"1" and first[1].endswith(b"@example.com") and first[2] == b"says hi\\tthere"
    assert out[3] == b"2\t\\N\tkeeps a@b.com"  # NULL stays NULL; an unmasked column is untouched


def test_the_filter_refuses_unknown_columns_and_statistics():
    with pytest.raises(MaskingRefused, match="ssn"):
        _run(b"COPY public.people (id, email, ssn) FROM stdin;\n1\ta@b.c\t123\n\\.\n")
    with pytest.raises(MaskingRefused, match="statistics"):
        _run(b"SELECT * FROM pg_catalog.pg_restore_attribute_stats('x');\n")


def test_worker_processes_mask_exactly_as_one_process_and_a_broken_pool_falls_back():
    columns = [Column("public.people", name, f"public.people.{name}", type_, kind, True, None, name == "id")
               for name, type_, kind in (("id", "bigint", "other"), ("email", "text", "text"),
                                         ("note", "text", "text"), ("doc", "jsonb", "json"))]
    policy = Policy("p", 1, columns={c.key: ColumnPolicy({"email": "email", "doc": "text"}.get(c.name, "keep"), True)
                                     for c in columns})
    plan = build_plan(policy, SourceSchema({c.key: c for c in columns}), b"k" * 32)
    rows = b"".join(b'%d\tp%d@shop.com\tnote %d\t{"who": "Ann %d", "n": %d}\n' % (i, i % 700, i, i % 50, i)
                    for i in range(30_000))
    escaped = b'30000\tq@shop.com\tn\t{"who": "Ann 1", "s": "a\\\\"b"}\n'  # a JSON escape, doubled by COPY
    script = (b"SET x = 1;\nCOPY public.people (id, email, note, doc) FROM stdin;\n" + rows + escaped
              + b"\\.\nSELECT 1;\n")

    def masked(**options) -> tuple[bytes, MaskReport]:
        filter_ = CopyMasker(plan, **options)
        return b"".join(filter_(script[i:i + 65536] for i in range(0, len(script), 65536))), filter_.report

    alone, report = masked(workers=0)
    assert report.rows == {"public.people": 30_001} and b"@shop.com" not in alone and b"Ann " not in alone
    docs = {line.split(b"\t")[0]: json.loads(decode_field(line.split(b"\t")[3])) for line in alone.split(b"\n")[2:-3]}
    assert docs[b"30000"]["who"] == docs[b"1"]["who"] and len(docs[b"30000"]["s"]) == 3  # same fake either way
    assert masked(workers=2, parallel_after=0) == (alone, report)
    plan.inputs = (None,)  # a worker cannot build its plan: the pool breaks, the chunks are masked here
    assert masked(workers=2, parallel_after=0) == (alone, report)


def test_suggestions_give_reasons():
    column = Column("public.people", "contact_email", "public.people.contact_email", "text", "text", True, None, True)
    found = suggest_column(column, ["a@b.com"] * 100)
    assert found.rule == "email"
    assert found.reason == "name contains 'email'; 100 of 100 sampled values look like e-mail addresses"
    cards = Column("public.p", "x", "public.p.x", "text", "text", False, None, False)
    assert suggest_column(cards, ["4111111111111111"] * 10).rule == "card"
    company = Column("public.p", "company", "public.p.company", "text", "text", False, None, False)
    assert suggest_column(company, ["Acme"]).rule == "keep"
    ids = Column("public.p", "phone_id", "public.p.phone_id", "integer", "other", True, None, False)
    assert suggest_column(ids, []).rule == "keep"  # NOT NULL integer: a phone rule would not fit
