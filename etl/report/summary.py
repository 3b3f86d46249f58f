"""A run's summary for people, in their language: the lines `etl run` prints, each with its style."""

from __future__ import annotations

from babel.numbers import format_decimal

from etl.i18n import N_, language, translate
from etl.report.run_report import RunReport

SHOWN_REJECTS = 10
# Words the report holds in English, translated when shown.
STATUS = (N_("ok"), N_("partial"), N_("failed"))
FILE_STATUS = (N_("archived"), N_("error"), N_("skipped"), N_("ignored"), N_("would-import"), N_("waiting"))
UNITS = (N_("records"), N_("articles"), N_("customers"), N_("documents"), N_("orders"), N_("payment requests"),
         N_("relations"), N_("shipments"))
COLOURS = {"ok": "green", "partial": "yellow", "failed": "red"}


def summary_lines(report: RunReport, lang: str | None = None) -> list[tuple[str, str]]:
    """(style, text) per line: counts, notes, files, outputs, the first rejects and the outcome."""
    def _(text: str, **params: object) -> str:
        return translate(text, lang).format(**params)

    def count(value: int) -> str:  # 1.234 in German, 1,234 in English
        return format_decimal(value, locale=lang or language())

    title = _("{flow} → {format}  run {run_id}", flow=report.flow, format=report.format, run_id=report.run_id)
    if report.dry_run:
        title += _("  (dry run: nothing written or moved)")
    counts = _("{unit}: {records_in} in, {written} written, {rejected} rejected", unit=_(report.unit),
               records_in=count(report.records_in), written=count(report.written), rejected=count(report.rejected))
    if report.skipped:
        counts += _(", {skipped} skipped", skipped=count(report.skipped))
    lines = [("bold", title), ("", "  " + counts)]
    lines += [("", "  " + translate(note, lang)) for note in report.notes]
    if report.error:
        lines.append(("red", "  " + translate(report.error, lang)))
    for item in report.files:
        text = _("file {name}: {status} {tables}", name=item.name, status=_(item.status), tables=",".join(item.tables))
        lines.append(("", "  " + text + (f" – {translate(item.reason, lang)}" if item.reason else "")))
    lines += [("", "  " + _("wrote {path}", path=path)) for path in report.outputs]
    for reject in report.rejects[:SHOWN_REJECTS]:
        where = f"{reject.file}:{reject.line}"
        if reject.field:
            where += _(" field {field}", field=reject.field)
        lines.append(("red", "  " + _("rejected {record} {where}: {reason}", record=reject.record or "", where=where,
                                      reason=reject.reason_in(lang))))
    if len(report.rejects) > SHOWN_REJECTS:
        lines.append(("", "  " + _("… {count} more in {file}", count=count(len(report.rejects) - SHOWN_REJECTS),
                                   file=report.rejects_file)))
    elif report.rejects_file:
        lines.append(("", "  " + _("rejects: {file}", file=report.rejects_file)))
    if not report.files:
        lines.append(("", "  " + _("nothing to do: no export for this flow in the inbox")))
    outcome = _(report.status) + (_(", report {file}", file=report.report_file) if report.report_file else "")
    lines.append((COLOURS[report.status], "  " + outcome))
    return lines
