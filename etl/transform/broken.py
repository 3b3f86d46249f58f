"""Rows the reader could not split (extract/text_rows.py): each one a reject naming its line and text."""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from etl.extract.base import BROKEN, CUT_OFF, RAW_TEXT
from etl.shared.rejects import Reject

# The reader marks a broken row with one of its fixed texts (extract/text_rows.py, csv_source.py): its code here.
_FIELD_COUNT = re.compile(r"the row has (\d+) fields where the header has (\d+)")


def broken_rejects(batch: pa.RecordBatch | pa.Table, base: pa.Table, key: str | None,
                   rejects: list[Reject]) -> list[Reject]:
    """`rejects` with those of broken rows replaced by one reject per broken row (record key kept)."""
    if BROKEN not in batch.schema.names:
        return rejects
    mask = pc.is_valid(batch.column(BROKEN))
    if not pc.any(mask).as_py():
        return rejects
    lines = pc.filter(base.column("_line"), mask).to_pylist()
    files = pc.filter(base.column("_file"), mask).to_pylist()
    keys = pc.filter(base.column(key), mask).to_pylist() if key and key in base.column_names else [None] * len(lines)
    reasons = pc.filter(batch.column(BROKEN), mask).to_pylist()
    texts = pc.filter(batch.column(RAW_TEXT), mask).to_pylist()
    gone = set(zip(files, lines, strict=True))
    kept = [r for r in rejects if (r.file, r.line) not in gone]
    return kept + [Reject(f, ln, None if k is None else str(k).strip(), None, (t or "")[:200], *_code(why))
                   for f, ln, k, why, t in zip(files, lines, keys, reasons, texts, strict=True)]


def _code(why: str) -> tuple[str, None, dict[str, object]]:
    """The reject code (no kind) and parameters of a reader's mark."""
    if why == CUT_OFF:
        return "row-cut-off", None, {}
    if counted := _FIELD_COUNT.fullmatch(why):
        return "row-field-count", None, {"count": int(counted.group(1)), "width": int(counted.group(2))}
    return "row-runs-on", None, {}
