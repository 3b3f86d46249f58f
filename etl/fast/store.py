"""An export set in an embedded DuckDB database: joins, checks and sums in SQL, memory bounded.

Why DuckDB: the tables of a catalog, customer or delivery-note export are joined by keys that do not
come sorted, and a set of ten million rows does not fit the memory a run may use. DuckDB's hash joins,
group-bys and sorts spill to a temporary folder under a fixed memory limit, and it takes and gives Arrow
tables without a Python object per row. The database is held in memory up to the limit and spills to a
private temporary folder beyond it, for one run.

Every appended table gets `__seq` (its rows' order of arrival). A table the flow makes for output holds
`__at`, the place of the record its rows belong to (an article's row number in the articles file); made
sorted by it (`create(..., order=...)`), `chunks` reads it back in bounded, whole-record ranges.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.arrays import positions

# The engine's own memory; the run around it (Arrow chunks, writers, mappings) needs ~200 MB more.
# 64 MB: at 10M rows 128 MB peaked ~85 MB higher (stock: 514 against 430 MB); a statement that needs more gets it.
MEMORY_MB = int(os.environ.get("ETL_STORE_MEMORY_MB", "64"))
MEMORY_CAP_MB = int(os.environ.get("ETL_STORE_MEMORY_CAP_MB", "4096"))  # raised up to this on an out-of-memory
CHUNK_RECORDS = 20_000  # records (with all their rows) per chunk read back
SEQ, AT = "__seq", "__at"
T = TypeVar("T")
log = logging.getLogger(__name__)


def quoted(name: str) -> str:
    """`name` as a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


