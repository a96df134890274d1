"""Lifeboat: safe, encrypted backups and restores of PostgreSQL databases."""

__version__ = "0.1.0"

import logging as _logging

# Until the app sets up its log file, nothing is printed on a terminal by
# accident (Python's last-resort handler would write warnings to stderr).
_logging.getLogger("lifeboat").addHandler(_logging.NullHandler())
