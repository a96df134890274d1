"""Page 3 of the restore wizard: what will happen, in one sentence, before anything does.

For a production target it adds the red banner, lists the safety backup
step and keeps Restore disabled until the database name is typed exactly
(the engine checks the same text again: RestoreRequest.confirm).
"""
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QVBoxLayout, QWidget, QWizard, QWizardPage

from .badges import PRODUCTION_COLOUR, EnvironmentBadge
from .restore_pages import HINT_STYLE, RestoreChoices, backup_words, named, wrapped_label


class ReviewPage(QWizardPage):
    """Page 3: one sentence of what will happen; for production, the banner and the typed name."""

    def __init__(self, choices: RestoreChoices, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.choices = choices
        self.setTitle("Check before restoring")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "Restore")
        self.banner = wrapped_label("You are about to change a PRODUCTION database", self, "productionBanner",
                                    f"background-color: {PRODUCTION_COLOUR}; color: white; font-weight: bold;"
                                    " font-size: 13pt; padding: 10px; border-radius: 4px;")
        self.banner.setAccessibleName("Warning: you are about to change a production database")
        self.target_badge = EnvironmentBadge("development", self)
        self.target_name = wrapped_label("", self, "reviewTarget", "font-weight: bold;")
        self.sentence = wrapped_label("", self, "reviewSentence", "font-size: 11pt;")
        self.sentence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.steps_title = wrapped_label("What Lifeboat will do:", self, "stepsTitle", "font-weight: bold;")
        self.steps = wrapped_label("", self, "reviewSteps")
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
        layout.addWidget(self.confirm_label)
        layout.addWidget(self.confirm)
        layout.addWidget(self.confirm_hint)
        layout.addStretch(1)
        self.confirm.textChanged.connect(self._on_typed)

    def initializePage(self) -> None:
        profile = self.choices.profile
        production = profile.is_production
        self.target_badge.set_environment(profile.environment)
        self.target_name.setText(f"Into \u201c{profile.name}\u201d: {profile.display_target()}")
        self.sentence.setText(review_sentence(self.choices))
        self.steps.setText("\n".join(f"{n}. {step}" for n, step in enumerate(review_steps(self.choices), 1)))
        for widget in (self.banner, self.confirm_label, self.confirm, self.confirm_hint):
            widget.setVisible(production)
        self.confirm.clear()
        self.confirm_label.setText(f"Type the database name to confirm: {profile.dbname}")
        self.confirm_hint.setText("The Restore button works once the name is typed exactly, "
                                  "with the same capital and small letters.")
        self.setSubTitle("Read this once more. Nothing has been changed yet.")
        self._on_typed()

    def _on_typed(self, *_args) -> None:
        self.choices.confirm = self.confirm.text() if self.choices.profile.is_production else None
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        profile = self.choices.profile
        return profile is not None and (not profile.is_production or self.confirm.text() == profile.dbname)


def review_sentence(choices: RestoreChoices) -> str:
    record, profile = choices.record, choices.profile
    target = f"database {profile.dbname} on host {profile.host}"
    if record.options.get("schema_only"):
        contents = "the structure only, no rows"
    elif choices.tables:
        rows = sum(record.row_counts[key] for key in choices.tables)
        contents = f"{_tables_words(choices.tables)}, {rows:,} rows"
    else:
        contents = f"{len(record.row_counts)} tables, {record.total_rows:,} rows"
    source = backup_words(record)
    if choices.clean and choices.tables:
        sentence = f"In {target}, the chosen tables will be replaced by those in {source}: {contents}."
    elif choices.clean:
        sentence = f"{target[0].upper()}{target[1:]} will be replaced by {source}: {contents}."
    else:
        sentence = (f"{source[0].upper()}{source[1:]} ({contents}) will be restored into {target}. "
                    "Nothing already in it is deleted.")
    if choices.create:
        sentence += f" If {profile.dbname} does not exist yet, it will be created."
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
    if profile.is_production:
        steps.append(f"A safety backup of {profile.dbname} is taken first, so this restore can be undone.")
    if choices.create:
        steps.append(f"If {profile.dbname} does not exist, it is created.")
    what = "The chosen tables are" if choices.tables else "Everything the backup holds is"
    if choices.clean:
        steps.append(f"{what} deleted from {profile.dbname}, then restored from the backup.")
    else:
        steps.append(f"{what} restored into {profile.dbname}.")
    steps.append("Lifeboat counts the rows in every restored table and compares them with the backup.")
    return steps
