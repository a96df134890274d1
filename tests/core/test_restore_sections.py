"""pg_restore --jobs's messages, which its workers write at once, read right (recorded output)."""
from desktop.core.jobs.restore.toc_sections import SectionMessages

# Two workers' refusals of SET transaction_timeout, their pieces interleaved (seen with pg_restore 18 into 15).
REFUSED_TWICE = [
    'pg_restore: error: pg_restore:could not execute query: ERROR:  unrecognized configuration parameter '
    '"transaction_timeout"',
    "Command was: SET transaction_timeout = 0;",
    ' error: could not execute query: ERROR:  unrecognized configuration parameter "transaction_timeout"',
    "Command was: SET transaction_timeout = 0;",
    'pg_restore: launching item 3330 CONSTRAINT public.t t_pkey',
    'pg_restore: creating TABLE "public.error: codes"',  # a name, not an error
    "pg_restore: warning: errors ignored on restore: 2",
]
FAILED_INDEX = [
    "pg_restore: from TOC entry 3199; 1259 16391 INDEX t_trapped lifeboat_admin",
    "pg_restore: error: could not execute query: ERROR:  no index in a copy being built",
    "CONTEXT:  PL/pgSQL function public.refuses_builds(integer) line 3 at RAISE",
    "Command was: CREATE INDEX t_trapped ON public.t USING btree (public.refuses_builds(a));",
]


def read(lines: list[str]) -> SectionMessages:
    messages = SectionMessages(lambda line: None)
    for line in lines:
        messages(line)
    return messages


def test_interleaved_refusals_of_the_setting_are_all_that_went_wrong():
    messages = read(REFUSED_TWICE)
    assert (messages.errors, messages.refused, messages.launched, messages.first_other()) == (2, 2, 1, None)


def test_another_error_among_them_is_the_one_reported():
    for lines in (REFUSED_TWICE + FAILED_INDEX, FAILED_INDEX[:2] + REFUSED_TWICE, FAILED_INDEX[:2]):
        messages = read(lines)
        assert messages.errors - messages.refused == 1
        assert messages.first_other() == "could not execute query: ERROR:  no index in a copy being built"


def test_another_process_message_between_an_errors_pieces_is_not_taken_for_it():
    """Seen under load: one worker's "pg_restore: error: " pieces, then the other's whole
    verbose line, then the first's text (the refused setting); the index's error comes later."""
    interleaved = [
        "pg_restore: error: pg_restore: executing SELECT pg_catalog.set_config('search_path', '', false);",
        'could not execute query: ERROR:  unrecognized configuration parameter "transaction_timeout"',
        "Command was: SET transaction_timeout = 0;",
    ]
    messages = read(interleaved + FAILED_INDEX)
    assert (messages.errors, messages.refused) == (2, 1)
    assert messages.first_other() == "could not execute query: ERROR:  no index in a copy being built"

