"""What a restore does about the roles a backup names that the target server lacks.

A backup records the roles its objects name (owners, grantees) and their
globals (postgres/roles.py). Before anything is changed, a restore compares
them with the target server's roles; for those missing it does what it was
asked (CLI `--roles`, the wizard's review page):

- `require` (the default into production): stop, naming them; nothing changed;
- `create`: make them, from the captured globals, without passwords and
  NOLOGIN, never superuser (globals_sql.creation_sql). CREATE ROLE runs in
  the restore's own transaction (the psql route: script.py, psql.py), so a
  restore that fails takes the roles it made with it;
- `map-to-me` (the default into development): objects they owned stay with
  the target connection's user, who creates them, and grants to them are
  left out: the script's `ALTER ... OWNER TO`, `GRANT ... TO`, `REVOKE ...
  FROM`, `ALTER DEFAULT PRIVILEGES FOR ROLE` and `SET SESSION AUTHORIZATION`
  lines that name a missing role are dropped on the way into psql. Owners
  and grants of roles the server has stay as they were, except that objects
  of a role the user may not give objects to (not a member of it) stay the
  user's too, as its default privileges and grants made in its name: what
  `--no-owner` gave a refresh before, while grants to such roles stay.
  A row-security policy naming a missing role is refused up front: its
  role list cannot be rewritten without changing what the policy allows.

Both rewrite the script, so both take the psql route (one transaction that
Lifeboat commits). A backup made before Lifeboat recorded roles names none:
it restores as before, and a missing role fails the restore (rolled back).
"""
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Optional

from desktop.core.errors import RestoreFailed, RolesMissing, UsageError
from desktop.core.format.manifest import Manifest
from desktop.core.jobs.restore.request import ROLE_CHOICES, RestoreRequest
from desktop.core.postgres.connection import connect_to_server
from desktop.core.postgres.globals_sql import creation_sql, roles_in_line
from desktop.core.postgres.sqlfilter import without_lines
from desktop.core.store.profiles import Profile

# May the user create roles; every role; the roles it may not give objects to
# (ALTER ... OWNER TO needs membership, from 16 the SET option of it).
_RIGHTS = """
SELECT r.rolsuper OR r.rolcreaterole, ARRAY(SELECT rolname FROM pg_roles)::text[],
       ARRAY(SELECT o.rolname FROM pg_roles o
             WHERE NOT CASE WHEN current_setting('server_version_num')::int >= 160000
                            THEN pg_has_role(o.oid, 'SET') ELSE pg_has_role(o.oid, 'MEMBER') END)::text[]
FROM pg_roles r WHERE r.rolname = current_user
"""

def default_choice(profile: Profile) -> str:
    return "require" if profile.is_production else "map-to-me"


def named_roles(manifest: Manifest, request: RestoreRequest) -> list[str]:
    """The roles this restore would write into the target's objects: owners
    unless --no-owner, grantees unless --no-acl, policies' roles always."""
    if manifest.roles is None or request.data_only:
        return []
    uses = manifest.roles_used_as
    wanted = {"owner": not request.no_owner, "grantee": not request.no_acl, "policy": True}
    return sorted({name for use, names in uses.items() if wanted.get(use, True) for name in names})


def missing_roles(manifest: Manifest, request: RestoreRequest, existing: Collection[str]) -> list[str]:
    return sorted(set(named_roles(manifest, request)) - set(existing))


