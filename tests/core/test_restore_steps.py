"""pg_restore --verbose's lines become steps in plain words, with counts."""
from desktop.core.jobs.restore.steps import RestoreSteps
from desktop.core.progress import ProgressTracker


def test_tool_lines_become_plain_steps():
    seen = []
    steps = RestoreSteps(ProgressTracker(seen.append), table_count=2)
    for line in ('pg_restore: creating TABLE "public.album"',
                 'pg_restore: processing data for table "public.album"',
                 'pg_restore: processing data for table "sales.Order Items"',
                 'pg_restore: creating INDEX "public.ifk_album_artist_id"',
                 'pg_restore: creating FK CONSTRAINT "public.album album_artist_id_fkey"',
                 'pg_restore: creating FK CONSTRAINT "public.track track_album_id_fkey"',
                 'pg_restore: creating CONSTRAINT "public.album album_pkey"',
                 'pg_restore: creating COMMENT "SCHEMA public"',
                 'pg_restore: executing SEQUENCE SET album_id_seq'):
        steps(line)
    said = [(p.phase, p.item) for p in seen]
    assert said == [
        ("Creating tables (1 so far)", "album"),
        ("Copying rows (1 of 2)", "album"),
        ("Copying rows (2 of 2)", "sales.Order Items"),
        ("Building indexes (1 so far)", "ifk_album_artist_id"),
        ("Linking tables (1 so far)", "album"),
        ("Linking tables (2 so far)", "track"),
        ("Adding the rules tables keep (1 so far)", "album"),
        ("Finishing the database structure (1 so far)", ""),
    ]
    assert not any("CONSTRAINT" in phase or "pg_restore" in phase for phase, _ in said)
