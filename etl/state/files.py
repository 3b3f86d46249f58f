"""The working folder's state files by name, and the one way their SQLite databases are opened.

Every database of `state/` is opened here: in autocommit (a transaction is always explicit, `transaction`),
in WAL mode (a reader such as `etl status` never waits for a run, nor a run for it), and waiting up to
`BUSY_TIMEOUT` seconds for another writer instead of failing at once.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# in the state folder (`folders.state` of etl.yaml)
LEDGER = "ledger.sqlite"  # inputs, records and runs done; planned outputs (etl/state/ledger.py)
LINKS = "links.sqlite"  # shop customer -> ERP customer number (etl/state/links.py)
DELTA = "delta.sqlite"  # a hash per record sent (etl/state/delta.py)
MAILS = "mails.sqlite"  # the mail queue (etl/state/mail_queue.py)
PAYMENTS = "payments.sqlite"  # open payments and reminders mailed (etl/state/payments.py)
NOTIFY = "notify.sqlite"  # events `etl watch` mailed to the merchant, and when (etl/mail/notify.py)
PAGE_TOKEN = "serve.token"  # the status page's token (etl/state/page_token.py)
RUN_LOCK = "run.lock"  # held by the one run of the working folder
# in the inbox
WATCH_LOCK = ".etl-watch.lock"  # held by the one watcher of the inbox

BUSY_TIMEOUT = 30.0  # seconds a connection waits for another one's write lock


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create) a state database: autocommit, WAL, a busy timeout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    return db


def connect_read_only(path: Path) -> sqlite3.Connection:
    """Open an existing state database to read it only (nothing is created or changed)."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)


@contextmanager
def transaction(db: sqlite3.Connection, immediate: bool = False) -> Iterator[sqlite3.Connection]:
    """All of the block's writes or none; `immediate` takes the write lock at once (a read-then-write)."""
    db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield db
    except BaseException:
        if db.in_transaction:  # a full disk may have rolled it back already: its error is the one to tell
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# SQLite's primary result codes of a write the disk did not take, as the OS would say it
_STORAGE = {sqlite3.SQLITE_FULL: errno.ENOSPC, sqlite3.SQLITE_READONLY: errno.EROFS, sqlite3.SQLITE_IOERR: errno.EIO}


def storage_code(exc: sqlite3.Error) -> int | None:
    """The errno of a state database's failed write ("database or disk is full", "disk I/O error"), else None."""
    code = getattr(exc, "sqlite_errorcode", None)
    return _STORAGE.get(code & 0xFF) if isinstance(code, int) else None
