"""From a policy and the source's columns to what the stream filter does per table.

A foreign-key column takes the rule and the shape of the column it
references (followed to the end of the chain), whatever the policy says for
it: the same rule, key and original then give the same fake on both sides,
so every reference still finds its row.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional

from desktop.core.errors import MaskingRefused
from desktop.core.masking.keyed import Keyed
from desktop.core.masking.policy import Policy
from desktop.core.masking.rules import Rule, Shape, masker
from desktop.core.masking.schema import Column, SourceSchema
from desktop.core.postgres.snapshot import split_table_key

_ALLOWED = {
    "text": {"email", "name", "phone", "address", "iban", "card", "text", "date-shift", "null", "hash", "fixed"},
    "json": {"text", "null", "fixed"},
    "date": {"date-shift", "null", "fixed"},
    "uuid": {"hash", "null", "fixed"}, "inet": {"hash", "null", "fixed"}, "bytea": {"hash", "null", "fixed"},
    "other": {"null", "fixed"},
}
_VARIANTS = {"name": (("first", ("first", "given", "fore")), ("last", ("last", "surname", "family"))),
             "address": (("city", ("city", "town")), ("postcode", ("zip", "postcode", "postal", "post_code")))}

Mask = Callable[[Optional[str]], Optional[str]]


def variant_of(rule: str, column_name: str) -> str:
    lowered = column_name.lower()
    for variant, hints in _VARIANTS.get(rule, ()):
        if any(hint in lowered for hint in hints):
            return variant
    return ""


def shape_of(column: Column, rule: Rule) -> Shape:
    return Shape(column.kind, column.max_length, column.unique, variant_of(rule.name, column.name))


def rule_problem(column: Column, rule: Rule) -> Optional[str]:
    """Why `rule` cannot be used on `column`, in words; None when it can."""
    if rule.name == "keep":
        return None
    if rule.name not in _ALLOWED[column.kind]:
        fits = ", ".join(sorted(_ALLOWED[column.kind] | {"keep"}))
        return f"{column.key} is of type {column.type}, which the rule '{rule.name}' cannot fill (fitting: {fits})"
    if rule.name == "null" and column.not_null:
        return f"{column.key} may not be empty (NOT NULL), so 'null' cannot be its rule"
    if rule.name == "fixed" and column.unique:
        return f"{column.key} must hold different values in every row (UNIQUE), so 'fixed' cannot be its rule"
    if rule.name == "fixed" and column.max_length and len(rule.arg) > column.max_length:
        return f"'{rule.arg}' is longer than the {column.max_length} characters {column.key} holds"
    return None


@dataclass
class MaskPlan:
    """Per table (schema, name unquoted): its columns, and the mask of each masked one."""
    known: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    masks: dict[tuple[str, str], dict[str, Mask]] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)  # column key -> effective rule, masked ones only
    partition_roots: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    inputs: tuple = ()  # build_plan's arguments: a masking worker process builds the same plan from them

    def table_of(self, schema: str, table: str) -> tuple[str, str]:
        return self.partition_roots.get((schema, table), (schema, table))


def effective_rule(policy: Policy, schema: SourceSchema, key: str) -> tuple[Rule, Column]:
    """The rule a column's values go through, and the column whose shape they take."""
    root = schema.root_of(key)
    owner = root if root in schema.columns else key
    entry = policy.columns.get(owner)
    return Rule.parse(entry.rule if entry else "keep"), schema.columns[owner]


def build_plan(policy: Policy, schema: SourceSchema, key: bytes, require_reviewed: bool = True) -> MaskPlan:
    """Raises MaskingRefused when a column is unreviewed or a rule does not fit its column.

    Without `require_reviewed` (a preview) a column not reviewed yet is kept as it is."""
    unreviewed = policy.unreviewed(schema.columns)
    if unreviewed and require_reviewed:
        raise unreviewed_error(policy.profile, unreviewed)
    keyed, plan, problems = Keyed(key), MaskPlan(), []
    for column in schema.columns.values():
        table = split_table_key(column.table)
        plan.known.setdefault(table, set()).add(column.name)
        rule, owner = effective_rule(policy, schema, column.key)
        problem = rule_problem(owner, rule) or (rule_problem(column, rule) if owner is not column else None)
        if problem:
            problems.append(problem)
        elif rule.name != "keep":
            plan.masks.setdefault(table, {})[column.name] = masker(keyed, rule, shape_of(owner, rule))
            plan.rules[column.key] = str(rule)
    if problems:
        raise MaskingRefused("These masking rules do not fit their columns: " + "; ".join(problems)
                             + ". Change them with `lifeboat mask set`, then refresh again. Nothing was changed.")
    plan.partition_roots = {split_table_key(part): split_table_key(root)
                            for part, root in schema.partition_roots.items()}
    plan.inputs = (policy, schema, key, require_reviewed)
    return plan


def unreviewed_error(profile: str, columns: list[str]) -> MaskingRefused:
    shown = ", ".join(columns[:20]) + (f" and {len(columns) - 20} more" if len(columns) > 20 else "")
    return MaskingRefused(
        f"The masking policy of {profile} has not been reviewed for {len(columns)} column(s): {shown}. "
        f"Review them first (`lifeboat mask suggest {profile}`, then `lifeboat mask set` or "
        f"`lifeboat mask review {profile} --accept-suggestions`). Nothing was changed.")
