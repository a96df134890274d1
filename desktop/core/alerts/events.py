"""What an alert says: one event about one connection, as every channel sends it."""
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Optional

EVENTS = ("backup_failed", "backup_stalled", "stale", "backup_succeeded", "refresh_failed", "test")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class AlertEvent:
    event: str          # one of EVENTS
    connection: str     # the profile's name
    database: str
    message: str        # plain words, as the user reads them
    backup_id: Optional[str] = None
    time: str = field(default_factory=_now)   # ISO 8601 UTC

    def to_json(self) -> dict:
        return asdict(self)