class Store:
    """One run's tables in DuckDB: `append` Arrow batches, `create` tables from SQL, read back by `table`/`chunks`."""

    def __init__(self, memory_mb: int = MEMORY_MB, threads: int = 1) -> None:
        import duckdb  # imported here: a second or two of start-up that only the set flows pay

        self.folder = Path(tempfile.mkdtemp(prefix="etl-store-"))
        # In memory, spilling to the folder beyond the limit: a database file wrote every appended row to its
        # log as well, for a database thrown away after the run (stock's extraction at 1M rows with ample memory:
        # 4.5 CPU s on disk, 2.8 in memory). One thread: two needed about twice the memory for a group-by or a
        # sort, ran out of the limit and ran again (stock at 1M rows: four statements twice), for no less CPU.
        self.db = duckdb.connect(":memory:", config={
            "memory_limit": f"{memory_mb}MB", "threads": threads, "temp_directory": str(self.folder / "spill"),
            "preserve_insertion_order": False,  # order is kept by __seq, and a sort may spill
            # Memory freed by a statement goes back to the system: kept for reuse (up to 128 MB by default) it
            # showed as ~60 MB more peak at 1M rows than at 100k (customers), beside the engine's own limit.
            "allocator_flush_threshold": "8MB", "allocator_bulk_deallocation_flush_threshold": "8MB"})
        self.counts: dict[str, int] = {}
        self.memory_mb = memory_mb

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop the database and its folder."""
        self.db.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def has(self, name: str) -> bool:
        """Whether table `name` exists (appended or created)."""
        return name in self.counts

    def append(self, name: str, table: pa.Table | pa.RecordBatch) -> None:
        """Add rows to table `name` (created by the first rows), numbered on in `__seq`."""
        done = self.counts.get(name, 0)
        rows = pa.table(table) if isinstance(table, pa.RecordBatch) else table
        rows = rows.append_column(SEQ, pc.add(positions(rows.num_rows), done))
        self.db.register("__incoming", rows)
        try:
            if name in self.counts:
                self.execute(f"INSERT INTO {quoted(name)} BY NAME SELECT * FROM __incoming")
            else:
                self.execute(f"CREATE TABLE {quoted(name)} AS SELECT * FROM __incoming")
        finally:
            self.db.unregister("__incoming")
        self.counts[name] = done + rows.num_rows

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table readable in SQL as `name` (a view of it, until replaced)."""
        self.db.register(name, table)

    def create(self, name: str, query: str, params: Sequence[Any] = (), order: str | None = None) -> None:
        """Table `name` (replaced if there) from `query`, physically sorted by `order` when given."""
        sorted_by = f" ORDER BY {order}" if order else ""
        self.execute(f"CREATE OR REPLACE TABLE {quoted(name)} AS {query}{sorted_by}", params)
        self.counts[name] = self.rows(name)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        """Run a statement that returns nothing worth reading (a DELETE, an UPDATE)."""
        # fetched: the connection takes no other work before
        self._roomy(lambda: self.db.execute(statement, list(params)).fetchall())

    def table(self, query: str, params: Sequence[Any] = ()) -> pa.Table:
        """The result of `query` as an Arrow table (keep it small: a chunk, the rejects, a tree)."""
        return self._roomy(lambda: self.db.sql(query, params=list(params)).to_arrow_table())

    def batches(self, query: str, size: int) -> Iterator[pa.RecordBatch]:
        """The result of `query` in batches of `size` rows, streamed out of a table made of it first.

        Made first, the statement may run again with more memory (`_roomy`); a reader cannot start over.
        """
        self.create("__batches", query)
        yield from self.db.sql(f"SELECT * FROM {quoted('__batches')}").to_arrow_reader(size)

    def value(self, query: str, params: Sequence[Any] = ()) -> Any:
        """The single value `query` returns."""
        found = self._roomy(lambda: self.db.execute(query, list(params)).fetchall())
        return found[0][0] if found else None

    def _roomy(self, work: Callable[[], T]) -> T:
        """`work`, again with twice the memory while the engine runs out of its limit (up to MEMORY_CAP_MB).

        Some operators of DuckDB cannot spill every part of their state (a sort of long texts, several joins
        in one statement): a run must not fail for a limit that only keeps it small.
        """
        import duckdb

        base = self.memory_mb
        try:
            while True:
                try:
                    return work()
                except (duckdb.OutOfMemoryException, OSError) as exc:
                    # read as Arrow, DuckDB's out-of-memory comes through Arrow's stream as an OSError
                    if self.memory_mb * 2 > MEMORY_CAP_MB or "Out of Memory Error" not in str(exc):
                        raise
                    self.memory_mb *= 2
                    log.debug("the store's statement needs more memory: limit raised to %d MB", self.memory_mb)
                    self._limit(self.memory_mb)
        finally:
            if self.memory_mb != base:  # the next statements under the limit again
                self.memory_mb = base
                self._limit(base)

    def limit(self, memory_mb: int) -> None:
        """Run the next statements under `memory_mb` (a flow that reads back needs less than it joins)."""
        self.memory_mb = memory_mb
        self._limit(memory_mb)

    def _limit(self, memory_mb: int) -> None:
        self.db.execute(f"SET memory_limit = '{memory_mb}MB'").fetchall()

    def rows(self, name: str) -> int:
        """How many rows table `name` has."""
        return int(self.value(f"SELECT count(*) FROM {quoted(name)}"))

    def chunks(self, parts: Mapping[str, str], size: int | None = None) -> Iterator[dict[str, pa.Table]]:
        """Output name -> rows of its table (holding `__at`), `size` records at a time, each record whole.

        Rows come in the order of their record, then of their arrival; `__at` and `__seq` are left out.
        """
        tops = [self.value(f"SELECT max({AT}) FROM {quoted(table)}") for table in parts.values()]
        top = max((t for t in tops if t is not None), default=-1)
        reads = {name: self._ranged(table) for name, table in parts.items()}
        size = size or CHUNK_RECORDS  # read at the call: a test makes it small
        for low in range(0, top + 1, size):
            yield {name: self.table(query, (low, low + size)) for name, query in reads.items()}

    def _ranged(self, table: str) -> str:
        """The query of `table`'s rows of one range of `__at`, in order, without the order columns."""
        names = self.table("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                           (table,)).column(0).to_pylist()
        hidden = [n for n in (AT, SEQ) if n in names]
        return (f"SELECT * EXCLUDE ({', '.join(hidden)}) FROM {quoted(table)} "
                f"WHERE {AT} >= ? AND {AT} < ? ORDER BY {', '.join(hidden)}")
