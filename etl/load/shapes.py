"""File shapes of csv and txt: a file per record type, one file with record-type lines, or one flat file.

The writers shape text tables (every value already text in the dialect, with the record key); these
functions decide which lines go into which file and in what order. See `Shape` in the layout.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from etl.fast.arrays import constant, positions
from etl.shared.records import KEY
from etl.transform.layout import TargetLayout

ORDER = "_order"  # the sort position of a line in a records-shaped file


def type_value(layout: TargetLayout, record: str) -> str:
    """The type column's value for `record` (default: the record type's name)."""
    return layout.shape.types.get(record, record)


def flat_columns(layout: TargetLayout, root: str) -> list[str]:
    """The columns of a flat file: the root's fields, then its child's that the root does not have."""
    own = [f.name for f in layout.records[root].fields]
    kids = layout.children(root)
    return own + [f.name for f in layout.records[kids[0]].fields if f.name not in own] if kids else own


def flat_table(layout: TargetLayout, root: str, texts: dict[str, pa.Table]) -> pa.Table:
    """A line per child record with its root's fields before it; a root without children is a line alone."""
    kids = layout.children(root)
    parent = texts[root].append_column(ORDER, positions(texts[root].num_rows))
    if not kids:
        return parent.select(flat_columns(layout, root))
    child = texts[kids[0]]
    child = child.append_column("_child", positions(child.num_rows))
    own = {f.name for f in layout.records[root].fields}
    child = child.select([KEY, "_child", *[c for c in flat_columns(layout, root) if c not in own]])
    joined = parent.join(child, KEY, join_type="left outer")
    joined = joined.sort_by([(ORDER, "ascending"), ("_child", "ascending")])
    return joined.select(flat_columns(layout, root))


def record_lines(layout: TargetLayout, texts: dict[str, pa.Table], lines: dict[str, pa.Array]) -> pa.Array:
    """The lines of a records-shaped file in order: each root line followed by its children's lines.

    `lines` holds the rendered line of every row of every record type (in the rows' order of `texts`).
    """
    parts, orders = [], []
    for family, root in enumerate(layout.roots):
        keys = texts[root].column(KEY).combine_chunks()
        for rank, name in enumerate([root, *layout.children(root)]):
            rows = texts[name].num_rows
            owner = pc.index_in(texts[name].column(KEY), value_set=keys)
            orders.append(pa.table({"family": constant(family, rows, pa.int64()),
                                    "owner": pc.cast(pc.fill_null(owner, -1), pa.int64()),
                                    "rank": constant(rank, rows, pa.int64()),
                                    "row": positions(rows)}))
            parts.append(lines[name].cast(pa.string()))
    if not parts:
        return pa.array([], pa.string())
    keys_ = [(k, "ascending") for k in ("family", "owner", "rank", "row")]
    return pc.take(pa.concat_arrays(parts), pc.sort_indices(pa.concat_tables(orders), sort_keys=keys_))
