"""What the CLI and the screens do with a source's masking policy: suggest, review, set, preview.

Changes to a policy are recorded in the activity log ("mask_policy"); the
policy itself stays rules only.
"""
from dataclasses import dataclass, field

from psycopg import sql

from desktop.core.errors import UsageError
from desktop.core.masking.plan import build_plan, effective_rule, rule_problem
from desktop.core.masking.policy import ColumnPolicy, Policy, PolicyStore
from desktop.core.masking.rules import Rule
from desktop.core.masking.schema import SourceSchema, read_schema
from desktop.core.masking.suggest import Suggestion, suggest
from desktop.core.postgres.connection import connect
from desktop.core.postgres.snapshot import split_table_key
from desktop.core.store.audited import audited
from desktop.core.workspace import Workspace

PREVIEW_ROWS = 10


@dataclass
class PolicyChange:
    policy: Policy
    audit_message: str

    @property
    def profile(self) -> str:
        return self.policy.profile


def policies(ws: Workspace) -> PolicyStore:
    return PolicyStore(ws.paths)


def source_schema(ws: Workspace, profile_name: str) -> SourceSchema:
    profile = ws.profiles.get(profile_name)
    with connect(profile, ws.profiles.password_for(profile)) as conn:
        return read_schema(conn)


def suggestions(ws: Workspace, profile_name: str) -> tuple[list[Suggestion], Policy]:
    profile = ws.profiles.get(profile_name)
    with connect(profile, ws.profiles.password_for(profile)) as conn:
        found = suggest(conn, read_schema(conn))
    return found, policies(ws).load(profile.name)


@audited("mask_policy", profile="profile_name")
def accept_suggestions(ws: Workspace, profile_name: str) -> PolicyChange:
    """Every column not reviewed yet takes its suggestion (or keep); reviewed ones stay as they are.
    Columns no longer in the source leave the policy."""
    found, policy = suggestions(ws, profile_name)
    current = {s.column for s in found}
    gone = [key for key in policy.columns if key not in current]
    for key in gone:
        del policy.columns[key]
    taken = 0
    for item in found:
        if not _reviewed(policy, item.column):
            policy.columns[item.column] = ColumnPolicy(item.rule, True, item.type, item.reason)
            taken += 1
    policies(ws).save(policy)
    masked = sum(1 for c in policy.columns.values() if c.rule != "keep")
    return PolicyChange(policy, f"Reviewed {taken} column(s) from suggestions ({len(gone)} gone from the source); "
                                f"{masked} masked in all. Now {policy.describe()}.")


def accepted_rules(found: list[Suggestion], policy: Policy) -> dict[str, str]:
    """What "accept the suggestions" makes of each column: a reviewed one keeps its rule, any other
    takes its suggestion (the review screen's button; `accept_suggestions` saves the same)."""
    return {item.column: policy.columns[item.column].rule if _reviewed(policy, item.column) else item.rule
            for item in found}


def _reviewed(policy: Policy, key: str) -> bool:
    return key in policy.columns and policy.columns[key].reviewed


@audited("mask_policy", profile="profile_name")
def save_review(ws: Workspace, profile_name: str, found: list[Suggestion], rules: dict[str, str]) -> PolicyChange:
    """The review screen's Save: every column it showed becomes reviewed with the rule chosen for it.
    Checked against the source as it is now; columns gone from it leave the policy."""
    schema = source_schema(ws, profile_name)
    policy = policies(ws).load(profile_name)
    for key in [key for key in policy.columns if key not in schema.columns]:
        del policy.columns[key]
    for item in found:
        column = schema.columns.get(item.column)
        if column is None:
            continue
        rule = _parse_rule(rules[item.column], column)
        saved = policy.columns.get(item.column)
        reason = item.reason if str(rule) == item.rule else (
            saved.reason if saved and saved.rule == str(rule) else "set by hand")
        policy.columns[item.column] = ColumnPolicy(str(rule), True, column.type, reason)
    policies(ws).save(policy)
    masked = sum(1 for c in policy.columns.values() if c.rule != "keep")
    return PolicyChange(policy, f"Reviewed {len(found)} column(s) on the review screen; {masked} masked in all. "
                                f"Now {policy.describe()}.")


