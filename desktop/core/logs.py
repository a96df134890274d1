"""The log file: a rotating file under the app's log folder.

Messages never carry a password or a connection string holding one; the
typed errors' `detail` (tool output, exception text) goes here, not on screen.
"""
import logging
import logging.handlers

from .paths import AppPaths

LOG_NAME = "lifeboat.log"


def setup_logging(paths: AppPaths) -> logging.Logger:
    logger = logging.getLogger("lifeboat")
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in logger.handlers):
        handler = logging.handlers.RotatingFileHandler(
            paths.log_dir / LOG_NAME, maxBytes=2 << 20, backupCount=5, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    return logger
