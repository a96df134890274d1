"""The words the window uses for schedules: ago, when, what is kept, per-connection status."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from desktop.core.schedule.manage import add_schedule
from desktop.core.schedule.status import ConnectionStatus
from desktop.core.schedule.words import ago_text, connection_words, keeps_text, status_words, when_text
from desktop.core.store.profiles import Profile
from desktop.core.store.schedules import Retention, new_schedule
from desktop.core.workspace import Workspace

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)  # Wednesday, 10:30 in Berlin


def test_ago():
    assert ago_text(NOW - timedelta(seconds=20), NOW) == "just now"
    assert ago_text(NOW - timedelta(minutes=1), NOW) == "1 minute ago"
    assert ago_text(NOW - timedelta(minutes=59), NOW) == "59 minutes ago"
    assert ago_text(NOW - timedelta(hours=2, minutes=5), NOW) == "2 hours ago"
    assert ago_text(NOW - timedelta(hours=47), NOW) == "47 hours ago"
    assert ago_text(NOW - timedelta(days=3, hours=1), NOW) == "3 days ago"


def test_when_in_the_schedule_time_zone():
    assert when_text(datetime(2026, 12, 2, 22, 0, tzinfo=UTC), NOW, BERLIN) == "today 23:00"
    assert when_text(datetime(2026, 12, 3, 1, 0, tzinfo=UTC), NOW, BERLIN) == "tomorrow 02:00"
    assert when_text(datetime(2026, 12, 4, 1, 0, tzinfo=UTC), NOW, BERLIN) == "Fri 02:00"
    assert when_text(datetime(2027, 1, 1, 1, 0, tzinfo=UTC), NOW, BERLIN) == "Fri 1 Jan 02:00"


def test_keeps():
    assert keeps_text(Retention()) == "keeps the last 7, 7 daily, 4 weekly, 6 monthly"
    assert keeps_text(Retention(last=3, daily=0, weekly=0, monthly=12)) == "keeps the last 3, 12 monthly"
    assert keeps_text(Retention(0, 0, 0, 0)) == "keeps only the backups retention never removes"


def test_status_words():
    never = ConnectionStatus("shop", None, None, None, NOW)
    words = status_words(never, BERLIN)
    assert (words.last, words.next, words.overdue) == ("Last good backup: none yet", "No schedule", False)
    late = ConnectionStatus("shop", NOW - timedelta(days=3), datetime(2026, 12, 3, 1, 0, tzinfo=UTC),
                            timedelta(days=2), NOW)
    words = status_words(late, BERLIN)
    assert (words.last, words.next, words.overdue) == ("Last good backup: 3 days ago", "Next: tomorrow 02:00", True)
    assert words.spoken() == "Last good backup: 3 days ago, Next: tomorrow 02:00, overdue"


def test_connection_words_per_profile(lifeboat_home):
    ws = Workspace.open()
    for name in ("Shop", "Blog"):
        ws.profiles.add(Profile(name=name, environment="development", host="localhost", dbname=name.lower(),
                                user="alex"))
    ws.settings.time_zone = "Europe/Berlin"
    add_schedule(ws, new_schedule("Shop", "daily", at="02:00", now=NOW - timedelta(days=5)))
    words = connection_words(ws, NOW)
    assert words["Shop"].next == "Next: tomorrow 02:00" and words["Shop"].overdue
    assert words["Blog"].next == "No schedule" and not words["Blog"].overdue
