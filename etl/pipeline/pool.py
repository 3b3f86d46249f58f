"""Small flat exports of one run extracted together: a flood of one-order files costs one extraction.

Each extraction costs some 800 Arrow calls whatever its size (~15 ms): a run over 200 one-order files
spent nearly all its time there. Small flat files with the same columns are read whole, each file's rows
marked with its name (`_file`, the lineage every record and reject carries), and extracted as one table.
Each file keeps its own fate: a file that cannot be read is refused alone, before anything of the pool
goes on; a file whose key (an order id) another file of the pool holds too starts a new pool, so records
of two files are never joined; and should the pooled extraction refuse the table as a whole, every file
is extracted alone, as without pooling, and only the file at fault is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from etl.extract import RawTable
from etl.fast.arrays import constant
from etl.flows import Flow
from etl.pipeline.gather import Input
from etl.shared.errors import InputFileError
from etl.shared.records import Chunk
from etl.transform.layout import SourceLayout

SMALL = 256 << 10  # a flat file up to this size is read whole and may share an extraction
POOL_BYTES = 6 << 20  # the input bytes of one pooled extraction (about one chunk of a long file)
FILE = "_file"

Flat = tuple[int, Input, RawTable]  # (the input's place in the run, the input, its flat table)


def pools(flow: Flow, flats: list[Flat]) -> Iterator[list[Flat]]:
    """The flat inputs in order, neighbours that may be extracted together in one list (others alone)."""
    pool: list[Flat] = []
    size = 0
    for flat in flats:
        length = _size(flat[1].path)
        poolable = flow.flat_key is not None and length <= SMALL
        if pool and (not poolable or size + length > POOL_BYTES or flat[2].columns != pool[0][2].columns):
            yield pool
            pool, size = [], 0
        if not poolable:
            yield [flat]
            continue
        pool.append(flat)
        size += length
    if pool:
        yield pool


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return SMALL + 1  # read as before, where its error is reported


def extract_pool(flow: Flow, layout: SourceLayout, pool: list[Flat], run_id: str) -> Iterator[Chunk]:
    """The chunks of the pool's files; a file refused as a whole is marked (`Input.failed`) and left out.

    Every file is read before the first chunk is handed on: a refusal never undoes a record that went on.
    """
    read: list[tuple[Input, RawTable, pa.Table]] = []
    for _, item, raw in pool:
        try:
            read.append((item, raw, _marked(raw, item.path.name)))
        except InputFileError as exc:
            item.failed = str(exc)
    chunks: list[Chunk] = []
    for group in _apart(flow, layout, read):
        chunks += _extract(flow, layout, group, run_id)
    yield from chunks


def _marked(raw: RawTable, name: str) -> pa.Table:
    """Every row of `raw`, with the file's name beside each."""
    table = raw.read_all()
    return table.append_column(FILE, constant(name, table.num_rows, pa.string()))


def _apart(flow: Flow, layout: SourceLayout,
           read: list[tuple[Input, RawTable, pa.Table]]) -> Iterator[list[tuple[Input, RawTable, pa.Table]]]:
    """The read files in groups in which no key value is in two files (their lines would be joined)."""
    assert layout.flat is not None and flow.flat_key is not None
    spec = layout.tables[layout.flat.tables[0]].fields[flow.flat_key]
    group: list[tuple[Input, RawTable, pa.Table]] = []
    seen: set[str | None] = set()
    for entry in read:
        table = entry[2]
        column = next((c for c in spec.column if c in table.schema.names), None)
        keys = set(pc.unique(pc.utf8_trim_whitespace(table.column(column))).to_pylist()) if column else {None}
        if keys & seen:
            yield group
            group, seen = [], set()
        group.append(entry)
        seen |= keys
    if group:
        yield group


def _extract(flow: Flow, layout: SourceLayout, group: list[tuple[Input, RawTable, pa.Table]],
             run_id: str) -> list[Chunk]:
    """The chunks of `group` extracted as one table; one by one should that refuse the whole table."""
    if len(group) > 1:
        merged = pa.concat_tables([table for _, _, table in group], promote_options="default")
        try:
            return list(flow.extract_flat(layout, _raw(group[0][1], merged), run_id))
        except InputFileError:
            pass  # which file is at fault: each is extracted alone below, as without pooling
    chunks: list[Chunk] = []
    for item, raw, table in group:
        try:
            chunks += list(flow.extract_flat(layout, _raw(raw, table), run_id))  # whole, or nothing of it
        except InputFileError as exc:
            item.failed = str(exc)
    return chunks


def _raw(like: RawTable, table: pa.Table) -> RawTable:
    """A raw table of `like`'s columns whose rows are `table`, read already."""
    return RawTable(like.path, like.columns, lambda: iter([table]), like.name, like.encoding, like.dialect)
