"""`etl inspect` as text: one block per file, then per flow its neutral rows (one column per row) and rejects."""

from __future__ import annotations

from etl.examine.look import FileSeen, Inspection
from etl.examine.neutral import FlowSeen
from etl.i18n import N_, _, ngettext, translate

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
    labels = [("  " if label.startswith("  ") else "") + _(label.strip()) for label, _text in pairs]
    width = max(13, max(map(len, labels), default=0) + 1)  # English labels line up at 13
    return [f"  {label:<{width}}{text}" for label, (_label, text) in zip(labels, pairs, strict=True)]


def _list(names: list[str]) -> str:
    return ", ".join(names) if names else "-"


def _file(item: FileSeen) -> list[str]:
    pairs: list[tuple[str, str]] = []
    if item.form:
        sure = _(" (sure {confidence}, {how})").format(confidence=_decimal(item.confidence),
                                                        how=translate(item.encoding_how or "")) \
            if item.confidence is not None else ""
        encoding = _(", encoding {encoding}").format(encoding=item.encoding) if item.encoding else ""
        pairs.append((N_("read as"), translate(item.form) + encoding + sure))
    if item.dialect:
        d = item.dialect
        nulls = d["nulls"] if isinstance(d["nulls"], list) else [d["nulls"]]
        either = " " + _("or") + " "
        null_texts = either.join("'" + n + "'" for n in nulls) or _("nothing")
        pairs.append((N_("dialect"), _("{name}: separator {separator}, quote {quote}, escape {escape}, NULL as "
                                       "{nulls}, line ends {line_end}").format(
            name=d["name"], separator=d["separator"], quote=d["quote"], escape=d["escape"], nulls=null_texts,
            line_end=d["line_end"])))
    for table in item.tables:
        columns = table["columns"]
        assert isinstance(columns, list)
        label = _("table {name}").format(name=table["name"]) if table["name"] else N_("header")
        count = ngettext("{count} column", "{count} columns", len(columns)).format(count=len(columns))
        pairs.append((label, f"{_list(columns)} ({count})"))
    pairs += _readers(item)
    for tried in item.tried:
        lacks = "; ".join(_("{table} lacks {columns}").format(table=table, columns=_list(cols))
                          for table, cols in tried.lacking.items()) or (
            _("reads no inbox files (it works on what other flows staged)"))
        pairs.append((N_("tried"), f"{tried.flow}: {lacks}"))
    if item.reason:
        pairs.append((N_("refused"), translate(item.reason)))
    return [item.file, *_pairs(pairs)]


def _readers(item: FileSeen) -> list[tuple[str, str]]:
    """The flows that read the file, the first taking it: the columns each finds, misses and ignores."""
    pairs: list[tuple[str, str]] = []
    for taken in item.taken:
        pairs.append((N_("taken for") if taken is item.taken[0] else N_("also read by"),
                      f"{taken.flow}: {translate(taken.why)}"))
        cols = taken.columns
        optional = _(" (optional, left empty: {columns})").format(columns=_list(cols.optional_missing))
        needed = _(" (needed when, those records rejected: {columns})").format(columns=_list(cols.needed_missing))
        pairs += [("  " + N_("found"), f"{len(cols.found)}: {_list(cols.found)}"),
                  ("  " + N_("missing"), _list(cols.missing) + (optional if cols.optional_missing else "")
                   + (needed if cols.needed_missing else "")),
                  ("  " + N_("ignored"), f"{len(cols.ignored)}: {_list(cols.ignored)}"),
                  *_needs(cols.needs)]
        if cols.problem:
            pairs.append(("  " + N_("a run says"), translate(cols.problem)))
    return pairs


def _needs(needs: list[dict[str, str | None]]) -> list[tuple[str, str]]:
    """The layout's columns by need: required, optional (with default), needed when (with the condition)."""
    def of(kind: str) -> list[dict[str, str | None]]:  # a column two fields read (payment_class) once
        return list({n["column"]: n for n in needs if n["need"] == kind}.values())
    optional = [f"{n['column']}" + (" (" + _("default {value}").format(value=n["default"]) + ")"
                                    if n["default"] is not None else "") for n in of("optional")]
    when = [f"{n['column']} (" + _("when {condition}").format(condition=translate(str(n["when"]))) + ")"
            for n in of("needed_when")]
    pairs = [("  " + N_("required"), _list([str(n["column"]) for n in of("required")])),
             ("  " + N_("optional"), _list(optional)), ("  " + N_("needed if"), _list(when))]
    if of("expected"):
        pairs.append(("  " + N_("expected"), _list([str(n["column"]) for n in of("expected")])
                      + " (" + _("column must be there") + ")"))
    return pairs


def _flow(flow: FlowSeen) -> list[str]:
    lines = [_("flow {flow} ({files}): {count} records in, {rejected} rejected").format(
        flow=flow.flow, files=", ".join(flow.files), count=flow.records_in, rejected=flow.rejected)]
    if flow.refused:
        lines.append("  " + _("refused whole: {reason}").format(reason=translate(flow.refused)))
    for entity, rows in flow.rows.items():
        if not rows:
            continue
        lines.append("  " + _("neutral table {entity} (first {count} rows, as typed):").format(entity=entity,
                                                                                                count=len(rows)))
        types = flow.types.get(entity, {})
        names = list(rows[0])
        cells = [[name, types.get(name, ""), *(_cell(row.get(name)) for row in rows)] for name in names]
        widths = [max(len(c[i]) for c in cells) for i in range(len(cells[0]))]
        lines += ["    " + "  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)).rstrip()
                  for cell in cells]
    if flow.rejects:
        lines.append("  " + _("first rejects ({count} shown of those a run would write):").format(
            count=len(flow.rejects)))
        for r in flow.rejects:
            where = f"{r['file']}:{r['line']}" + (" " + _("field {field}").format(field=r["field"])
                                                  if r.get("field") else "")
            value = " " + _("value {value}").format(value=_cell(r.get("value"))) if r.get("value") is not None else ""
            lines.append(f"    {r.get('record') or '-'} {where}{value}: {translate(str(r['reason']))}")
    return lines


def _decimal(value: float) -> str:
    """A confidence (0.97) with the language's decimal separator."""
    from babel.numbers import format_decimal

    from etl.i18n import language

    return format_decimal(value, format="0.00", locale=language())


def _cell(value: object) -> str:
    text = "NULL" if value is None else str(value)
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= WIDTH else text[:WIDTH - 1] + "…"
