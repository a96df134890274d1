"""A database with personal data in several shapes, and how to search for its originals.

Shared by the masked-refresh tests of the CLI (tests/integration/test_refresh_masked.py)
and of the screens (tests/ui/test_mask_screens.py). Every original text value
carries the marker "Zorblax" (phones and IBANs a fixed prefix), so "not one
original value anywhere" is a search for a few byte strings.
"""
import json
import subprocess

import psycopg

_SCHEMA = """
CREATE TABLE customers (
    id serial PRIMARY KEY, email varchar(80) NOT NULL UNIQUE, full_name text NOT NULL, phone text,
    iban varchar(34), birth_date date, notes text, profile jsonb, country text NOT NULL);
CREATE TABLE orders (
    id serial PRIMARY KEY, customer_email varchar(80) NOT NULL REFERENCES customers (email),
    amount numeric(10, 2) NOT NULL, placed_at timestamptz NOT NULL);
"""
CUSTOMERS = 300
# What no file of development may contain: every original text value holds one of them.
ORIGINALS = (b"zorblax", b"Zorblax", b"ZORBLAX", b"+44 7700 9", b"50010517")


def _iban(i: int) -> str:
    bban = f"50010517{i:010d}"
    check = 98 - int(bban + "131400") % 97  # D=13, E=14
    return f"DE{check:02d}{bban}"


def fill_personal_data(cluster, dbname: str) -> None:
    with psycopg.connect(cluster.conninfo(dbname), autocommit=True) as conn:
        conn.execute(_SCHEMA)
        with conn.cursor().copy("COPY customers (email, full_name, phone, iban, birth_date, notes, profile, "
                                "country) FROM STDIN") as copy:
            for i in range(CUSTOMERS):
                name = f"Zorblax{i} Quintessa"
                copy.write_row((f"zorblax{i}@realmail.net", name, f"+44 7700 9{i:05d}", _iban(i),
                                f"19{50 + i % 50}-0{1 + i % 9}-1{i % 9}", f"Called {name} about the\tdelivery.",
                                json.dumps({"nickname": f"Zorblax{i}", "backup": f"zorblax{i}@alt.net", "vip": i % 2}),
                                ("DE", "FR", "NL")[i % 3]))
        conn.execute("INSERT INTO orders (customer_email, amount, placed_at) SELECT email, id * 1.5, "
                     "'2024-01-01'::timestamptz + id * interval '1 hour' FROM customers, generate_series(1, 3)")


def dump(cluster, dbname: str) -> bytes:
    with cluster.client_env(dbname) as env:
        return subprocess.run([str(cluster.tool("pg_dump"))], env=env, capture_output=True, check=True).stdout
