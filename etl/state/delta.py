"""Send only what changed: a hash per neutral record (by its natural key) in `state/delta.sqlite`.

A run filters each chunk against the hashes of the last successful run and remembers the new ones;
they are committed only after the run's outputs are committed, so a failed run is sent again in full.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from etl.shared.model import KEYS, LINEAGE
from etl.shared.records import Neutral
from etl.state.files import DELTA, connect, transaction
from etl.state.sql_keys import in_keys

_SCHEMA = """CREATE TABLE IF NOT EXISTS hashes (
    flow TEXT NOT NULL, entity TEXT NOT NULL, key TEXT NOT NULL, hash TEXT NOT NULL,
    PRIMARY KEY (flow, entity, key))"""


class DeltaState:
    """The record hashes of one flow; `full` sends everything but still records the hashes."""

    def __init__(self, folder: Path, flow: str, full: bool = False) -> None:
        self.db = connect(folder / DELTA)
        self.db.execute(_SCHEMA)
        self.flow, self.full = flow, full
        self.pending: dict[tuple[str, str], tuple[str, str]] = {}  # (entity, key) -> (hash, first key field)
        self.gone: list[tuple[str, str]] = []  # (entity, key) sent as vanished: forgotten once committed

    def changed(self, neutral: Neutral, counted: str, whole: bool = False,
                vanished: dict[str, str] | None = None) -> tuple[Neutral, int]:
        """The records of each entity that are new or changed; and how many of `counted` were not.

        `whole`: an article (sku) with any changed record keeps all of its records, and entities
        without a sku (categories) are kept whole, for import files that need the complete article.
        `vanished` (entity -> quantity field): a record sent before whose article is still in the
        export but which itself is not comes back once with that field 0 (a warehouse emptied).
        """
        out: Neutral = {}
        keeps: dict[str, list[bool]] = {}
        for entity, table in neutral.items():
            if entity in (vanished or {}) and table.num_rows:
                table = self._with_vanished(entity, table, vanished[entity])  # type: ignore[index]
            if entity not in KEYS or table.num_rows == 0:
                out[entity] = table
                continue
            keys, hashes = _hashes(entity, table)
            known = self._known(entity, keys)
            keeps[entity] = [self.full or known.get(k) != h for k, h in zip(keys, hashes, strict=True)]
            for key, digest, row_key in zip(keys, hashes, table.column(KEYS[entity][0]).to_pylist(), strict=True):
                self.pending[(entity, key)] = (digest, str(row_key))
            out[entity] = table
        if whole:
            changed = {sku for entity, keep in keeps.items() if "sku" in out[entity].column_names
                       for sku, k in zip(out[entity].column("sku").to_pylist(), keep, strict=True) if k}
            keeps = {entity: [sku in changed for sku in out[entity].column("sku").to_pylist()]
                     for entity in keeps if "sku" in out[entity].column_names}
        for entity, keep in keeps.items():
            out[entity] = out[entity].filter(pa.array(keep, pa.bool_()))
        return out, keeps[counted].count(False) if counted in keeps else 0

    def _with_vanished(self, entity: str, table: pa.Table, field: str) -> pa.Table:
        """`table` plus, with `field` 0, the records of its articles that the last run sent and this one lacks."""
        names = KEYS[entity]
        keys, _ = _hashes(entity, table)
        present, articles = set(keys), {str(v) for v in table.column(names[0]).to_pylist()}
        rows = self.db.execute("SELECT key FROM hashes WHERE flow=? AND entity=?", (self.flow, entity))
        gone = [key for (key,) in rows if key not in present and key.split("\x1f")[0] in articles]
        if not gone:
            return table
        self.gone += [(entity, key) for key in gone]
        zero = _zero(table.schema.field(field).type)
        extra = [{**dict(zip(names, key.split("\x1f"), strict=True)), field: zero, "_file": "(no longer exported)"}
                 for key in gone]
        return pa.concat_tables([table, pa.Table.from_pylist(extra, schema=table.schema)])

    def forget(self, records: set[str]) -> None:
        """Do not remember the records refused later (by their first key field): they are sent again."""
        self.pending = {k: v for k, v in self.pending.items() if v[1] not in records}

    def commit(self) -> None:
        """Remember the hashes of this run (call after its outputs are committed)."""
        with transaction(self.db):
            self.db.executemany("INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?)",
                                [(self.flow, entity, key, digest)
                                 for (entity, key), (digest, _) in self.pending.items()])
            self.db.executemany("DELETE FROM hashes WHERE flow=? AND entity=? AND key=?",
                                [(self.flow, entity, key) for entity, key in self.gone])
        self.pending, self.gone = {}, []

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def _known(self, entity: str, keys: list[str]) -> dict[str, str]:
        among, params = in_keys(keys)
        rows = self.db.execute(f"SELECT key, hash FROM hashes WHERE flow=? AND entity=? AND key {among}",
                               (self.flow, entity, *params))
        return dict(rows.fetchall())


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


def _hashes(entity: str, table: pa.Table) -> tuple[list[str], list[str]]:
    """Natural key and content hash of every row (lineage left out: a moved line is no change)."""
    columns = [name for name in table.column_names if name not in LINEAGE]
    rows = table.select(columns).to_pylist()
    keys = ["\x1f".join(str(row.get(k)) for k in KEYS[entity]) for row in rows]
    hashes = [hashlib.sha256(repr([row[c] for c in columns]).encode("utf-8")).hexdigest()[:32] for row in rows]
    return keys, hashes


def _zero(kind: pa.DataType) -> object:
    return Decimal(0) if pa.types.is_decimal(kind) else 0
