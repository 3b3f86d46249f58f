"""The persistent state (SQLite): inputs and records already imported, runs, planned outputs."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from pathlib import Path

from etl.state.files import LEDGER, connect, connect_read_only, transaction, without_rowid
from etl.state.sql_keys import in_keys, key_batches, keys_source
from etl.state.written import WrittenKeys

# Without a rowid: the key (flow, record) was a second B-tree beside the rows, every record stored twice.
_RECORDS = """CREATE TABLE IF NOT EXISTS records (
    flow TEXT NOT NULL, record TEXT NOT NULL, run_id TEXT NOT NULL, PRIMARY KEY (flow, record)) WITHOUT ROWID"""
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS inputs (
    sha256 TEXT NOT NULL, flow TEXT NOT NULL, name TEXT NOT NULL, run_id TEXT NOT NULL,
    processed_at TEXT NOT NULL, PRIMARY KEY (sha256, flow));
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, flow TEXT NOT NULL, started TEXT NOT NULL, finished TEXT,
    status TEXT, report TEXT);
{_RECORDS};
CREATE TABLE IF NOT EXISTS pending_outputs (
    run_id TEXT NOT NULL, temp TEXT NOT NULL, final TEXT NOT NULL, PRIMARY KEY (run_id, temp));
CREATE TABLE IF NOT EXISTS reimports (
    sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, asked_at TEXT NOT NULL, how TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS partly_written (
    sha256 TEXT NOT NULL, flow TEXT NOT NULL, record TEXT NOT NULL,
    PRIMARY KEY (sha256, flow, record)) WITHOUT ROWID;
"""


