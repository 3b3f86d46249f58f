"""`etl inspect` as text: one block per file, then per flow its neutral rows (one column per row) and rejects."""

from __future__ import annotations

from etl.examine.look import FileSeen, Inspection
from etl.examine.neutral import FlowSeen

WIDTH = 28  # a cell is cut to this many characters in the text view (--json has every value whole)


def render(seen: Inspection) -> str:
    """The inspection as readable plain text (no colours: it is copied into notes and tickets)."""
    lines: list[str] = []
    for item in seen.files:
        lines += [*_file(item), ""]
    for flow in seen.flows:
        lines += [*_flow(flow), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _pairs(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"  {label:<13}{text}" for label, text in pairs]


def _list(names: list[str]) -> str:
    return ", ".join(names) if names else "-"


def _file(item: FileSeen) -> list[str]:
    pairs: list[tuple[str, str]] = []
    if item.form:
        sure = f" (sure {item.confidence:.2f}, {item.encoding_how})" if item.confidence is not None else ""
        pairs.append(("read as", item.form + (f", encoding {item.encoding}{sure}" if item.encoding else "")))
    if item.dialect:
        d = item.dialect
        nulls = d["nulls"] if isinstance(d["nulls"], list) else [d["nulls"]]
        null_texts = " or ".join("'" + n + "'" for n in nulls) or "nothing"
        pairs.append(("dialect", f"{d['name']}: separator {d['separator']}, quote {d['quote']}, escape "
                                 f"{d['escape']}, NULL as {null_texts}, "
                                 f"line ends {d['line_end']}"))
    for table in item.tables:
        columns = table["columns"]
        assert isinstance(columns, list)
        label = f"table {table['name']}" if table["name"] else "header"
        pairs.append((label, f"{_list(columns)} ({len(columns)} columns)"))
    pairs += _readers(item)
    for tried in item.tried:
        lacks = "; ".join(f"{table} lacks {_list(cols)}" for table, cols in tried.lacking.items()) or (
            "reads no inbox files (it works on what other flows staged)")
        pairs.append(("tried", f"{tried.flow}: {lacks}"))
    if item.reason:
        pairs.append(("refused", item.reason))
    return [item.file, *_pairs(pairs)]


def _readers(item: FileSeen) -> list[tuple[str, str]]:
    """The flows that read the file, the first taking it: the columns each finds, misses and ignores."""
    pairs: list[tuple[str, str]] = []
    for taken in item.taken:
        pairs.append(("taken for" if taken is item.taken[0] else "also read by", f"{taken.flow}: {taken.why}"))
        cols = taken.columns
        pairs += [("  found", f"{len(cols.found)}: {_list(cols.found)}"),
                  ("  missing", _list(cols.missing) + ("" if not cols.optional_missing else
                                                       f" (optional, left empty: {_list(cols.optional_missing)})")
                   + ("" if not cols.needed_missing else
                      f" (needed when, those records rejected: {_list(cols.needed_missing)})")),
                  ("  ignored", f"{len(cols.ignored)}: {_list(cols.ignored)}"),
                  *_needs(cols.needs)]
        if cols.problem:
            pairs.append(("  a run says", cols.problem))
    return pairs


def _needs(needs: list[dict[str, str | None]]) -> list[tuple[str, str]]:
    """The layout's columns by need: required, optional (with default), needed when (with the condition)."""
    def of(kind: str) -> list[dict[str, str | None]]:  # a column two fields read (payment_class) once
        return list({n["column"]: n for n in needs if n["need"] == kind}.values())
    optional = [f"{n['column']}" + (f" (default {n['default']})" if n["default"] is not None else "")
                for n in of("optional")]
    pairs = [("  required", _list([str(n["column"]) for n in of("required")])), ("  optional", _list(optional)),
             ("  needed if", _list([f"{n['column']} (when {n['when']})" for n in of("needed_when")]))]
    if of("expected"):
        pairs.append(("  expected", _list([str(n["column"]) for n in of("expected")]) + " (column must be there)"))
    return pairs


def _flow(flow: FlowSeen) -> list[str]:
    lines = [f"flow {flow.flow} ({', '.join(flow.files)}): {flow.records_in} records in, {flow.rejected} rejected"]
    if flow.refused:
        lines.append(f"  refused whole: {flow.refused}")
    for entity, rows in flow.rows.items():
        if not rows:
            continue
        lines.append(f"  neutral table {entity} (first {len(rows)} rows, as typed):")
        types = flow.types.get(entity, {})
        names = list(rows[0])
        cells = [[name, types.get(name, ""), *(_cell(row.get(name)) for row in rows)] for name in names]
        widths = [max(len(c[i]) for c in cells) for i in range(len(cells[0]))]
        lines += ["    " + "  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip()
                  for cell in cells]
    if flow.rejects:
        lines.append(f"  first rejects ({len(flow.rejects)} shown of those a run would write):")
        for r in flow.rejects:
            where = f"{r['file']}:{r['line']}" + (f" field {r['field']}" if r.get("field") else "")
            value = f" value {_cell(r.get('value'))}" if r.get("value") is not None else ""
            lines.append(f"    {r.get('record') or '-'} {where}{value}: {r['reason']}")
    return lines


def _cell(value: object) -> str:
    text = "NULL" if value is None else str(value)
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= WIDTH else text[:WIDTH - 1] + "…"
