"""An export set's tables read into a `Store` (etl/fast/store.py) batch by batch, typed and checked.

The flows that join several tables (catalog, articles, stock, customers, shipments) stage them here
instead of holding them in memory: a ten-million-row export is read in bounded batches, its checks
and joins run in SQL, and its records come back in chunks (`Store.chunks`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from etl.extract import LINE, RawTable
from etl.fast.store import SEQ, Store, quoted
from etl.shared.rejects import Reject
from etl.transform.layout import SourceLayout
from etl.transform.source import check_columns, drop_comment_rows, read_fields, unique_rows_of


def stage_set(store: Store, layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str,
              key: str | None = None, drop_bad: bool = False) -> list[Reject]:
    """Every table of the layout into `store` under its layout name (empty when the set lacks it); the rejects.

    As `read_tables` (transform/source.py): with `drop_bad` a row with an unreadable value is left out
    of its own table, else it stays, refused by its rejects' record (`key`); `unique` fields are checked.
    """
    for name, raws in tables.items():
        for raw in raws:
            check_columns(layout, name, raw)
    rejects: list[Reject] = []
    for name, spec in layout.tables.items():
        for raw in tables.get(name, []):
            for batch in raw.batches():
                table, problems = read_fields(layout, spec, drop_comment_rows(batch), raw.path.name, run_id, key)
                if drop_bad and problems:
                    bad = pa.array(sorted({r.line for r in problems if r.line is not None}), pa.int64())
                    table = table.filter(pc.invert(pc.is_in(table.column("_line"), value_set=bad)))
                store.append(name, table)
                rejects += problems
        if not store.has(name):  # typed as if read: the flow's SQL names its columns all the same
            empty = pa.table({**{f.column[0]: pa.array([], pa.string()) for f in spec.fields.values()},
                              LINE: pa.array([], pa.int64())})
            store.append(name, read_fields(layout, spec, empty, "", run_id, key)[0])
        if spec.unique:
            rejects += _unique(store, layout, name, key, drop_bad)
    return rejects


def _unique(store: Store, layout: SourceLayout, name: str, key: str | None, drop: bool) -> list[Reject]:
    """The rows of a key given twice in table `name` refused (see `unique_rows_of`); with `drop` left out."""
    fields = [quoted(f) for f in layout.tables[name].unique]
    given = " AND ".join(f"{f} IS NOT NULL" for f in fields)
    twice = store.table(f"SELECT * FROM {quoted(name)} SEMI JOIN (SELECT {', '.join(fields)} FROM {quoted(name)} "
                        f"WHERE {given} GROUP BY ALL HAVING count(*) > 1) USING ({', '.join(fields)}) ORDER BY {SEQ}")
    if twice.num_rows == 0:
        return []
    _, rejects = unique_rows_of(layout, name, twice, key, drop=False)
    if drop and rejects:
        store.register("__twice", twice.select([SEQ]))
        store.execute(f"DELETE FROM {quoted(name)} WHERE {SEQ} IN (SELECT {SEQ} FROM __twice)")
    return rejects


def refused(store: Store, query: str, field: str, code: str, params: Sequence[str] = (),
            fixed: Mapping[str, Any] | None = None, args: Sequence[Any] = ()) -> list[Reject]:
    """A reject (`code`) for every row `query` returns: columns `_file`, `_line`, `record`, `value`, and `params`.

    Built in Python for the refused rows only; each names its parameters from `fixed` and its own columns.
    """
    rows = store.table(query, args).to_pylist()
    return [Reject(row["_file"], row["_line"], _text(row["record"]), field, _text(row["value"]), code, None,
                   {**(fixed or {}), **{p: row[p] for p in params}}) for row in rows]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
