"""Page 3 of the restore wizard: what will happen, in one sentence, before anything does.

Below the sentence, what the target will lose, table by table, from the
check the target page made (rows now) and the backup's manifest (rows
after): lost tables and fallen counts in red. For a production target it
adds the red banner, lists the safety backup step and keeps Restore disabled
until the database name is typed exactly (the engine checks the same text
again: RestoreRequest.confirm). Database users the backup names that the
target server lacks are listed with the three answers to them (roles_choice.py).
"""
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QVBoxLayout, QWidget, QWizard, QWizardPage

from desktop.core.jobs.restore.plan import RestorePlan, table_changes
from desktop.core.jobs.restore.roles import listed
from desktop.ui.badges import EnvironmentBadge
from desktop.ui.restore.loss_list import LossList
from desktop.ui.restore.pages import RestoreChoices, backup_words
from desktop.ui.restore.roles_choice import RolesChoice
from desktop.ui.widgets import HINT_STYLE, LOSSES_TITLE_STYLE, named, production_banner, wrapped_label


class ReviewPage(QWizardPage):
    """Page 3: one sentence of what will happen; for production, the banner and the typed name."""

    def __init__(self, choices: RestoreChoices, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.choices = choices
        self.setTitle("Check before restoring")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Restore")
        self.banner = production_banner("change", self)
        self.target_badge = EnvironmentBadge("development", self)
        self.target_name = wrapped_label("", self, "reviewTarget", "font-weight: bold;")
        self.sentence = wrapped_label("", self, "reviewSentence", "font-size: 11pt;")
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.steps_title = wrapped_label("What Lifeboat will do:", self, "stepsTitle", "font-weight: bold;")
        self.steps = wrapped_label("", self, "reviewSteps")
        self.losses_title = wrapped_label("", self, "lossesTitle", "font-weight: bold;")
        self.losses = LossList("reviewChanges", "What the database will lose, table by table", self)
        self.roles = RolesChoice(self)
        self.confirm_label = wrapped_label("", self, "confirmLabel", "font-weight: bold;")
        self.confirm = named(QLineEdit(self), "confirmField", "Type the database name to confirm")
        self.confirm_label.setBuddy(self.confirm)
        self.confirm_hint = wrapped_label("", self, "confirmHint", HINT_STYLE)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addSpacing(4)
        target_row = QHBoxLayout()
        target_row.addWidget(self.target_badge)
        target_row.addWidget(self.target_name, 1)
        layout.addLayout(target_row)
        layout.addSpacing(4)
        layout.addWidget(self.sentence)
        layout.addSpacing(8)
        layout.addWidget(self.steps_title)
        layout.addWidget(self.steps)
        layout.addSpacing(8)
        layout.addWidget(self.losses_title)
        layout.addWidget(self.losses, 1)
        layout.addSpacing(4)
        layout.addWidget(self.roles)
        layout.addWidget(self.confirm_label)
        layout.addWidget(self.confirm)
        layout.addWidget(self.confirm_hint)
        self.confirm.textChanged.connect(self._on_typed)
        self.roles.changed.connect(self._on_roles)

    def initializePage(self) -> None:
        profile = self.choices.profile
        production = self.choices.writes_production
        self.target_badge.set_environment("development" if self.choices.new_database else profile.environment)
        self.target_name.setText(target_words(self.choices))
        self.sentence.setText(review_sentence(self.choices))
        self.plan = review_plan(self.choices)
        self.losses_title.setText(f"Nothing is lost: {self.choices.new_database} is a new database."
                                  if self.choices.new_database else self.plan.headline())
        self.losses_title.setStyleSheet(LOSSES_TITLE_STYLE if
                                        self.plan.lost or self.plan.fallen else "font-weight: bold;")
        self.losses.show_changes(self.plan.changes)
        self._show_roles()
        for widget in (self.banner, self.confirm_label, self.confirm, self.confirm_hint):
            widget.setVisible(production)
        self.confirm.clear()
        self.confirm_label.setText(f"Type the database name to confirm: {profile.dbname}")
        self.confirm_hint.setText("The Restore button works once the name is typed exactly, "
                                  "with the same capital and small letters.")
        self.setSubTitle("Read this once more. Nothing has been changed yet.")
        self._on_typed()

    def _show_roles(self) -> None:
        state, profile = self.choices.state, self.choices.profile
        missing = state.missing_roles if state else []
        self.roles.setVisible(bool(missing))
        if missing:
            default = "require" if self.choices.writes_production else "map-to-me"
            self.roles.show_for(missing, profile.host, profile.user, state.may_create_roles,
                                state.missing_policy_roles, default)
        self._on_roles()

    def _on_roles(self) -> None:
        self.choices.roles = self.roles.choice if self.roles.isVisibleTo(self) else None
        self.steps.setText("\n".join(f"{n}. {step}" for n, step in enumerate(review_steps(self.choices), 1)))
        self.completeChanged.emit()

    def _on_typed(self, *_args) -> None:
        self.choices.confirm = self.confirm.text() if self.choices.writes_production else None
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        profile = self.choices.profile
        if profile is None or self.choices.roles == "require":
            return False
        return not self.choices.writes_production or self.confirm.text() == profile.dbname


def target_words(choices: RestoreChoices) -> str:
    profile = choices.profile
    if choices.new_database:
        return (f"Into a new database {choices.new_database} on {profile.host}:{profile.port} "
                f"(new connection \u201c{choices.new_connection}\u201d)")
    return f"Into \u201c{profile.name}\u201d: {profile.display_target()}"


def review_plan(choices: RestoreChoices) -> RestorePlan:
    """Rows now (from the target page's check) against rows after, table by table."""
    record = choices.record
    incoming = {key: record.row_counts[key] for key in choices.tables} if choices.tables else dict(record.row_counts)
    if record.options.get("schema_only"):
        incoming = dict.fromkeys(incoming, 0)
    now = {} if choices.new_database else choices.state.tables
    source = "the tables you chose" if choices.tables else "the backup"
    return RestorePlan(choices.state, table_changes(now, incoming, whole=choices.replace, source=source))


def review_sentence(choices: RestoreChoices) -> str:
    record, profile = choices.record, choices.profile
    dbname = choices.new_database or profile.dbname
    target = f"{'the new ' if choices.new_database else ''}database {dbname} on host {profile.host}"
    if record.options.get("schema_only"):
        contents = "the structure only, no rows"
    elif choices.tables:
        rows = sum(record.row_counts[key] for key in choices.tables)
        contents = f"{_tables_words(choices.tables)}, {rows:,} rows"
    else:
        contents = f"{len(record.row_counts)} tables, {record.total_rows:,} rows"
    source = backup_words(record)
    if choices.replace:
        sentence = (f"Everything in {target} will be replaced by {source}: {contents}. "
                    "Whatever is not in the backup is removed.")
    elif choices.clean:
        sentence = (f"In {target}, the ticked tables will be overwritten by those in {source}: {contents}. "
                    "Its other tables stay as they are.")
    else:
        sentence = f"{source[0].upper()}{source[1:]} ({contents}) will be restored into {target}."
    if choices.create:
        sentence += f" Lifeboat creates {dbname} first."
    return sentence


def _tables_words(tables: list[str]) -> str:
    if len(tables) > 4:
        return f"{len(tables)} tables"
    names = [key.removeprefix("public.") for key in tables]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{len(tables)} table{'s' if len(tables) != 1 else ''} ({listed})"


def review_steps(choices: RestoreChoices) -> list[str]:
    profile = choices.profile
    steps = []
    if choices.writes_production and not choices.create:
        steps.append(f"A safety backup of {profile.dbname} is taken first, so this restore can be undone.")
    dbname = choices.new_database or profile.dbname
    if choices.create:
        steps.append(f"{dbname} is created on {profile.host}.")
    what = "The chosen tables are" if choices.tables else "Everything the backup holds is"
    if choices.replace:
        steps.append(f"Everything in {dbname} is removed and {what.lower()} restored, in one step: if "
                     f"anything fails, {dbname} stays as it was.")
    elif choices.clean:
        steps.append(f"The chosen tables are deleted from {dbname}, then restored from the backup, in one step.")
    else:
        steps.append(f"{what} restored into {dbname}.")
    missing = choices.state.missing_roles if choices.state else []
    if missing and choices.roles == "create":
        steps.append(f"The database user{'s' if len(missing) > 1 else ''} {listed(missing)} "
                     f"{'are' if len(missing) > 1 else 'is'} created first, in the same step (no password, "
                     "cannot log in).")
    elif missing and choices.roles == "map-to-me":
        steps.append(f"What {listed(missing)} owned in the backup is given to {profile.user}.")
    steps.append("Lifeboat counts the rows in every restored table and compares them with the backup.")
    if choices.new_database:
        steps.append(f"A development connection \u201c{choices.new_connection}\u201d is added for {dbname}.")
    return steps
