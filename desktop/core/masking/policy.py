"""A source connection's masking policy: per column a rule and whether a person reviewed it.

Kept beside the profiles, in `<config>/masking/<profile>.json` (0600, written
whole and atomically like profiles.json). It holds rules and the columns'
names and types, never a value. Every change raises `version` by one; the
`digest` (SHA-256 over the rules) names exactly which rules a refresh used.
"""
import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from desktop.core.errors import LifeboatError
from desktop.core.store.paths import AppPaths
from desktop.core.store.settings import damaged_config_file, read_config_file, write_config_file

_FILE_VERSION = 1


@dataclass
class ColumnPolicy:
    rule: str = "keep"
    reviewed: bool = False
    type: str = ""  # the column's type when it was reviewed, for the screens and `mask show`
    reason: str = ""  # why the rule was suggested, when it was


@dataclass
class Policy:
    profile: str
    version: int = 0
    changed_at: str = ""
    columns: dict[str, ColumnPolicy] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        rules = {key: column.rule for key, column in sorted(self.columns.items()) if column.reviewed}
        return hashlib.sha256(json.dumps(rules, sort_keys=True).encode("utf-8")).hexdigest()

    def describe(self) -> str:
        """How the activity log names it."""
        return f"masking policy version {self.version} (sha256 {self.digest[:16]})"

    def unreviewed(self, column_keys) -> list[str]:
        """The columns a refresh may not copy yet: new since the review, or never confirmed."""
        return [key for key in column_keys if not (key in self.columns and self.columns[key].reviewed)]

    def to_dict(self) -> dict:
        return {"version": _FILE_VERSION, "profile": self.profile, "policy_version": self.version,
                "changed_at": self.changed_at, "sha256": self.digest,
                "columns": {key: asdict(column) for key, column in sorted(self.columns.items())}}

    @classmethod
    def from_dict(cls, data: dict) -> "Policy":
        columns = {key: ColumnPolicy(**{k: v for k, v in value.items() if k in ColumnPolicy.__dataclass_fields__})
                   for key, value in data.get("columns", {}).items()}
        return cls(data["profile"], int(data.get("policy_version", 0)), data.get("changed_at", ""), columns)


class PolicyStore:
    def __init__(self, paths: AppPaths):
        self._folder = paths.config_dir / "masking"

    def path(self, profile: str) -> Path:
        # Profile names are file-name safe (profiles.validate).
        return self._folder / f"{profile}.json"

    def load(self, profile: str) -> Policy:
        """The profile's policy; an empty one (version 0, nothing reviewed) when there is none."""
        path = self.path(profile)
        data = read_config_file(path, what="masking policy")
        if data is None:
            return Policy(profile)
        try:
            return Policy.from_dict(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise damaged_config_file(path, "masking policy", exc) from exc

    def save(self, policy: Policy) -> Policy:
        """Writes the policy as its next version."""
        policy.version += 1
        policy.changed_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        try:
            self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise LifeboatError(f"Lifeboat could not create the folder {self._folder} ({exc.strerror}).",
                                detail=repr(exc)) from exc
        write_config_file(self.path(policy.profile), policy.to_dict())
        return policy
