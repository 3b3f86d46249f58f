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


def without_rowid(db: sqlite3.Connection, table: str, create: str) -> None:
    """Copy `table` of an older version (rows by rowid beside an index of its key) into one B-tree by its key.

    `create` makes the table WITHOUT ROWID, with the same columns. A key kept beside the rows stored every
    key twice (the ledger's records, the delta's hashes); a table made so already is left as it is.
    """
    if not _has_rowid(db, table):
        return
    with transaction(db, immediate=True):
        if not _has_rowid(db, table):  # another connection migrated it meanwhile
            return
        key = ", ".join(row[1] for row in sorted(db.execute(f"PRAGMA table_info({table})"), key=lambda r: r[5])
                        if row[5])
        db.execute(f"ALTER TABLE {table} RENAME TO {table}_with_rowid")
        db.execute(create)
        db.execute(f"INSERT INTO {table} SELECT * FROM {table}_with_rowid ORDER BY {key}")  # in the tree's order
        db.execute(f"DROP TABLE {table}_with_rowid")


def _has_rowid(db: sqlite3.Connection, table: str) -> bool:
    row = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    return row is not None and "WITHOUT ROWID" not in row[0].upper()


# SQLite's primary result codes of a write the disk did not take, as the OS would say it
_STORAGE = {sqlite3.SQLITE_FULL: errno.ENOSPC, sqlite3.SQLITE_READONLY: errno.EROFS, sqlite3.SQLITE_IOERR: errno.EIO}


def storage_code(exc: sqlite3.Error) -> int | None:
    """The errno of a state database's failed write ("database or disk is full", "disk I/O error"), else None."""
    code = getattr(exc, "sqlite_errorcode", None)
    return _STORAGE.get(code & 0xFF) if isinstance(code, int) else None
