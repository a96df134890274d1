"""Removing passwords from text before anyone sees or stores it.

A database URL pasted where a profile name belongs, a libpq keyword string
in a tool's error, `PGPASSWORD=...` in an environment dump: whatever is
shaped like one loses its password before it reaches a message, the log
file or the activity log. Over-redacting is harmless; a leak is not.
"""
import re

MASK = "***"

# postgresql://user:secret@host: greedy to the last '@' of the word, since a
# password may itself hold an unencoded '@'.
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][\w+.-]*://[^:/@\s]*:)\S*@")
# password=secret, password: 'a b', PGPASSWORD=secret (libpq keyword form).
_KEYWORD_PASSWORD = re.compile(r"((?:pg)?password\s*[=:]\s*)('[^']*'|\"[^\"]*\"|\S+)", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with every URL or keyword password replaced by ***."""
    if not text or not isinstance(text, str):
        return text
    text = _URL_PASSWORD.sub(rf"\1{MASK}@", text)
    return _KEYWORD_PASSWORD.sub(rf"\1{MASK}", text)


def looks_like_connection_string(text: str) -> bool:
    """A URL or a libpq `key=value` string, where a plain name was expected."""
    return "://" in text or bool(re.search(r"\b(host|dbname|user|password|port)\s*=", text, re.IGNORECASE))
