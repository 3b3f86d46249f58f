"""The mails one run sends: rendered, saved as `.eml` temps, queued exactly once by key, then sent.

A flow names a mail kind (`Flow.mails`); its `MailBatch` subclass decides, per written record, whether
a mail is due and with which context. Everything else is shared: the key is the primary key of
`state/mails.sqlite`, so a rerun, a restart or the same export dropped again never queues it twice;
the `.eml` is published with the run's other outputs in outbox/mail/; `commit` queues before the run
commits, so a crash cannot lose a mail.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from etl.config import Config
from etl.mail.current import dump_context, fingerprint
from etl.mail.render import Renderer, message_id
from etl.shared.records import Neutral
from etl.state.mail_queue import MailQueue, NewMail

_UNSAFE = re.compile(r"[^\w-]")


class MailBatch:
    """Collects, queues and discards the mails of one kind for one run."""

    kind = "mail"

    def __init__(self, config: Config, stem: str) -> None:
        self.config = config
        self.stem = stem
        self.folder = config.folder("outbox") / "mail"
        self.templates = config.search("templates")
        self.queue = MailQueue(config.folder("state"))
        self.queue.drop_unfinished()  # a run that crashed before queueing its mails left them
        # this chunk's mails, spooled at its end (`flush`): a run's mails (875,000 held ones ~1 GB) stay on disk
        self.pending: list[NewMail] = []
        self._pending_keys: set[str] = set()  # a scan of `pending` per record was quadratic (17,500 mails: 21 s)
        self.count = 0  # mails of this run, spooled or pending
        self._unset = config.mail.unset()  # the settings hold for the run; parsing the sender per mail cost ~40 µs
        self._renderer = Renderer(self.templates)  # the templates compiled once per run, not per mail
        self._eml = f"{self.folder}{os.sep}{stem}_"  # str, not a Path per mail
        self.temps: list[Path] = []

    def take(self, neutral: Neutral, written: set[str]) -> None:
        """Render the mails due for the records among `written` (keys of the target's root records)."""
        raise NotImplementedError

    def is_new(self, key: str, asked: bool = False) -> bool:
        """Whether no earlier run and no earlier chunk of this run queued a mail with this key.

        `asked`: the queue was asked already (`new_among`), only this chunk's own mails are left to check.
        """
        return key not in self._pending_keys and (asked or bool(self.new_among([key])))

    def new_among(self, keys: list[str]) -> set[str]:
        """Of `keys`, those no earlier run and no earlier chunk queued (ask once per chunk; `is_new` asks per key)."""
        return set(keys) - self.queue.known_among(keys)  # a spooled mail is in the queue already

    def flush(self) -> None:
        """Spool this chunk's mails (one transaction), so that a run holds one chunk's mails in memory at most."""
        if self.pending:
            self.queue.spool(self.pending)
        self.pending, self._pending_keys = [], set()

    def add(self, key: str, language: str | None, to: str, context: dict[str, Any], name: str) -> None:
        """Render the mail `key` to `to` and keep it as an `.eml` temp named after `name`.

        While etl.yaml names no sender and shop name, the mail is queued held: not rendered (nobody's
        placeholder reaches a customer), rendered and sent once they are set (etl/mail/current.py).
        """
        settings = self.config.mail
        safe = _UNSAFE.sub("_", name)  # \w is str.isalnum() plus "_"
        eml = f"{self._eml}{safe}.eml"
        data, rendered_with = b"", None
        if not self._unset:
            message = self._renderer.render(self.kind, language or settings.default_language, settings, to,
                                            context, message_id(key, settings.sender))
            self.folder.mkdir(parents=True, exist_ok=True)
            temp = self.folder / f".{self.stem}_{safe}.eml.part"
            data, rendered_with = message.as_bytes(), fingerprint(settings)
            temp.write_bytes(data)
            self.temps.append(temp)
        self._pending_keys.add(key)
        self.count += 1
        self.pending.append(NewMail(key, self.kind, to, self.stem, data, eml, language, dump_context(context),
                                    rendered_with))

    def commit(self) -> None:
        """Queue the new mails durably (before the run commits, so a crash cannot lose them)."""
        self.flush()
        self.queue.add_spooled()  # also the mark of a run whose mails were all queued before
        self.queue.close()

    def discard(self) -> None:
        """Drop what this run rendered (dry run or a failed run)."""
        for temp in self.temps:
            temp.unlink(missing_ok=True)
        self.queue.drop_spooled()
        self.queue.close()
