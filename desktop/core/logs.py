"""The log file: a rotating file under the app's log folder.

Messages never carry a password or a connection string holding one; the
typed errors' `detail` (tool output, exception text) goes here, not on screen.
"""
import logging
import logging.handlers

from .paths import AppPaths

LOG_NAME = "lifeboat.log"


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
    handler = logging.handlers.RotatingFileHandler(target, maxBytes=2 << 20, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger
