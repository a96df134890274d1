"""Suggested rules, from a column's name and a small sample of its values, with the reason in words.

The sample is read and judged here and then dropped: only counts ("100 of
100 sampled values look like e-mail addresses") leave this module.
"""
import re
from dataclasses import dataclass
from typing import Optional

import psycopg
from psycopg import sql

from desktop.core.masking.plan import rule_problem
from desktop.core.masking.rules import Rule, luhn_valid
from desktop.core.masking.schema import Column, SourceSchema
from desktop.core.postgres.snapshot import split_table_key

SAMPLE_ROWS = 100
_SAMPLED_KINDS = ("text", "json")

# (rule, words in the column name that suggest it), most specific first.
_NAME_HINTS = (
    ("email", ("email", "e_mail", "mail")),
    ("iban", ("iban", "bank_account", "account_number", "account_no")),
    ("card", ("card", "credit", "cc_number", "pan")),
    ("phone", ("phone", "mobile", "cell", "tel", "fax")),
    ("hash", ("password", "passwd", "token", "secret", "api_key", "hash", "ssn", "social_security", "tax_id",
              "taxid", "vat_id", "national_id", "passport")),
    ("date-shift", ("birth", "dob")),
    ("hash", ("ip_address", "ip_addr", "client_ip", "remote_ip")),
    ("address", ("address", "street", "city", "town", "zip", "postcode", "postal", "post_code")),
    ("name", ("first_name", "firstname", "last_name", "lastname", "surname", "given_name", "family_name",
              "full_name", "fullname", "contact_name", "customer_name", "maiden")),
    ("text", ("note", "comment", "description", "remark", "bio", "message")),
)
_EXACT_NAMES = {"name": "name", "ip": "hash", "dob": "date-shift", "account": "iban"}

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"\+?[\d\s().-]{7,20}")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}")
_CARD = re.compile(r"\d{13,19}")


def _is_iban(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    if not _IBAN.fullmatch(compact):
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _is_card(value: str) -> bool:
    digits = re.sub(r"[\s-]", "", value)
    return bool(_CARD.fullmatch(digits)) and luhn_valid(digits)


def _is_phone(value: str) -> bool:
    return bool(_PHONE.fullmatch(value.strip())) and sum(c.isdigit() for c in value) >= 7


# (rule, what the values look like, test), checked in this order.
_VALUE_SHAPES = (
    ("email", "e-mail addresses", lambda v: bool(_EMAIL.fullmatch(v.strip()))),
    ("iban", "IBANs with a valid checksum", _is_iban),
    ("card", "card numbers passing the Luhn check", _is_card),
    ("phone", "phone numbers", _is_phone),
)


@dataclass(frozen=True)
class Suggestion:
    column: str
    rule: str
    reason: str
    type: str


def _name_hint(name: str) -> Optional[tuple[str, str]]:
    lowered = name.lower()
    if lowered in _EXACT_NAMES:
        return _EXACT_NAMES[lowered], f"the column is called '{name}'"
    # A hint starts a word ("tel" in telephone, not in hotel; "pan" not in company).
    words = "_" + re.sub(r"[^a-z0-9]+", "_", lowered)
    for rule, hints in _NAME_HINTS:
        hit = next((hint for hint in hints if "_" + hint in words), None)
        if hit:
            return rule, f"name contains '{hit}'"
    return None


def _value_hint(values: list[str], rule_from_name: Optional[str]) -> Optional[tuple[str, str, int]]:
    """The shape most sampled values have (or the named rule's shape), with the count."""
    if not values:
        return None
    for rule, words, test in _VALUE_SHAPES:
        hits = sum(1 for value in values if test(value))
        if rule == rule_from_name or (rule_from_name is None and hits >= 0.8 * len(values)):
            return rule, f"{hits} of {len(values)} sampled values look like {words}", hits
    return None


def suggest_column(column: Column, values: list[str]) -> Suggestion:
    by_name = _name_hint(column.name)
    by_values = _value_hint(values, by_name[0] if by_name else None)
    reasons = [text for text in (by_name and by_name[1], by_values and by_values[1]) if text]
    rule = by_name[0] if by_name else (by_values[0] if by_values else "keep")
    if rule == "keep" and column.kind == "json" and any(_EMAIL.search(v) for v in values):
        rule, reasons = "text", ["JSON whose sampled values hold e-mail addresses"]
    if rule == "keep":
        return Suggestion(column.key, "keep", "nothing in its name or sampled values looks personal", column.type)
    problem = rule_problem(column, Rule(rule))
    if problem:
        fallback = "keep" if column.not_null else "null"
        return Suggestion(column.key, fallback, "; ".join(reasons) + f", but {problem}: {fallback} instead",
                          column.type)
    return Suggestion(column.key, rule, "; ".join(reasons), column.type)


def sample_values(conn: psycopg.Connection, schema: SourceSchema, rows: int = SAMPLE_ROWS) -> dict[str, list[str]]:
    """Up to `rows` non-empty values of each text or JSON column, as text."""
    samples: dict[str, list[str]] = {}
    for table, columns in schema.tables().items():
        wanted = [c for c in columns if c.kind in _SAMPLED_KINDS]
        if not wanted:
            continue
        query = sql.SQL("SELECT {} FROM {} LIMIT {}").format(
            sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c.name)) for c in wanted),
            sql.Identifier(*split_table_key(table)), sql.Literal(rows))
        found = conn.execute(query).fetchall()
        for i, column in enumerate(wanted):
            samples[column.key] = [row[i] for row in found if row[i]]
    return samples


def suggest(conn: psycopg.Connection, schema: SourceSchema) -> list[Suggestion]:
    samples = sample_values(conn, schema)
    return [suggest_column(column, samples.get(column.key, [])) for column in schema.columns.values()]