def file_hash(path: Path) -> str:
    """SHA-256 of a file's content: the identity of an export, whatever its name."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class Ledger:
    """What has been done, kept across runs and crashes."""

    def __init__(self, folder: Path, read_only: bool = False) -> None:
        if read_only:  # an existing ledger, looked at (`etl status`): nothing is created or migrated
            self.db = connect_read_only(folder / LEDGER)
            return
        self.db = connect(folder / LEDGER)
        self.db.executescript(_SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(inputs)")}
        if "complete" not in columns:  # a ledger of an older version: its inputs count as fully written
            self.db.execute("ALTER TABLE inputs ADD COLUMN complete INTEGER NOT NULL DEFAULT 1")
        without_rowid(self.db, "records", _RECORDS)  # a ledger of an older version

    def seen(self, sha256: str, flow: str, complete_only: bool = False) -> tuple[str, str] | None:
        """(run id, time) of the earlier import of this content, or None.

        With `complete_only`, an import that left records rejected does not count: the file may
        come again after the fix (the records written then are kept out by the record ledger).
        """
        row = self.db.execute("SELECT run_id, processed_at FROM inputs WHERE sha256=? AND flow=?"
                              + (" AND complete=1" if complete_only else ""), (sha256, flow)).fetchone()
        return (row[0], row[1]) if row else None

    def written_keys(self) -> WrittenKeys:
        """A set for the keys a run writes, kept on this ledger's connection (`commit_run` copies it in SQL)."""
        return WrittenKeys(self.db)

    def commit_run(self, run_id: str, flow: str, started: str, status: str, report: str,
                   inputs: list[tuple[str, str]], outputs: Sequence[tuple[Path, Path]] = (),
                   records: Iterable[str] = (), incomplete: Collection[str] = (),
                   per_input: bool = False) -> None:
        """Record a run, its inputs, the records it wrote and its planned outputs in one transaction.

        `incomplete` holds the hashes of inputs of which some record was rejected (not fully written).
        With `per_input` (a flow whose records are not otherwise imported once), the records are also kept
        for each incomplete input, so that the input taken again writes only the rest (`written_from`).
        """
        now = datetime.now().isoformat(timespec="seconds")
        with transaction(self.db):
            self.db.executemany(
                "INSERT OR REPLACE INTO inputs (sha256, flow, name, run_id, processed_at, complete) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(sha, flow, name, run_id, now, int(sha not in incomplete)) for sha, name in inputs])
            self.db.execute("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?)",
                            (run_id, flow, started, now, status, report))
            partly = [sha for sha, _ in inputs if sha in incomplete] if per_input else []
            if isinstance(records, WrittenKeys) and records.db is self.db:
                keys = records.distinct()
                self.db.execute(f"INSERT OR REPLACE INTO records SELECT ?, key, ? FROM ({keys})", (flow, run_id))
                for sha in partly:
                    self.db.execute(f"INSERT OR IGNORE INTO partly_written SELECT ?, ?, key FROM ({keys})", (sha, flow))
                records = ()
            for text, odd in key_batches(records):
                self.db.execute("INSERT OR REPLACE INTO records SELECT ?, value, ? FROM json_each(?)",
                                (flow, run_id, text))
                self.db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?)",
                                    [(flow, record, run_id) for record in odd])
                for sha in partly:
                    self.db.execute("INSERT OR IGNORE INTO partly_written SELECT ?, ?, value FROM json_each(?)",
                                    (sha, flow, text))
                    self.db.executemany("INSERT OR IGNORE INTO partly_written VALUES (?, ?, ?)",
                                        [(sha, flow, record) for record in odd])
            self.db.executemany("INSERT OR REPLACE INTO pending_outputs VALUES (?, ?, ?)",
                                [(run_id, str(temp), str(final)) for temp, final in outputs])
            self.db.executemany("DELETE FROM reimports WHERE sha256=?", [(sha,) for sha, _ in inputs])
            self.db.executemany("DELETE FROM partly_written WHERE sha256=? AND flow=?",
                                [(sha, flow) for sha, _ in inputs if sha not in incomplete])

    def ask_reimport(self, sha256: str, name: str, how: str) -> None:
        """Take this content again (as `--force` does) in the run that next finds it; `how` says who asked."""
        self.db.execute("INSERT OR REPLACE INTO reimports VALUES (?, ?, ?, ?)",
                        (sha256, name, datetime.now().isoformat(timespec="seconds"), how))

    def reimport_asked(self, sha256: str) -> tuple[str, str] | None:
        """(time, how) of a re-import asked for this content and not yet committed, or None."""
        row = self.db.execute("SELECT asked_at, how FROM reimports WHERE sha256=?", (sha256,)).fetchone()
        return (row[0], row[1]) if row else None

    def pending_outputs(self) -> dict[str, list[tuple[Path, Path]]]:
        """Outputs committed to but maybe not yet published, by run id: (temp, final)."""
        pending: dict[str, list[tuple[Path, Path]]] = {}
        for run_id, temp, final in self.db.execute("SELECT run_id, temp, final FROM pending_outputs"):
            pending.setdefault(run_id, []).append((Path(temp), Path(final)))
        return pending

    def outputs_published(self, run_id: str) -> None:
        """Every planned output of `run_id` is published: forget the plan."""
        self.db.execute("DELETE FROM pending_outputs WHERE run_id=?", (run_id,))

    def keep_report(self, run_id: str, report: str) -> None:
        """Store a committed run's final report (with what its steps added after the commit)."""
        self.db.execute("UPDATE runs SET report=? WHERE run_id=?", (report, run_id))

    def run_report(self, run_id: str) -> str | None:
        """The JSON report stored with a run."""
        row = self.db.execute("SELECT report FROM runs WHERE run_id=?", (run_id,)).fetchone()
        return row[0] if row else None

    def last_runs(self, limit: int = 10) -> list[tuple[str, str, str | None, str | None, str | None]]:
        """The latest runs, newest first: (run id, flow, finished, status, JSON report)."""
        return self.db.execute("SELECT run_id, flow, finished, status, report FROM runs "
                               "ORDER BY finished DESC, run_id DESC LIMIT ?", (limit,)).fetchall()

    def records_seen(self, flow: str, keys: Sequence[str]) -> dict[str, str]:
        """Of `keys`, those an earlier run of `flow` wrote, with that run's id."""
        source, params = keys_source(keys)
        rows = self.db.execute(f"SELECT r.record, r.run_id FROM {source} AS j JOIN records AS r "
                               "ON r.flow = ? AND r.record = j.value", (*params, flow))
        return dict(rows.fetchall())

    def committed_order(self, run_ids: Sequence[str]) -> dict[str, int]:
        """Of `run_ids`, those committed, each with its place in the order of commits (run ids of one second
        do not sort by time)."""
        among, params = in_keys(run_ids)
        return dict(self.db.execute(f"SELECT run_id, rowid FROM runs WHERE run_id {among}", params).fetchall())

    def written_from(self, sha256: str, flow: str, keys: Sequence[str]) -> set[str]:
        """Of `keys`, those written by the runs that took the content `sha256` while it stayed incomplete."""
        among, params = in_keys(keys)
        rows = self.db.execute(f"SELECT record FROM partly_written WHERE sha256=? AND flow=? AND record {among}",
                               (sha256, flow, *params))
        return {row[0] for row in rows}

    def taken_whole(self, flow: str, names: Sequence[str]) -> dict[str, str]:
        """Of the input files `names`, those a run of `flow` took whole (every record written): its latest run id."""
        among, params = in_keys(names)
        rows = self.db.execute(f"SELECT name, MAX(run_id) FROM inputs WHERE flow=? AND complete=1 AND name {among} "
                               "GROUP BY name", (flow, *params))
        return dict(rows.fetchall())

    def close(self) -> None:
        """Close the database."""
        self.db.close()

