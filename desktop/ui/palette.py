"""The window's colours, named by what they mean rather than how they look.

Every screen takes its colours from here, so "danger" is the same red in a
banner, a loss list and an error line, and a change of shade is one edit.
Each text colour is dark enough to read on white and on the alternate row
grey; the *_TINT colours are faint washes for backgrounds behind them.
"""

TEXT = "#202124"
MUTED = "#5f6368"  # hints, secondary lines, cancelled backups
INFO_TEXT = "#3c4043"  # a neutral note, a shade darker than a hint
ON_COLOUR = "#ffffff"  # text on a filled badge, banner, icon or button

DANGER = "#b3261e"  # errors, losses, refusals, failed backups
DANGER_TINT = "#fbeceb"
ERROR_TEXT = "#8c1d18"  # a paragraph explaining an error, on ERROR_TINT
ERROR_TINT = "#fce8e6"

SUCCESS = "#2e7d32"  # a check passed, a strong passphrase
SUCCESS_TINT = "#edf7ee"
OK_TEXT = "#1b5e20"  # a sentence saying something went right (darker: long text)

WARNING = "#b26a00"
WARNING_TINT = "#fff6e0"
CAUTION_TEXT = "#8a5a00"  # a middling passphrase
CHANGED_TEXT = "#8a4b00"  # dark amber: a count that changed, not the red of errors

IN_PROGRESS = "#0b57d0"
INFO_NOTE_TEXT = "#0b3d91"  # a "still running" notice, on INFO_NOTE_TINT
INFO_NOTE_TINT = "#e8f0fe"

NEUTRAL_TINT = "#f4f5f7"
NEUTRAL_BORDER = "#d0d4da"

# Production is the dangerous place: the same red. Development is safe: the same green.
PRODUCTION = DANGER
PRODUCTION_TINT = DANGER_TINT  # rows and panels that belong to production
DEVELOPMENT = SUCCESS
# A connection whose scheduled backups have not succeeded for too long.
OVERDUE = DANGER

# The one button a page is about (welcome page): filled, with its own states.
PRIMARY = "#1f5fa8"
PRIMARY_HOVER = "#184c87"
PRIMARY_PRESSED = "#123a66"
PRIMARY_FOCUS = "#0b2440"
STEP_TINT = "#e3e8ef"  # the discs behind the welcome page's step numbers
