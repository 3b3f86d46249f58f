"""A wrong etl.yaml or layout is told by file, line, key and what is allowed, in the merchant's language:
pydantic's errors rendered by the catalog, never its English ("Extra inputs are not permitted")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etl import i18n
from etl.config import load_config, problems
from etl.shared.errors import ConfigError
from etl.transform.layout import TargetLayout, load_layout
from etl.workspace import create_workspace
from tests.test_cli import etl

# (what replaces a line of the etl.yaml `etl init` writes, the key's line after it, English, German)
CASES = [
    pytest.param("language: de", "lanugage: de", r"unknown key 'lanugage' \(allowed: folders, mappings, .*language\)",
                 r"unbekannter Schlüssel 'lanugage' \(erlaubt: folders, mappings, .*language\)", id="extra_forbidden"),
    pytest.param("language: de", "language: fr", r"language is 'fr' \(allowed: de, en\)",
                 r"language ist 'fr' \(erlaubt: de, en\)", id="literal_error"),
    pytest.param("language: de", "keep_staging_runs: zwei", r"keep_staging_runs is 'zwei', not a whole number",
                 r"keep_staging_runs ist 'zwei', keine ganze Zahl", id="int_parsing"),
    pytest.param("language: de", "watch: {quiet_seconds: bald}", r"watch.quiet_seconds is 'bald', not a number",
                 r"watch.quiet_seconds ist 'bald', keine Zahl", id="float_parsing"),
    pytest.param("language: de", "watch: {poll: vielleicht}",
                 r"watch.poll is 'vielleicht', not yes or no \(true, false\)",
                 r"watch.poll ist 'vielleicht', nicht ja oder nein \(true, false\)", id="bool_parsing"),
    pytest.param("language: de", "shop: [database]", r"shop must be a section of keys \(key: value\)",
                 r"shop muss ein Abschnitt mit Schlüsseln sein \(Schlüssel: Wert\)", id="model_type"),
]


@pytest.fixture(autouse=True)
def _no_chosen_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ETL_LANG", raising=False)
    monkeypatch.setattr(i18n, "_chosen", {"option": None, "settings": None})


@pytest.mark.parametrize(("line", "wrong", "english", "german"), CASES)
def test_a_wrong_setting_names_file_line_key_and_what_is_allowed(tmp_path: Path, line: str, wrong: str,
                                                                 english: str, german: str) -> None:
    folder = create_workspace(tmp_path / "work")
    settings = folder / "etl.yaml"
    text = settings.read_text(encoding="utf-8")
    assert re.search(rf"^{re.escape(line)}\b", text, re.M), "etl init writes the line the case replaces"
    text = re.sub(rf"^{re.escape(line)}.*$", wrong, text, count=1, flags=re.M)
    settings.write_text(text, encoding="utf-8")
    number = text.splitlines().index(wrong) + 1
    with pytest.raises(ConfigError) as caught:
        load_config(settings)
    (problem,) = caught.value.problems
    assert re.fullmatch(rf"{re.escape(str(settings))}, line {number}: {english}", problem), problem
    assert re.fullmatch(rf"{re.escape(str(settings))}, Zeile {number}: {german}", i18n.translate(problem, "de"))
    shown = etl("status", cwd=folder)  # German by default: the etl.yaml that would say otherwise is the wrong one
    assert shown.returncode == 2 and "Die Konfiguration ist fehlerhaft:" in shown.stderr, shown.stderr
    assert re.search(rf"Zeile {number}: {german}", shown.stderr), shown.stderr
    assert "Input should" not in shown.stderr and "Extra inputs" not in shown.stderr


def test_a_layout_names_the_line_of_a_misspelt_or_missing_key(tmp_path: Path) -> None:
    folder = create_workspace(tmp_path / "work")
    layout = folder / "mappings/sage/orders.yaml"
    lines = layout.read_text(encoding="utf-8").splitlines()
    at = lines.index(next(line for line in lines if line.startswith("records:")))
    lines.insert(at, "recrods: {}")
    lines.remove(next(line for line in lines if line.startswith("flow:")))
    layout.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first_key = next(i for i, line in enumerate(lines) if line and not line.startswith("#")) + 1
    # the keys a target layout has, each by the name a layout writes it with
    allowed = ", ".join(f.alias or name for name, f in TargetLayout.model_fields.items())
    with pytest.raises(ConfigError) as caught:
        load_layout(layout, TargetLayout)
    assert sorted(caught.value.problems) == sorted([
        f"{layout}, line {first_key}: flow is missing",
        f"{layout}, line {at}: unknown key 'recrods' (allowed: {allowed})"])


def test_every_template_is_translated_as_a_whole() -> None:
    """A template that begins and ends with a parameter only translates parameters (etl.i18n): none may."""
    templates = [problems.UNKNOWN, problems.MISSING, problems.CHOICE, problems.SECTION, problems.LIST,
                 problems.OTHER, *problems.VALUE.values()]
    for template in templates:
        sample = template.format(file="etl.yaml", line=3, key="a.b", value="x", allowed="c, d", problem="e")
        assert i18n.translate(sample, "de") != sample and "Zeile 3" in i18n.translate(sample, "de"), template
