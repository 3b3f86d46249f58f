"""Send only what changed: a hash per neutral record (by its natural key) in `state/delta.sqlite`.

A run filters each chunk against the hashes of the last successful run and remembers the new ones;
they are committed only after the run's outputs are committed, so a failed run is sent again in full.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import repeat
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.arrays import constant, positions
from etl.shared.model import KEYS, LINEAGE
from etl.shared.records import Neutral
from etl.state.files import DELTA, connect, transaction, without_rowid
from etl.state.sql_keys import in_keys, key_batches

_SCHEMA = """CREATE TABLE IF NOT EXISTS hashes (
    flow TEXT NOT NULL, entity TEXT NOT NULL, key TEXT NOT NULL, hash TEXT NOT NULL,
    PRIMARY KEY (flow, entity, key)) WITHOUT ROWID"""
CACHE_KB = 16_384  # the state connection's page cache


class DeltaState:
    """The record hashes of one flow; `full` sends everything but still records the hashes."""

    def __init__(self, folder: Path, flow: str, full: bool = False) -> None:
        self.db = connect(folder / DELTA)
        # A page cache of a fixed size (SQLite's default is 2 MB): the lookups of a chunk's keys read the same
        # pages again and again (1.4M lookups: 5.5 s of CPU with 1 MB, 2.0 s with 16 MB).
        self.db.execute(f"PRAGMA cache_size = -{CACHE_KB}")
        without_rowid(self.db, "hashes", _SCHEMA)  # a state file of an earlier version
        self.db.execute(_SCHEMA)
        self.flow, self.full = flow, full
        # The run's new hashes wait for the commit in this connection's temporary tables (on disk, not in
        # memory: they grow with the export): entity, key, hash and record (first key field) of each
        # record new or changed; (entity, key) of each sent as vanished, forgotten once committed.
        self.db.execute("CREATE TEMP TABLE pending (entity TEXT, key TEXT, hash TEXT, record TEXT)")
        self.db.execute("CREATE TEMP TABLE gone (entity TEXT, key TEXT)")
        self.db.execute("CREATE TEMP TABLE chunk_records (record TEXT PRIMARY KEY)")
        # A first run has nothing to compare: it asks for no hash, and writes its hashes straight into the
        # table in a transaction that its commit ends (a failed run's are rolled back with it; nothing else
        # writes this file while the run holds its lock). A later run keeps only the new and changed ones.
        self.before = self.db.execute("SELECT 1 FROM hashes WHERE flow=? LIMIT 1", (flow,)).fetchone() is not None
        if self.before:  # few rows: their index finds a key sent again in this run
            self.db.execute("CREATE INDEX temp.pending_key ON pending (entity, key)")
        self.pending = 0  # rows in `pending`
        self.hasher = duckdb.connect(config={"threads": 1})  # sha256 of a chunk's rows in one call

    def changed(self, neutral: Neutral, counted: str, whole: bool = False,
                vanished: dict[str, str] | None = None) -> tuple[Neutral, int]:
        """The records of each entity that are new or changed; and how many of `counted` were not.

        `whole`: an article (sku) with any changed record keeps all of its records, and entities
        without a sku (categories) are kept whole, for import files that need the complete article.
        `vanished` (entity -> quantity field): a record sent before whose article is still in the
        export but which itself is not comes back once with that field 0 (a warehouse emptied).
        """
        out: Neutral = {}
        keeps: dict[str, pa.Array] = {}
        for entity, table in neutral.items():
            if entity in (vanished or {}) and table.num_rows:
                table = self._with_vanished(entity, table, vanished[entity])  # type: ignore[index]
            if entity not in KEYS or table.num_rows == 0:
                out[entity] = table
                continue
            keys, hashes = _keys(entity, table), _digests(self.hasher, table)
            known_keys, known_hashes = self._known(entity, keys)
            before = pc.take(known_hashes, pc.index_in(keys, value_set=known_keys))
            new = pc.fill_null(pc.not_equal(before, hashes), True)
            keeps[entity] = pa.repeat(pa.scalar(True), table.num_rows) if self.full else new
            self._remember(entity, keys, hashes, table.column(KEYS[entity][0]), new)
            out[entity] = table
        if whole:
            skus = [pc.filter(out[entity].column("sku"), keep) for entity, keep in keeps.items()
                    if "sku" in out[entity].column_names]
            changed = pc.unique(pa.chunked_array([_array(s) for s in skus], pa.string())) if skus else \
                pa.array([], pa.string())
            keeps = {entity: pc.is_in(out[entity].column("sku"), value_set=changed)
                     for entity in keeps if "sku" in out[entity].column_names}
        for entity, keep in keeps.items():
            out[entity] = out[entity].filter(keep)
        unchanged = len(keeps[counted]) - (pc.sum(pc.cast(keeps[counted], pa.int64())).as_py() or 0) \
            if counted in keeps else 0
        return out, unchanged

    def _with_vanished(self, entity: str, table: pa.Table, field: str) -> pa.Table:
        """`table` plus, with `field` 0, the records of its articles that the last run sent and this one lacks."""
        if not self.before:
            return table
        names = KEYS[entity]
        articles = pc.unique(pc.drop_null(_array(pc.cast(table.column(names[0]), pa.string())))).to_pylist()
        with transaction(self.db):
            self.db.execute("DELETE FROM chunk_records")
            for text, odd in key_batches(articles):
                self.db.execute("INSERT INTO chunk_records SELECT value FROM json_each(?)", (text,))
                self.db.executemany("INSERT INTO chunk_records VALUES (?)", ((a,) for a in odd))
        # Only the keys of these articles (CROSS JOIN: the articles lead, each a range of the key index):
        # a key starts with its article's number, and US if it has more fields.
        rows = self.db.execute(
            "SELECT h.key FROM chunk_records c CROSS JOIN hashes h ON h.flow = ?1 AND h.entity = ?2 AND "
            "h.key >= c.record || char(31) AND h.key < c.record || char(32) UNION ALL SELECT h.key FROM "
            "chunk_records c CROSS JOIN hashes h ON h.flow = ?1 AND h.entity = ?2 AND h.key = c.record",
            (self.flow, entity)).fetchall()
        stored = pa.array(next(iter(zip(*rows, strict=True)), ()), pa.string())
        missing = pc.filter(stored, pc.invert(pc.is_in(stored, value_set=_keys(entity, table)))).to_pylist()
        wanted = set(articles) if missing else set()
        gone = [key for key in missing if key.split("\x1f")[0] in wanted]
        if not gone:
            return table
        with transaction(self.db):
            self.db.executemany("INSERT INTO gone VALUES (?, ?)", ((entity, key) for key in gone))
        zero = _zero(table.schema.field(field).type)
        extra = pa.Table.from_pylist([{**dict(zip(names, key.split("\x1f"), strict=True)), field: zero,
                                        "_file": "(no longer exported)"} for key in gone], schema=table.schema)
        # each after its article's last row: in the same place whichever chunk brings the article
        owners = pa.table({"sku": pc.cast(table.column(names[0]), pa.string()), "at": positions(table.num_rows)})
        last = owners.group_by("sku", use_threads=False).aggregate([("at", "max")])
        after = pc.take(last.column("at_max"), pc.index_in(pc.cast(extra.column(names[0]), pa.string()),
                                                            value_set=last.column("sku")))
        place = pa.table({"at": pa.concat_arrays([positions(table.num_rows), _array(after)]),
                          "then": pa.concat_arrays([constant(0, table.num_rows, pa.int64()),
                                                    pc.add(positions(extra.num_rows), 1)])})
        order = pc.sort_indices(place, sort_keys=[("at", "ascending"), ("then", "ascending")])
        return pa.concat_tables([table, extra]).take(order)

    def _remember(self, entity: str, keys: pa.Array, hashes: pa.Array, records: pa.ChunkedArray,
                  new: pa.Array) -> None:
        """Keep the hashes of a chunk's new and changed records for the commit.

        An unchanged record is kept too where its key comes twice in this run (the last hash sent counts).
        """
        if self.before:
            again = _repeated(keys)
            if self.pending:
                among, params = in_keys(pc.unique(pc.filter(keys, pc.invert(new))).to_pylist())
                seen = [k for (k,) in self.db.execute(f"SELECT key FROM pending WHERE entity = ? AND key {among}",
                                                      (entity, *params))]
                again = pc.or_(again, pc.is_in(keys, value_set=pa.array(seen, pa.string())))
            new = pc.or_(new, again)
            keys, hashes, records = pc.filter(keys, new), pc.filter(hashes, new), pc.filter(records, new)
        record = _array(pc.fill_null(pc.cast(records, pa.string()), "None")).to_pylist()
        if not record:
            return
        if not self.before:  # the run's transaction, ended by commit (see __init__)
            if not self.db.in_transaction:
                self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?)", zip(
                repeat(self.flow), repeat(entity), keys.to_pylist(), hashes.to_pylist()))
            return
        with transaction(self.db):  # one for all rows: alone, each row is a transaction of its own
            self.db.executemany("INSERT INTO pending VALUES (?, ?, ?, ?)", zip(
                repeat(entity), keys.to_pylist(), hashes.to_pylist(), record))
        self.pending += len(record)

    def forget(self, records: set[str]) -> None:
        """Do not remember the records refused later (by their first key field): they are sent again."""
        if not records:
            return
        if not self.before:  # written already: a first run has no older hash to keep
            self.db.executemany("DELETE FROM hashes WHERE flow = ?1 AND (key = ?2 OR key >= ?2 || char(31) AND "
                                "key < ?2 || char(32))", ((self.flow, record) for record in sorted(records)))
            return
        # made on the first refusal only: a run without one spares the index its inserts
        self.db.execute("CREATE INDEX IF NOT EXISTS temp.pending_record ON pending (record)")
        among, params = in_keys(sorted(records))
        self.db.execute(f"DELETE FROM pending WHERE record {among}", params)

    def commit(self) -> None:
        """Remember the hashes of this run (call after its outputs are committed)."""
        if not self.before:
            if self.db.in_transaction:
                self.db.execute("COMMIT")
            return
        with transaction(self.db):
            # in key order: the table takes them in sequence; a key sent twice keeps its last hash
            self.db.execute("INSERT OR REPLACE INTO hashes SELECT ?, entity, key, hash FROM pending "
                            "ORDER BY entity, key, rowid", (self.flow,))
            self.db.execute("DELETE FROM hashes WHERE flow = ? AND (entity, key) IN (SELECT entity, key FROM gone)",
                            (self.flow,))
            self.db.execute("DELETE FROM pending")
            self.db.execute("DELETE FROM gone")
        self.pending = 0

    def close(self) -> None:
        """Close the database."""
        self.hasher.close()
        self.db.close()

    def _known(self, entity: str, keys: pa.Array) -> tuple[pa.Array, pa.Array]:
        """The keys among `keys` that the last runs sent, and their hashes."""
        if not self.before:
            return pa.array([], pa.string()), pa.array([], pa.string())
        wanted = pc.unique(keys)
        # A chunk's keys mostly lie together (an export in article order): the stored keys from its lowest to
        # its highest, read in one pass, cost a third of a lookup each; spread wider, they are looked up.
        most, bounds = 3 * len(wanted) + 100, pc.min_max(wanted)
        rows = self.db.execute("SELECT key, hash FROM hashes WHERE flow=? AND entity=? AND key BETWEEN ? AND ? "
                               "LIMIT ?", (self.flow, entity, bounds["min"].as_py(), bounds["max"].as_py(),
                                           most + 1)).fetchall()
        if len(rows) > most:
            among, params = in_keys(wanted.to_pylist())
            rows = self.db.execute(f"SELECT key, hash FROM hashes WHERE flow=? AND entity=? AND key {among}",
                                   (self.flow, entity, *params)).fetchall()
        found = list(zip(*rows, strict=True)) or [(), ()]
        return pa.array(found[0], pa.string()), pa.array(found[1], pa.string())


def sent_before(folder: Path, flow: str) -> bool:
    """Whether a committed run of `flow` left hashes in the state folder `folder` (its next run sends changes)."""
    if not (folder / DELTA).is_file():
        return False
    db = connect(folder / DELTA)
    try:
        db.execute(_SCHEMA)
        return db.execute("SELECT 1 FROM hashes WHERE flow=? LIMIT 1", (flow,)).fetchone() is not None
    finally:
        db.close()


def _keys(entity: str, table: pa.Table) -> pa.Array:
    """The natural key of every row: its key fields as text, apart by US (None for a missing value)."""
    return _joined(table, KEYS[entity], "\x1f", "None")


def _digests(hasher: duckdb.DuckDBPyConnection, table: pa.Table) -> pa.Array:
    """The content hash of every row (lineage left out: a moved line is no change).

    The row's text is built by Arrow (each value as text, null as NUL, fields apart by RS); DuckDB takes
    the SHA-256 of each (its first 32 hex digits are the hash), without a Python object per row.
    """
    columns = [name for name in table.column_names if name not in LINEAGE]
    hasher.register("texts", pa.table({"text": _joined(table, columns, "\x1e", "\x00")}))
    try:
        return _array(hasher.sql("SELECT left(sha256(text), 32) FROM texts").to_arrow_table().column(0))
    finally:
        hasher.unregister("texts")


def _joined(table: pa.Table, columns: Sequence[str], separator: str, null: str) -> pa.Array:
    """Per row, the values of `columns` as text (`null` for a missing one) joined by `separator`."""
    parts = [pc.fill_null(pc.cast(table.column(c), pa.string()), null) if c in table.column_names
             else pa.array([null] * table.num_rows, pa.string()) for c in columns]
    if not parts:
        return pa.array([""] * table.num_rows, pa.string())
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, separator)
    return _array(joined)


def _repeated(keys: pa.Array) -> pa.Array:
    """Per row, whether its key comes more than once in `keys`."""
    if len(pc.unique(keys)) == len(keys):
        return pa.repeat(pa.scalar(False), len(keys))
    counts = pc.value_counts(keys)
    many = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    return pc.is_in(keys, value_set=many)


def _array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _zero(kind: pa.DataType) -> object:
    return Decimal(0) if pa.types.is_decimal(kind) else 0
