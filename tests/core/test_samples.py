"""Telling Pagila's known PostgreSQL-15 failures from real ones, on psql
output recorded while loading pagila-schema.sql into PostgreSQL 15.18."""
from desktop.core.localpg.samples import _tolerated_lines, read_sample, unexpected_errors

RECORDED_PG15_STDERR = """\
psql:<stdin>:11: ERROR:  unrecognized configuration parameter "transaction_timeout"
psql:<stdin>:797: ERROR:  syntax error at or near "AS"
LINE 9:             rental_report.report, '$[*]' AS json_table_path_...
                                                 ^
"""


def tolerated():
    return _tolerated_lines(read_sample("pagila-schema.sql"))


def test_the_known_postgresql_17_statements_are_tolerated():
    assert unexpected_errors(RECORDED_PG15_STDERR, tolerated()) == []


def test_any_other_error_is_reported():
    stderr = RECORDED_PG15_STDERR + 'psql:<stdin>:900: ERROR:  relation "public.payment" already exists\n'
    assert unexpected_errors(stderr, tolerated()) == [
        'psql:<stdin>:900: ERROR:  relation "public.payment" already exists'
    ]


def test_an_error_psql_words_otherwise_is_reported():
    stderr = "psql: error: connection to server failed: FATAL:  too many connections\n"
    assert unexpected_errors(stderr, tolerated()) == [stderr.strip()]
