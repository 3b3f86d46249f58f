"""The command line: exit codes, JSON report, and the commands a new user types."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from etl.config import Config
from tests.conftest import ORDERS, drop


def etl(*args: str | Path, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed command line as a user would."""
    return subprocess.run([sys.executable, "-m", "etl", *map(str, args)], capture_output=True, text=True,
                          errors="replace", cwd=cwd, timeout=120,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", **env})


def test_init_then_run_on_samples(tmp_path: Path) -> None:
    result = etl("init", tmp_path / "demo", "--samples")
    assert result.returncode == 0, result.stderr
    result = etl("run", "orders", "--format", "xml", "--config", tmp_path / "demo/etl.yaml", ETL_LANG="en")
    assert result.returncode == 1, result.stdout + result.stderr  # the samples hold one bad order
    assert "written" in result.stdout
    (xml,) = (tmp_path / "demo/outbox/sage").glob("orders_*.xml")
    assert etl("validate", xml, "--config", tmp_path / "demo/etl.yaml").returncode == 0


def test_json_report_matches_files_and_exit_code(workspace: Config) -> None:
    drop(workspace, ORDERS / "flat_cp1252.csv")
    result = etl("run", "orders", "--json", "--config", workspace.base / "etl.yaml")
    report = json.loads(result.stdout)
    assert result.returncode == report["exit_code"] == 1
    assert report["counts"] == {"in": 8, "written": 7, "rejected": 1, "skipped": 0}
    saved = json.loads(Path(report["report_file"]).read_text(encoding="utf-8"))
    assert saved["counts"] == report["counts"]


def test_all_good_exits_0_and_again_skips(workspace: Config) -> None:
    drop(workspace, ORDERS / "flat_cp1252.csv")
    config = workspace.base / "etl.yaml"
    assert etl("run", "orders", "-c", config).returncode == 1  # one order rejected
    good = (ORDERS / "cases/flat_not_numeric.csv").read_bytes().replace(b"12,9x", b"12,95")
    (workspace.folder("inbox") / "good.csv").write_bytes(good)
    assert etl("run", "orders", "-c", config).returncode == 0
    (workspace.folder("inbox") / "good.csv").write_bytes(good)
    again = etl("run", "orders", "-c", config)
    assert again.returncode == 0, again.stdout
    assert "already imported" in again.stdout


def test_a_file_with_rejects_dropped_again_after_the_fix_imports_the_fixed_records(workspace: Config) -> None:
    config, inbox = workspace.base / "etl.yaml", workspace.folder("inbox")
    bad = (ORDERS / "cases/flat_not_numeric.csv").read_bytes()
    (inbox / "export.csv").write_bytes(bad)
    first = etl("run", "orders", "--json", "-c", config)
    assert json.loads(first.stdout)["counts"] == {"in": 2, "written": 1, "rejected": 1, "skipped": 0}
    (inbox / "export.csv").write_bytes(bad)  # the same file again, not fixed: still not "already imported"
    same = json.loads(etl("run", "orders", "--json", "-c", config).stdout)
    assert same["counts"] == {"in": 2, "written": 0, "rejected": 1, "skipped": 1}
    (inbox / "export.csv").write_bytes(bad.replace(b"12,9x", b"12,95"))
    fixed = etl("run", "orders", "--json", "-c", config)
    assert fixed.returncode == 0, fixed.stdout
    assert json.loads(fixed.stdout)["counts"] == {"in": 2, "written": 1, "rejected": 0, "skipped": 1}
    headers = [p.read_text(encoding="cp1252") for p in workspace.folder("outbox").glob("sage/*_header.csv")]
    assert sum(text.count("31002") for text in headers) == 1 and sum(text.count("31001") for text in headers) == 1


def test_usage_errors_exit_2_without_traceback(workspace: Config) -> None:
    config = workspace.base / "etl.yaml"
    for args in (["run", "nonsense", "-c", config], ["run", "orders", "--format", "pdf", "-c", config],
                 ["run", "orders", "-c", workspace.base / "missing.yaml"]):
        result = etl(*args)
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Traceback" not in result.stderr


def test_a_file_that_cannot_be_read_fails_with_3_and_is_moved_aside(workspace: Config) -> None:
    (workspace.folder("inbox") / "orders.xml").write_text("<resultset><row><field name='orders_id'>1",
                                                          encoding="utf-8")
    result = etl("run", "orders", "-c", workspace.base / "etl.yaml")
    assert result.returncode == 3, result.stdout
    (moved,) = workspace.folder("error").glob("*/orders.xml")
    reason = moved.with_name("orders.xml.reason.txt").read_text(encoding="utf-8")
    assert "not well-formed XML" in reason and "line" in reason


def test_flows_lists_directions_and_formats() -> None:
    result = etl("flows")
    assert result.returncode == 0
    assert "orders" in result.stdout and "shop -> ERP" in result.stdout
    for fmt in ("csv", "json", "txt", "xml"):
        assert fmt in result.stdout


def test_without_config_it_is_found_above_or_refused(workspace: Config, tmp_path: Path) -> None:
    deeper = workspace.base / "inbox"
    assert etl("run", "orders", "--json", cwd=deeper).returncode == 0  # found in the parent folder
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = etl("run", "orders", cwd=elsewhere)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "create one with `etl init DIR`" in result.stderr
    assert list(elsewhere.iterdir()) == []  # no working folder was built silently
    assert etl("run", "orders", cwd=elsewhere, ETL_CONFIG=str(workspace.base / "etl.yaml")).returncode == 0


def test_a_wrong_inbox_is_an_error(workspace: Config, tmp_path: Path) -> None:
    config = workspace.base / "etl.yaml"
    for inbox, says in ((tmp_path / "inbx", "does not exist"), (ORDERS / "flat_cp1252.csv", "is a file")):
        result = etl("run", "orders", "-c", config, "--inbox", inbox)
        assert result.returncode == 2, result.stdout + result.stderr
        assert says in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "inbx").exists()


