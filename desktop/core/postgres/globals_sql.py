"""The role statements of `pg_dumpall --globals-only`, cut down to the roles one database needs.

pg_dumpall writes, per role: `CREATE ROLE r;`, `ALTER ROLE r WITH <attributes>;`,
`COMMENT ON ROLE r IS '...';` (the literal may span lines), `SECURITY LABEL
... ON ROLE r`, `ALTER ROLE r SET ...;`, and per membership `GRANT g TO m
[WITH ...] [GRANTED BY x];`. Everything else (SET lines, psql's \\restrict,
tablespaces) is left out. A role's statements are kept when it is one the
backup names; a membership when both of its roles are.
"""
import re
from collections.abc import Collection, Iterator

IDENT = r'(?:"(?:[^"]|"")+"|[^\s";,]+)'
_ROLE_OWN = re.compile(rf"^(?:CREATE ROLE|ALTER ROLE|COMMENT ON ROLE|SECURITY LABEL FOR \S+ ON ROLE) ({IDENT})")
_MEMBERSHIP = re.compile(rf"^GRANT ({IDENT}) TO ({IDENT})(.*)$", re.DOTALL)
_GRANTED_BY = re.compile(rf" GRANTED BY {IDENT}")
# What a role made for a restore may not be: it logs in nowhere and holds no power beyond objects.
_DOWNGRADES = {"LOGIN": "NOLOGIN", "SUPERUSER": "NOSUPERUSER", "REPLICATION": "NOREPLICATION",
               "BYPASSRLS": "NOBYPASSRLS"}
_ATTRIBUTES = re.compile(rf"^(ALTER ROLE {IDENT} WITH )(.*)$", re.DOTALL)


# The lines of a pg_dump script that name roles, one statement a line:
# owners, grantees, default privileges, a grantor's session.
_SCRIPT_ROLE_LINES = (
    re.compile(rf"^ALTER .* OWNER TO ({IDENT});$"),
    re.compile(rf"^GRANT .* TO ({IDENT})(?: WITH GRANT OPTION)?;$"),
    re.compile(rf"^REVOKE .* FROM ({IDENT});$"),
    re.compile(rf"^ALTER DEFAULT PRIVILEGES FOR ROLE ({IDENT}) .* (?:TO|FROM) ({IDENT})(?: WITH GRANT OPTION)?;$"),
    re.compile(rf"^SET SESSION AUTHORIZATION ({IDENT});$"),
)
_NOT_ROLES = {"public", "current_user", "session_user", "current_role"}


def roles_in_line(line: str) -> list[str]:
    """The roles a line of a pg_dump script names as owner, grantee or grantor."""
    for pattern in _SCRIPT_ROLE_LINES:
        match = pattern.match(line)
        if match:
            names = [unquote(group) for group in match.groups()]
            return [name for name in names if name.lower() not in _NOT_ROLES]
    return []


def quote_ident(name: str) -> str:
    """As PostgreSQL's quote_ident: bare when it needs no quotes (lower case, digits, _)."""
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name):
        return name
    return '"' + name.replace('"', '""') + '"'


def unquote(identifier: str) -> str:
    if identifier.startswith('"'):
        return identifier[1:-1].replace('""', '"')
    return identifier


def statements(script: str) -> Iterator[str]:
    """The SQL statements of a script, each without its `;`. Comment lines and
    psql meta-commands (\\restrict) are skipped between statements only:
    pg_dumpall writes none inside one, and a literal may hold `--`."""
    current, quote, i = "", "", 0
    while i < len(script):
        if not quote and not current.strip() and script.startswith(("--", "\\"), i):
            end = script.find("\n", i)
            i = len(script) if end < 0 else end + 1
            continue
        char = script[i]
        i += 1
        if quote:
            current += char
            quote = "" if char == quote else quote  # a doubled quote closes and reopens
        elif char == ";":
            yield current.strip()
            current = ""
        else:
            current += char
            quote = char if char in "'\"" else ""
    if current.strip():
        yield current.strip()


def roles_of(statement: str) -> tuple[str, ...]:
    """The roles a role statement concerns: one role, or (granted, member) of a
    membership; () for anything else."""
    own = _ROLE_OWN.match(statement)
    if own:
        return (unquote(own.group(1)),)
    membership = _MEMBERSHIP.match(statement)
    if membership:
        return unquote(membership.group(1)), unquote(membership.group(2))
    return ()


def filter_globals(script: str, names: Collection[str]) -> str:
    """The statements of `script` about `names` only, one per line ending in `;`."""
    wanted = set(names)
    kept = [text for text in statements(script) if (roles := roles_of(text)) and set(roles) <= wanted]
    return "".join(f"{text};\n" for text in kept)


def creation_sql(globals_sql: str, missing: Collection[str], existing: Collection[str]) -> str:
    """SQL that makes the `missing` roles as the captured globals describe them,
    but NOLOGIN, not superuser, without replication or row-level-security
    bypass; a role with no captured statements is made bare (NOLOGIN).
    Memberships are kept where both roles exist afterwards, granted by
    whoever runs it (the original grantor may not exist here)."""
    missing, after = set(missing), set(missing) | set(existing)
    made, lines = set(), []
    for text in statements(globals_sql):
        roles = roles_of(text)
        if len(roles) == 1 and roles[0] in missing:
            lines.append(_downgraded(text))
            made.add(roles[0])
        elif len(roles) == 2 and set(roles) <= after and set(roles) & missing:
            lines.append(_GRANTED_BY.sub("", text))
    bare = [f"CREATE ROLE {quote_ident(name)} NOLOGIN" for name in sorted(missing - made)]
    return "".join(f"{text};\n" for text in bare + lines)


def _downgraded(statement: str) -> str:
    attributes = _ATTRIBUTES.match(statement)
    if not attributes:
        return statement
    words = [_DOWNGRADES.get(word, word) for word in attributes.group(2).split(" ")]
    return attributes.group(1) + " ".join(words)