def review_state(ws: Workspace, profile_name: str) -> tuple[Policy, list[str]]:
    """The source's policy and the columns a masked refresh would stop at (new or never reviewed)."""
    policy = policies(ws).load(profile_name)
    return policy, policy.unreviewed(source_schema(ws, profile_name).columns)


@audited("mask_policy", profile="profile_name")
def set_rule(ws: Workspace, profile_name: str, column_key: str, rule_text: str) -> PolicyChange:
    schema = source_schema(ws, profile_name)
    column = _find_column(schema, column_key)
    rule = _parse_rule(rule_text, column)
    policy = policies(ws).load(profile_name)
    policy.columns[column.key] = ColumnPolicy(str(rule), True, column.type, "set by hand")
    policies(ws).save(policy)
    note = ""
    root = schema.root_of(column.key)
    if root != column.key:
        note = f" It references {root}, so its values are masked with that column's rule."
    return PolicyChange(policy, f"{column.key}: {rule}.{note} Now {policy.describe()}.")


def _parse_rule(rule_text: str, column) -> Rule:
    try:
        rule = Rule.parse(rule_text)
    except ValueError as exc:
        raise UsageError(f"'{rule_text}' is not a masking rule ({exc}). Rules: email, name, phone, address, iban, "
                         "card, text, date-shift [DAYS], null, hash, fixed VALUE, keep.") from exc
    problem = rule_problem(column, rule)
    if problem:
        raise UsageError(f"That rule does not fit {column.key}: {problem}.")
    return rule


def _find_column(schema: SourceSchema, key: str):
    if key in schema.columns:
        return schema.columns[key]
    # Accept the unquoted spelling too (public.Customers.Email for public."Customers"."Email").
    loose = [c for c in schema.columns.values() if f"{c.table.replace(chr(34), '')}.{c.name}" == key]
    if len(loose) == 1:
        return loose[0]
    raise UsageError(f"The source has no column {key}. Give it as SCHEMA.TABLE.COLUMN (for example "
                     "public.customers.email); `lifeboat mask suggest PROFILE` lists them.")


@dataclass
class TablePreview:
    table: str
    columns: list[str]
    rules: list[str]
    rows: list[tuple[list, list]] = field(default_factory=list)  # (before, after) per row


def preview(ws: Workspace, profile_name: str, table: str | None = None, rows: int = PREVIEW_ROWS) -> list[TablePreview]:
    """Up to `rows` rows of each masked table, the masked columns before and after."""
    profile = ws.profiles.get(profile_name)
    policy = policies(ws).load(profile.name)
    with connect(profile, ws.profiles.password_for(profile)) as conn:
        schema = read_schema(conn)
        plan = build_plan(policy, schema, ws.secrets.masking_key(), require_reviewed=False)
        conn.execute("SET DateStyle = 'ISO, YMD'")  # as pg_dump writes dates, which the rules read
        shown = []
        for name, columns in schema.tables().items():
            masks = plan.masks.get(split_table_key(name), {})
            if not masks or (table and table not in (name, split_table_key(name)[1])):
                continue
            masked = [c for c in columns if c.name in masks]
            query = sql.SQL("SELECT {} FROM {} LIMIT {}").format(
                sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c.name)) for c in masked),
                sql.Identifier(*split_table_key(name)), sql.Literal(rows))
            item = TablePreview(name, [c.name for c in masked],
                                [str(effective_rule(policy, schema, c.key)[0]) for c in masked])
            for row in conn.execute(query):
                item.rows.append((list(row), [masks[c.name](value) for c, value in zip(masked, row)]))
            shown.append(item)
    if table and not shown:
        raise UsageError(f"No masked table {table} in {profile_name}'s policy. `lifeboat mask show {profile_name}` "
                         "lists the masked columns.")
    return shown
