"""The staging area: each run's neutral tables as Parquet.

The mapping takes each chunk as it is staged (pipeline/stage.py); the copy here shows what a run read,
and earlier runs' order history feeds the flows that learn from it (cross-selling).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from etl.fast.background import Behind
from etl.os_compat import replace_atomic
from etl.shared.model import schema
from etl.shared.records import Neutral

ROW_GROUP_BYTES = 4 << 20
# A Parquet writer keeps ~1 KB per column of every row group it wrote until it closes (~11 MB over a
# 10-million-line export, growing with the input): an entity goes on in a new file after this many.
PART_ROW_GROUPS = 64


class StagingWriter:
    """Appends chunks of neutral tables to `<run>/<group>/<entity>.parquet`, in row groups of ~4 MB.

    A Parquet writer keeps the metadata of every row group it wrote until it closes: one row group per
    chunk made that grow with the input (about 100 MB over a 10-million-line export). Chunks are
    gathered into row groups of about ROW_GROUP_BYTES instead, and a long input's entity is staged in
    parts of PART_ROW_GROUPS row groups (`orders.parquet`, `orders.2.parquet`, ...: see `staged`).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.writers: dict[str, pq.ParquetWriter] = {}  # per entity, the writer of its open part
        self.parts: dict[str, list[Path]] = {}  # per entity, its parts so far (hidden until close)
        self.groups: dict[str, int] = {}  # per entity, the row groups in its open part
        self.pending: dict[str, list[pa.Table]] = {}  # per entity, the chunks of its next row group
        self.sizes: dict[str, int] = {}  # and their bytes
        self.behind = Behind(name="etl-stage")  # Parquet is written on the second core

    def append(self, tables: Neutral) -> None:
        """Stage one chunk (written in the background)."""
        self.behind.submit(self._append, tables)

    def _append(self, tables: Neutral) -> None:
        for name, table in tables.items():
            if name not in self.parts:
                self._open(name)  # the first part even without rows: its schema says what was staged
            if table.num_rows:
                self.pending.setdefault(name, []).append(table)
                self.sizes[name] = self.sizes.get(name, 0) + table.nbytes
            if self.sizes.get(name, 0) >= ROW_GROUP_BYTES:
                self._flush(name)

    def _open(self, name: str) -> None:
        # A part is written under a hidden name and renamed when the run's staging is complete: a run
        # killed mid-write leaves no truncated or partial `.parquet` that a later run (prune, cross-selling)
        # would read.
        number = len(self.parts.setdefault(name, [])) + 1
        temp = self.folder / f".{_part_name(name, number)}.part"
        self.parts[name].append(temp)
        # Uncompressed: snappy cost more time than the ~1.5x disk it saves; dictionaries stay.
        self.writers[name] = pq.ParquetWriter(temp, schema(name), compression="none", write_statistics=False)
        self.groups[name] = 0

    def _flush(self, name: str) -> None:
        self.sizes.pop(name, None)
        pending = self.pending.pop(name, [])
        if pending:
            if name not in self.writers:
                self._open(name)
            table = pa.concat_tables(pending)
            self.writers[name].write_table(table, row_group_size=table.num_rows)
            self.groups[name] += 1
            if self.groups[name] >= PART_ROW_GROUPS:
                self.writers.pop(name).close()

    def close(self) -> None:
        """Finish the Parquet files and give them their names."""
        self.behind.close()
        for name, temps in self.parts.items():
            self._flush(name)
            writer = self.writers.pop(name, None)
            if writer is not None:
                writer.close()
            for temp in temps:
                # not forced to disk: staging is scratch, a run cut short stages again
                replace_atomic(temp, temp.with_name(temp.name[1:].removesuffix(".part")), durable=False)
        self.parts = {}

    def discard(self) -> None:
        """Throw away what this writer staged (its input file was refused)."""
        self.behind.cancel()
        for writer in self.writers.values():
            writer.close()
        self.writers, self.parts, self.pending, self.sizes = {}, {}, {}, {}
        shutil.rmtree(self.folder, ignore_errors=True)


def _part_name(name: str, number: int) -> str:
    return f"{name}.parquet" if number == 1 else f"{name}.{number}.parquet"


def entity(path: Path) -> str:
    """The entity a staged file holds (`orders` for `orders.parquet` and `orders.2.parquet`)."""
    return path.name.split(".", 1)[0]


def staged(folder: Path, name: str, columns: list[str] | None = None) -> Iterator[pa.Table]:
    """The staged parts of entity `name` in `folder`, in order, each read whole (or its `columns`)."""
    number = 1
    while (path := folder / _part_name(name, number)).exists():
        yield pq.read_table(path, columns=columns)
        number += 1


# What an old run keeps for the flows that learn from history (cross-selling): who bought what.
# Names, addresses and e-mail addresses are not kept; a customer is only a stable pseudonym.
HISTORY = {"order_items": ["order_id", "kind", "sku", "quantity"], "orders": ["order_id", "customer_id", "email"],
           "articles": None, "variants": None, "relations": None}  # None: kept whole (no personal data)


def prune(staging: Path, keep: int) -> None:
    """Keep the latest `keep` runs whole; older runs keep only their order history, pseudonymised."""
    runs = sorted(p for p in staging.iterdir() if p.is_dir())  # run ids begin with their start time
    for old in runs[:-keep] if keep else runs:
        if (old / ".history").exists():
            continue
        for path in sorted(old.rglob(".*.parquet.part")):  # a run killed while staging: never complete
            path.unlink()
        for path in sorted(old.rglob("*.parquet")):
            columns = HISTORY.get(entity(path), [])
            if columns == [] or not _readable(path):  # unreadable: cut short by a kill (older versions)
                path.unlink()
            elif columns is not None:
                table = pq.read_table(path, columns=[c for c in columns if c in pq.read_schema(path).names])
                if "email" in table.column_names:
                    table = table.set_column(table.column_names.index("email"), "email", _pseudonyms(table))
                pq.write_table(table, path)
        (old / ".history").touch()


def _readable(path: Path) -> bool:
    """Whether `path` is a complete Parquet file."""
    try:
        pq.read_metadata(path)
    except (pa.ArrowInvalid, OSError):
        return False
    return True


def _pseudonyms(table: pa.Table) -> pa.Array:
    """A stable stand-in for each e-mail address (same person, same value; the address is gone)."""
    import hashlib

    return pa.array([None if mail is None else hashlib.sha256(mail.strip().lower().encode()).hexdigest()[:20]
                     for mail in table.column("email").to_pylist()], pa.string())