def test_dry_run_writes_nothing_anywhere(tmp_path: Path) -> None:
    assert etl("init", tmp_path / "work").returncode == 0
    work = tmp_path / "work"
    drop(Config(base=work), ORDERS / "flat_cp1252.csv")
    before = sorted(p.relative_to(work) for p in work.rglob("*"))
    result = etl("run", "orders", "--dry-run", "-c", work / "etl.yaml", ETL_LANG="en")
    assert result.returncode == 1 and "dry run" in result.stdout, result.stdout + result.stderr
    assert sorted(p.relative_to(work) for p in work.rglob("*")) == before  # staging included


def test_a_cp1252_console_never_fails_the_run(workspace: Config) -> None:
    drop(workspace, ORDERS / "flat_cp1252.csv")
    result = etl("run", "orders", "-c", workspace.base / "etl.yaml", PYTHONIOENCODING="cp1252")
    assert result.returncode == 1, result.stdout + result.stderr  # partial (one reject), not "unexpected error"
    assert "orders ? csv" in result.stdout and "UnicodeEncodeError" not in result.stderr  # the arrow became '?'
    (report,) = workspace.folder("reports").glob("*.json")
    assert json.loads(report.read_text(encoding="utf-8"))["status"] == "partial"  # files stay UTF-8


def test_version_and_flows_in_a_pipe() -> None:
    version = etl("--version")
    assert version.returncode == 0 and version.stdout.startswith("etl ")
    flows = etl("flows", COLUMNS="40")
    assert flows.returncode == 0
    assert "payment-requests\t" in flows.stdout and "…" not in flows.stdout


def test_help_does_not_import_pyarrow() -> None:
    code = ("import sys; sys.argv = ['etl', '--help']\nfrom etl.cli.app import main\ntry: main()\n"
            "except SystemExit: pass\nprint('pyarrow' in sys.modules, 'pydantic' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert result.stdout.strip().endswith("False False"), result.stdout + result.stderr


def test_the_progress_bar_shows_on_a_terminal_only(workspace: Config) -> None:
    config = workspace.base / "etl.yaml"
    drop(workspace, ORDERS / "flat_cp1252.csv")
    piped = etl("run", "orders", "-c", config, ETL_LANG="en")
    drop(workspace, ORDERS / "cases/flat_not_numeric.csv")
    shown = etl("run", "orders", "-c", config, ETL_LANG="en", FORCE_COLOR="1")  # Rich takes it for a terminal
    assert piped.returncode == shown.returncode == 1, piped.stdout + shown.stdout + shown.stderr
    assert "orders: reading the inbox" not in piped.stderr
    assert "orders: reading the inbox" in shown.stderr
    reports = [json.loads(p.read_text(encoding="utf-8")) for p in workspace.folder("reports").glob("*.json")]
    assert sorted(r["counts"]["written"] for r in reports) == [1, 7]  # the bar changes nothing of the run


def test_template_never_overwrites_a_file(tmp_path: Path) -> None:
    first = etl("template", "customers", "--format", "csv", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    original = (tmp_path / "customers_vorlage.csv").read_bytes()
    second = etl("template", "customers", "--format", "csv", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "customers_vorlage (2).csv" in second.stdout and "gibt es schon" in second.stdout
    assert (tmp_path / "customers_vorlage (2).csv").read_bytes() == original
    mine = tmp_path / "kunden.xlsx"
    mine.write_bytes(b"the merchant's own work")
    refused = etl("template", "customers", "--output", mine, cwd=tmp_path)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "gibt es schon" in refused.stderr and "Traceback" not in refused.stderr
    assert mine.read_bytes() == b"the merchant's own work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers_vorlage (2).csv", "customers_vorlage.csv",
                                                          "kunden.xlsx"]


def test_global_options_after_the_command(workspace: Config) -> None:
    config = workspace.base / "etl.yaml"
    drop(workspace, ORDERS / "flat_cp1252.csv")
    english = etl("run", "orders", "-c", config, "--lang", "en")
    assert english.returncode == 1 and "written" in english.stdout, english.stdout + english.stderr
    wrong = workspace.base / "wrong.yaml"
    wrong.write_text("folders: [", encoding="utf-8")
    for args in (("run", "orders", "--lang=en", "-c", wrong), ("--lang", "en", "run", "orders", "-c", wrong)):
        result = etl(*args)
        assert result.returncode == 2 and "The configuration is wrong" in result.stderr, result.stderr
    plain = etl("run", "no-such-flow", "-c", config)
    assert plain.returncode == 2 and "Traceback" not in plain.stderr, plain.stderr
    debug = etl("run", "no-such-flow", "-c", config, "--debug")
    assert debug.returncode != 0 and "Traceback" in debug.stderr, debug.stderr  # --debug shows it


def test_init_on_a_working_folder_says_what_it_kept(tmp_path: Path) -> None:
    work = tmp_path / "work"
    assert "angelegt" in etl("init", work).stdout
    (work / "etl.yaml").write_text("language: de\n", encoding="utf-8")  # the merchant's own settings
    again = etl("init", work)
    assert again.returncode == 0, again.stderr
    assert "schon ein Arbeitsordner" in again.stdout and "behalten" in again.stdout
    assert "angelegt" not in again.stdout
    assert (work / "etl.yaml").read_text(encoding="utf-8") == "language: de\n"
