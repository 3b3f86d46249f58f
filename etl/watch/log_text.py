"""The watch log in the merchant's language: its messages are English %-templates marked for the catalog."""

from __future__ import annotations

import logging

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
