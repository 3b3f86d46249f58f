"""The files of one flow read together, as a run reads them: the first neutral rows and the first rejects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from etl.config import Config
from etl.extract import RawTable
from etl.flows import Flow
from etl.pipeline import load_layouts
from etl.shared.errors import EtlError, InputFileError
from etl.shared.records import Chunk
from etl.transform.apply import map_chunk
from etl.transform.layout import SourceLayout, TargetLayout

RUN_ID = "inspect"


@dataclass
class FlowSeen:
    """One flow's reading of the files taken for it: counts, first neutral rows per entity, first rejects."""

    flow: str
    files: list[str]
    records_in: int = 0
    rejected: int = 0
    rows: dict[str, list[dict[str, object]]] = field(default_factory=dict)  # entity -> first rows, typed
    types: dict[str, dict[str, str]] = field(default_factory=dict)  # entity -> column -> Arrow type
    rejects: list[dict[str, object]] = field(default_factory=list)
    refused: str | None = None  # the files refused whole (a run moves them to error/)


def first_records(config: Config, flow: Flow, layout: SourceLayout, tables: list[tuple[str, RawTable]],
                  rows: int, rejects: int) -> FlowSeen:
    """Run `flow`'s extractors over `tables` (nothing is written) and keep what a consultant needs to see."""
    seen = FlowSeen(flow.name, sorted({raw.path.name for _, raw in tables}))
    sets: dict[str, list[RawTable]] = {}
    for name, raw in tables:
        if name != "flat":
            sets.setdefault(name, []).append(raw)
    try:
        target = load_layouts(config, flow).target
        for name, raw in tables:
            if name == "flat":
                for chunk in flow.extract_flat(layout, raw, RUN_ID):
                    _keep(seen, chunk, target, rows, rejects)
        if sets:
            for chunk in flow.extract_tables(layout, sets, RUN_ID):
                _keep(seen, chunk, target, rows, rejects)
    except InputFileError as exc:
        seen.refused = str(exc)
    except EtlError as exc:  # a broken layout or file: shown, not raised, so the other files still show
        seen.refused = str(exc)
    return seen


def _keep(seen: FlowSeen, chunk: Chunk, target: TargetLayout, rows: int, rejects: int) -> None:
    seen.records_in += chunk.records_in
    seen.rejected += chunk.rejected
    problems = list(chunk.rejects)
    if any(table.num_rows for table in chunk.neutral.values()):
        # The target layout's checks (required, lengths, value maps): a run refuses these records too.
        mapped = map_chunk(target, chunk.neutral)
        problems += mapped.rejects
        seen.rejected += len({r.record for r in mapped.rejects if r.record})
    for entity, table in chunk.neutral.items():
        kept = seen.rows.setdefault(entity, [])
        seen.types.setdefault(entity, {f.name: str(f.type) for f in table.schema if f.name != "_run"})
        if len(kept) < rows:
            kept += [{k: _plain(v) for k, v in row.items() if k != "_run"}
                     for row in table.slice(0, rows - len(kept)).to_pylist()]
    for reject in problems[:max(0, rejects - len(seen.rejects))]:
        seen.rejects.append(reject.as_dict(None))  # the reason in the language `etl inspect` speaks


def _plain(value: object) -> object:
    """A value for JSON and for the table: money and dates as text, exactly as held."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
