"""A database with the names and objects that trip up a reader of backups:
quotes, spaces, unicode, reserved words, partitions, large objects, NULL
against empty text, tabs and newlines in values, a generated column."""
import pytest

UNUSUAL_SQL = r"""
CREATE SCHEMA "Sales Dept";
CREATE TABLE "Sales Dept"."Order Items" (
    id integer PRIMARY KEY, "Item ""quoted"" name" text, prix numeric(10,2), "ünïcode" varchar(20) COLLATE "C",
    tags text[], doc jsonb, raw bytea, ok boolean, at timestamptz DEFAULT now(),
    doubled numeric GENERATED ALWAYS AS (prix * 2) STORED);
INSERT INTO "Sales Dept"."Order Items" (id, "Item ""quoted"" name", prix, "ünïcode", tags, doc, raw, ok, at) VALUES
 (3, E'line\nbreak "q", comma', 3, 'x', '{}', '"s"', '', false, '2024-06-01'),
 (1, E'a\ttab \\ back', -1.50, 'ü', '{a,"b c"}', '{"k": [1,2]}', '\x00ff', true, '2024-01-01 10:00+00'),
 (2, '', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE public."select" ("from" int PRIMARY KEY, "order" text);
INSERT INTO public."select" SELECT g, 'r' || g FROM generate_series(1, 300) g;
CREATE TABLE public.measures (taken date NOT NULL, city text NOT NULL, v double precision,
    PRIMARY KEY (taken, city)) PARTITION BY RANGE (taken);
CREATE TABLE public.measures_2023 PARTITION OF public.measures FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE public.measures_2024 PARTITION OF public.measures FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO public.measures VALUES ('2024-02-01', 'Oslo', 1.5), ('2023-05-01', 'Bergen', -2),
    ('2023-01-01', 'Ås', 'NaN');
CREATE VIEW "Sales Dept".cheap AS SELECT id FROM "Sales Dept"."Order Items" WHERE prix < 2;
CREATE MATERIALIZED VIEW public.sel_mv AS SELECT count(*) FROM public."select";
CREATE FUNCTION public.add1(i int) RETURNS int LANGUAGE sql AS 'SELECT i + 1';
CREATE SEQUENCE public.lonely_seq;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TABLE public.nokey (a text, b int);
INSERT INTO public.nokey VALUES ('=1+1', 2), ('@x', NULL), ('-3', -3), ('plain', 0);
CREATE TABLE "Sales Dept".nokey (z int PRIMARY KEY);
SELECT lo_from_bytea(0, 'hello'), lo_from_bytea(0, 'world');
"""


@pytest.fixture
def unusual_db(pg15, fresh_db):
    name = fresh_db(prefix="unusual Ünï \"db\"")
    pg15.run_psql(name, UNUSUAL_SQL)
    return name