def listed(names: Iterable[str]) -> str:
    """'"a"', '"a" and "b"', '"a", "b" and "c"'."""
    quoted = [f'"{name}"' for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


@dataclass(frozen=True)
class RoleDecision:
    choice: str = "require"
    missing: tuple[str, ...] = ()
    create_sql: str = ""
    not_mine: tuple[str, ...] = ()  # map-to-me: existing roles the user may not give objects to

    @property
    def rewrites_script(self) -> bool:
        return bool(self.missing or self.not_mine)

    def apply(self, request: RestoreRequest) -> RestoreRequest:
        """The request with the roles made first, or their lines left out."""
        if not self.rewrites_script:
            return request
        if self.choice == "create":
            return replace(request, sql_before=self.create_sql + request.sql_before)
        return replace(request, script_filter=_chain(self._without_missing, request.script_filter))

    def _without_missing(self, blocks: Iterable[bytes]) -> Iterator[bytes]:
        missing, not_mine = set(self.missing), set(self.not_mine)

        def dropped(line: bytes) -> bool:
            if not line.startswith((b"ALTER ", b"GRANT ", b"REVOKE ", b"SET SESSION")):
                return False
            roles = roles_in_line(line.decode("utf-8", "replace"))
            # The first role an ALTER or SET names is the one acted as (owner, FOR ROLE, session).
            acts_as = bool(roles) and not line.startswith((b"GRANT ", b"REVOKE ")) and roles[0] in not_mine
            return acts_as or bool(missing.intersection(roles))

        return without_lines(blocks, dropped)


def _chain(first, then):
    if then is None:
        return first
    return lambda blocks: then(first(blocks))


NO_ROLES = RoleDecision()


def decide_roles(manifest: Manifest, request: RestoreRequest, profile: Profile,
                 password: Optional[str]) -> RoleDecision:
    """What the restore does about missing roles; RolesMissing (require) or
    RestoreFailed (create without the right to) before anything is changed."""
    choice = request.roles or default_choice(profile)
    if choice not in ROLE_CHOICES:
        raise UsageError(f"Unknown choice for roles {choice!r}; choose one of {', '.join(ROLE_CHOICES)}.")
    if not named_roles(manifest, request):
        return NO_ROLES
    conn, _ = connect_to_server(profile, password)
    with conn:
        may_create, existing, not_mine = conn.execute(_RIGHTS).fetchone()
    missing = missing_roles(manifest, request, existing)
    if choice == "map-to-me":
        _refuse_policies_of(missing, manifest, profile)
        named = set(named_roles(manifest, request))
        return RoleDecision(choice, tuple(missing), not_mine=tuple(sorted(named.intersection(not_mine))))
    if not missing:
        return NO_ROLES
    if choice == "require":
        raise RolesMissing(refusal(missing, profile))
    if choice == "create" and not may_create:
        raise RestoreFailed(
            f"The server lacks the database user{'s' if len(missing) > 1 else ''} {listed(missing)}, and "
            f"{profile.user} may not create users there. Nothing was changed. Restore with "
            "'give their objects to me' (--roles map-to-me), or ask an administrator to create them.")
    return RoleDecision(choice, tuple(missing), creation_sql(manifest.roles_sql, missing, existing))


def policy_roles_among(names: Iterable[str], manifest: Manifest) -> list[str]:
    """Those of `names` that the backup's row-security policies name: map-to-me cannot take them."""
    return sorted(set(names).intersection(manifest.roles_used_as.get("policy", ())))


def _refuse_policies_of(missing: list[str], manifest: Manifest, profile: Profile) -> None:
    # A policy's roles are part of it: no line can be left out, the policy would change.
    in_policies = policy_roles_among(missing, manifest)
    if in_policies:
        raise RestoreFailed(
            f"Row-security policies in the backup name {listed(in_policies)}, which "
            f"{'do' if len(in_policies) > 1 else 'does'} not exist on {profile.host}, so their objects cannot "
            "simply be given to you. Nothing was changed. Restore with 'create them' (--roles create), "
            "or ask an administrator to create them first.")


def refusal(missing: list[str], profile: Profile) -> str:
    many = len(missing) > 1
    return (f"The backup names database user{'s' if many else ''} {listed(missing)}, which "
            f"{'do' if many else 'does'} not exist on {profile.host}. Nothing was changed. Restore with "
            "'create them' (--roles create) or 'give their objects to me' (--roles map-to-me), "
            "or ask an administrator to create them first.")
