"""Messages in German by default and in English on request: the catalog, the matching, the choice of language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from etl import i18n
from etl.i18n import N_, language, text_in, translate
from etl.report.next_step import for_code
from etl.shared.reject_codes import CODES, Words

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "etl/locale/de/LC_MESSAGES/etl.po"
POT = ROOT / "etl/locale/etl.pot"
PLACEHOLDER = re.compile(r"\{\w+\}")


@pytest.fixture(autouse=True)
def _no_chosen_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ETL_LANG", raising=False)
    monkeypatch.setattr(i18n, "_chosen", {"option": None, "settings": None})


@pytest.mark.parametrize(("english", "german"), [
    pytest.param("is required but empty", "ist ein Pflichtfeld, aber leer", id="required"),
    # a refused file's reason as the watcher writes it: a join ("JSON or xlsx") never splits inside brackets
    pytest.param("in/junk.bin: this looks like binary data (control bytes that no text export holds), not a table "
                 "export (CSV/TXT, XML, JSON or xlsx); no flow reads it (tried: orders, stock)",
                 "in/junk.bin: das sieht aus wie Binärdaten (Steuerzeichen, die kein Textexport enthält), kein "
                 "Tabellenexport (CSV/TXT, XML, JSON oder xlsx); kein Ablauf liest sie (versucht: orders, stock)",
                 id="binary-file-refused"),
    pytest.param("is not a number in the form the mapping declares: decimal comma, '.' only between groups of "
                 "three digits (1.234,56)",
                 "ist keine Zahl in der Form, die die Zuordnung festlegt: Dezimalkomma, '.' nur zwischen "
                 "Dreiergruppen von Ziffern (1.234,56)", id="number-with-convention"),
    pytest.param("is not a date that exists in the form DD.MM.YYYY or YYYY-MM-DD or DD.MM.YY",
                 "ist kein gültiges Datum in der Form DD.MM.YYYY oder YYYY-MM-DD oder DD.MM.YY", id="date-forms"),
    pytest.param("must be at least 0", "muss mindestens 0 sein", id="range"),
    pytest.param("is longer than 30 characters", "ist länger als 30 Zeichen", id="max-length"),
    pytest.param("is not a known value (value map 'payment' of the shop orders mapping); add it there",
                 "ist kein bekannter Wert (Werteliste 'payment' der Zuordnung shop orders); dort ergänzen",
                 id="value-map"),
    pytest.param("Artikelnummer PF-200 is given more than once (also in artikel.csv line 11, artikel.csv line 12); "
                 "every row with it is refused: keep one of them and export again",
                 "Artikelnummer PF-200 kommt mehrfach vor (auch in artikel.csv Zeile 11, artikel.csv Zeile 12); "
                 "jede Zeile damit wird abgelehnt: eine davon behalten und neu exportieren", id="duplicates"),
    pytest.param("this order line belongs to order 20026, which is not in the export",
                 "diese Zeile (Bestellposition) gehört zu Bestellung 20026, die nicht im Export ist", id="orphan"),
    pytest.param("the order has no grand total (orders_total class ot_total)",
                 "die Bestellung hat keine Gesamtsumme (orders_total, Klasse ot_total)", id="missing-total"),
    pytest.param("kunden.csv: read as table template of the shop customers mapping, it lacks the column(s) 'PLZ' "
                 "(field address_postcode): add them to the export, or mark the field `optional: true` in "
                 "mappings/shop/customers.yaml (tables.template.fields)",
                 "kunden.csv: als Tabelle template der Zuordnung shop customers gelesen, fehlen die Spalte(n) 'PLZ' "
                 "(field address_postcode): im Export ergänzen oder das Feld in mappings/shop/customers.yaml "
                 "(tables.template.fields) mit `optional: true` kennzeichnen", id="missing-column-of-a-file"),
    pytest.param("a text the catalog does not know", "a text the catalog does not know", id="unknown-stays"),
    pytest.param("DD.MM.YYYY or YYYY-MM-DD", "DD.MM.YYYY or YYYY-MM-DD", id="joining-template-only-inside"),
])
def test_a_reason_made_in_english_is_shown_in_german(english: str, german: str) -> None:
    assert translate(english, "de") == german
    assert translate(english, "en") == english


@pytest.mark.parametrize(("option", "env", "configured", "expected"), [
    pytest.param(None, None, None, "de", id="german-by-default"),
    pytest.param(None, None, "en", "en", id="etl-yaml"),
    pytest.param(None, "en_GB.UTF-8", "de", "en", id="env-over-etl-yaml"),
    pytest.param("de", "en", "en", "de", id="option-over-all"),
    pytest.param(None, "fr", None, "de", id="unknown-env-ignored"),
])
def test_the_language_option_then_env_then_etl_yaml_then_german(
        monkeypatch: pytest.MonkeyPatch, option: str | None, env: str | None, configured: str | None,
        expected: str) -> None:
    if env:
        monkeypatch.setenv("ETL_LANG", env)
    i18n.set_language(option)
    assert language(configured) == expected


def _catalog(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id and not m.fuzzy}


def test_every_message_of_the_code_is_in_the_template_and_translated() -> None:
    extracted = {str(msg[2]) for msg in extract_from_dir(ROOT / "etl")}
    assert extracted == set(_catalog(POT)), "run the pybabel commands in docs/translating.md"
    german = _catalog(PO)
    for msgid in extracted:
        assert german.get(msgid), f"no German for {msgid!r}"
        assert sorted(PLACEHOLDER.findall(german[msgid])) == sorted(PLACEHOLDER.findall(msgid)), msgid


SAMPLES = ROOT / "samples/orders"
GERMAN = ["Bestellungen: 26 gelesen, 24 geschrieben, 2 abgelehnt",
          "abgelehnt  orders_products.csv:48 Feld orders_id: diese Zeile (Bestellposition) gehört zu Bestellung "
          "20026, die nicht im Export ist",
          "abgelehnt 20017 orders.csv:18 Feld ot_total: die Bestellung geht nicht auf: Positionen, Versand, "
          "Gebühren, Rabatte und Gutscheine ergeben 38,29\xa0€, die Bestellsumme ist 33,39\xa0€ (Differenz -4,90\xa0€)",
          "teilweise, Bericht "]
ENGLISH = ["orders: 26 in, 24 written, 2 rejected",
           "rejected  orders_products.csv:48 field orders_id: this order line belongs to order 20026, which is not "
           "in the export",
           "rejected 20017 orders.csv:18 field ot_total: the order does not add up: items, shipping, fees, discounts "
           "and coupons make 38.29, the order total is 33.39 (difference -4.90)",
           "partial, report "]


@pytest.mark.parametrize(("lang", "expected", "titles", "reason"), [
    pytest.param("de", GERMAN, ["Datei", "Zeile", "Datensatz", "Feld", "Wert", "Grund", "Code", "Parameter"],
                 "diese Zeile", id="de"),
    pytest.param("en", ENGLISH, ["file", "line", "record", "field", "value", "reason", "code", "parameters"],
                 "this order line", id="en"),
])
def test_a_partial_run_speaks_the_working_folders_language(tmp_path: Path, lang: str, expected: list[str],
                                                           titles: list[str], reason: str) -> None:
    from etl.config import load_config
    from etl.pipeline import run_flow
    from etl.report.run_report import read_rejects
    from etl.report.summary import summary_lines
    from etl.workspace import create_workspace
    from tests.conftest import drop

    config = load_config(create_workspace(tmp_path / "work"))
    config.language = lang  # type: ignore[assignment]
    drop(config, SAMPLES)
    report = run_flow(config, "orders", "csv")
    lines = [text.strip() for _, text in summary_lines(report, lang)]
    for line in expected:
        assert any(text.startswith(line) for text in lines), (line, lines)
    rejects = Path(str(report.rejects_file))
    assert rejects.read_text(encoding="utf-8-sig").splitlines()[0] == ";".join(titles)
    rows = read_rejects(rejects)  # read back by the English names, whatever the language
    assert {r["field"] for r in rows} == {"orders_id", "ot_total"} and rows[0]["reason"].startswith(reason)
    assert report.rejects[0].reason.startswith("this order line")  # `reason`: the English words, as before codes
    assert [r["code"] for r in rows] == ["line-without-order", "order-does-not-add-up"]


@pytest.mark.parametrize(("args", "env", "expected"), [
    pytest.param([], {}, GERMAN, id="german-by-default"),
    pytest.param(["--lang", "en"], {}, ENGLISH, id="lang-option"),
    pytest.param([], {"ETL_LANG": "en"}, ENGLISH, id="etl-lang"),
    pytest.param(["--lang", "de"], {"ETL_LANG": "en"}, GERMAN, id="option-over-env"),
])
def test_a_partial_run_on_the_command_line(tmp_path: Path, args: list[str], env: dict[str, str],
                                           expected: list[str]) -> None:
    from tests.test_cli import etl

    assert etl("init", tmp_path / "work", "--samples").returncode == 0
    result = etl(*args, "run", "orders", cwd=tmp_path / "work", **env)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line.strip() for line in result.stdout.splitlines()]
    for line in expected:
        assert any(text.startswith(line) for text in lines), (line, result.stdout)


def test_an_error_is_reported_in_the_chosen_language(tmp_path: Path) -> None:
    from tests.test_cli import etl

    result = etl("--lang", "en", "run", "no-such-flow", cwd=tmp_path)
    german = etl("run", "no-such-flow", cwd=tmp_path)
    assert result.returncode == german.returncode == 2
    assert result.stderr.startswith("error:") and german.stderr.startswith("Fehler:"), german.stderr


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_reject_file_names_the_code_that_gives_the_next_step(tmp_path: Path, lang: str) -> None:
    from decimal import Decimal

    from etl.report.run_report import read_rejects, write_rejects
    from etl.shared.rejects import Reject

    params = {"parts": Words(N_("items, shipping, fees, discounts and coupons")), "sum": Decimal("67.75"),
              "total": Decimal("67.85"), "difference": Decimal("0.10")}
    reject = Reject("orders.csv", 9, "10007", "ot_total", "67.85", "order-does-not-add-up", params=params)
    write_rejects([reject], tmp_path / "rejects.csv", lang)
    row = read_rejects(tmp_path / "rejects.csv")[0]
    assert row["code"] == "order-does-not-add-up" and row["reason"] == reject.reason_in(lang)
    assert ("Differenz 0,10\xa0€" if lang == "de" else "difference 0.10") in row["reason"]
    step = for_code(row["code"], lang)
    assert step.startswith(text_in(CODES["order-does-not-add-up"].step, lang))
    assert step != for_code("", lang) and ("Shop" in step if lang == "de" else "the shop" in step)
