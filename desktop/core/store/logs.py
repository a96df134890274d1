"""The log file: a rotating file under the app's log folder.

Messages never carry a password or a connection string holding one; the
typed errors' `detail` (tool output, exception text) goes here, not on screen.
Every line, traceback included, is redacted once more on its way out, and
the file is private to the user (0600), rotated ones too.
"""
import logging
import logging.handlers
import os
import stat
from collections import deque

from desktop.core.redact import redact
from desktop.core.store.paths import AppPaths

LOG_NAME = "lifeboat.log"


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Opens (and reopens after a rotation) the log file as 0600, whatever the umask."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if stat.S_IMODE(os.fstat(fd).st_mode) != 0o600:
            os.fchmod(fd, 0o600)  # a file an older version created 0644
        return os.fdopen(fd, self.mode, encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:
        """A log line that cannot be written (a full disk) is dropped: the
        operation reports the disk itself, without a logging traceback on stderr."""


def setup_logging(paths: AppPaths) -> logging.Logger:
    """Logs to this app home's file; a handler for another home (an earlier
    LIFEBOAT_HOME in the same process) is replaced."""
    logger = logging.getLogger("lifeboat")
    target = str(paths.log_dir / LOG_NAME)
    for handler in list(logger.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            if handler.baseFilename == target:
                return logger
            logger.removeHandler(handler)
            handler.close()
    # delay: the file opens at the first line, so a read-only or full disk
    # reaches handleError instead of failing the start.
    handler = _PrivateRotatingFileHandler(target, maxBytes=2 << 20, backupCount=5, encoding="utf-8", delay=True)
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger


def log_tail(paths: AppPaths, max_lines: int = 2000) -> str:
    """The newest lines of the log, for the in-app viewer ("" before anything was logged)."""
    try:
        with open(paths.log_dir / LOG_NAME, encoding="utf-8", errors="replace") as log:
            return "".join(deque(log, maxlen=max_lines))
    except FileNotFoundError:
        return ""
