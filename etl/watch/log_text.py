"""The watch log: one line per file and outcome, in the merchant's language (its messages are English
%-templates marked for the catalog)."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler

from etl.config import Config
from etl.i18n import N_, _, translate

LEVELS = (N_("INFO"), N_("WARNING"), N_("ERROR"))


class LogFormatter(logging.Formatter):
    """Each log line translated when written: the message, the level, and the English texts among its values
    (states, reasons); file names and numbers stay as they are."""

    def format(self, record: logging.LogRecord) -> str:
        """The line in the current language (the record itself stays English for other handlers)."""
        shown = logging.makeLogRecord(record.__dict__)
        shown.msg = _(str(record.msg))
        if isinstance(record.args, tuple):
            # an empty text stays empty (gettext's "" is the catalog's header)
            shown.args = tuple(translate(value) if isinstance(value, str) and value else value for value in record.args)
        shown.levelname = _(record.levelname)
        return super().format(shown)


def setup_logging(config: Config) -> None:
    """One line per file and outcome, to the console and to a rotating log file."""
    logger = logging.getLogger("etl.watch")
    logger.setLevel(logging.INFO)
    if logger.handlers:
        return
    form = LogFormatter("%(asctime)s %(levelname)-7s %(message)s", "%Y-%m-%d %H:%M:%S")
    path = (config.base / config.watch.log_file).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    for handler in (logging.StreamHandler(), RotatingFileHandler(path, maxBytes=1 << 20, backupCount=5,
                                                                  encoding="utf-8")):
        handler.setFormatter(form)
        logger.addHandler(handler)
