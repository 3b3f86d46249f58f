"""The writer registry: one list of formats that `writer_for`, `etl run --help` and `etl flows` all follow."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from etl.flows import FLOWS
from etl.load import registry
from etl.load.base import Writer, writer_for
from etl.load.registry import WRITERS, WriterSpec, formats, formats_for
from etl.shared.errors import UsageError
from tests.test_cli import etl


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_every_registered_writer_imports_and_writes_its_format(fmt: str) -> None:
    cls = writer_for(fmt)
    assert issubclass(cls, Writer) and cls.format == fmt
    assert formats()[fmt].strip() and "\n" not in formats()[fmt]


def test_unknown_format_is_a_usage_error_naming_the_known_formats() -> None:
    with pytest.raises(UsageError) as caught:
        writer_for("pdf")
    assert all(fmt in str(caught.value) for fmt in formats())


def test_a_line_pointing_at_the_wrong_writer_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.WRITERS, "csv", WriterSpec("etl.load.txt_writer:TxtWriter", "not csv"))
    with pytest.raises(TypeError, match=re.escape("etl.load.txt_writer:TxtWriter")):
        writer_for("csv")


def test_run_help_shows_the_registry_and_imports_no_writer() -> None:
    code = ("import runpy, sys\nsys.argv = ['etl', 'run', '--help']\n"
            "try:\n    runpy.run_module('etl', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.endswith('_writer') or m.split('.')[0] in ('lxml', 'jinja2')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={"COLUMNS": "400", "PATH": "/usr/bin:/bin", "ETL_LANG": "en"})
    assert result.returncode == 0, result.stderr
    *help_lines, imported = result.stdout.splitlines()
    assert imported == "[]"
    text = " ".join(" ".join(line.strip(" │") for line in help_lines).split())
    assert "[" + "|".join(formats()) + "]" in text
    for fmt, spec in WRITERS.items():  # with whom it serves, where that is not every flow
        assert f"{fmt}{f' ({spec.scope})' if spec.scope else ''} = {spec.description}" in text
    assert "xtsol (catalog flow only)" in text and "sql (flows whose target is the shop)" in text
    assert "bmecat (catalog flow only)" in text


@pytest.mark.parametrize(("flow", "system", "expected"), [
    pytest.param("catalog", "shop", ["xml", "csv", "txt", "json", "xtsol", "sql", "bmecat"], id="catalog-everything"),
    pytest.param("stock", "shop", ["xml", "csv", "txt", "json", "sql"], id="shop-bound-sql-not-xtsol"),
    pytest.param("orders", "sage", ["xml", "csv", "txt", "json", "opentrans"], id="erp-bound-opentrans"),
    pytest.param("shipments", "shop", ["xml", "csv", "txt", "json", "sql", "opentrans"], id="dispatch-opentrans"),
    pytest.param("documents", "shop", ["xml", "csv", "txt", "json", "sql", "opentrans"], id="invoice-opentrans"),
    pytest.param("customers", "sage", ["xml", "csv", "txt", "json"], id="erp-bound-neither"),
    pytest.param("payment-requests", "mail", ["xml", "csv", "txt", "json"], id="mail-neither"),
    pytest.param("catalog", "sage", ["xml", "csv", "txt", "json", "bmecat"], id="catalog-to-another-system-no-xtsol"),
])
def test_a_format_serves_the_flows_and_systems_it_declares(flow: str, system: str, expected: list[str]) -> None:
    assert formats_for(flow, system) == expected


def test_flows_lists_each_flow_with_the_formats_that_serve_it() -> None:
    result = etl("flows")
    assert result.returncode == 0, result.stderr
    rows = {line.split("\t")[0]: line.split("\t")[3] for line in result.stdout.splitlines()}
    assert rows == {name: ", ".join(formats_for(name, flow.system)) for name, flow in FLOWS.items()}


@pytest.mark.parametrize("flow", list(FLOWS))
def test_shell_completion_offers_the_formats_of_the_flow(flow: str) -> None:
    script = Path(sys.executable).with_name("etl")  # the installed command: completion keys on its name
    result = subprocess.run([script], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "_ETL_COMPLETE": "complete_bash",
                                 "COMP_WORDS": f"etl run {flow} --format ", "COMP_CWORD": "4"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == FLOWS[flow].formats


def test_an_unknown_format_on_the_command_line_exits_2_naming_the_formats() -> None:
    result = etl("run", "orders", "--format", "pdf")
    assert result.returncode == 2, result.stdout + result.stderr
    assert ", ".join(formats()) in result.stderr
