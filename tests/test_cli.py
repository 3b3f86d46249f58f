"""The command line: exit codes, JSON report, and the commands a new user types."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from etl.config import Config
from tests.conftest import ORDERS, drop


def etl(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed command line as a user would."""
    return subprocess.run([sys.executable, "-m", "etl", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


def test_init_then_run_on_samples(tmp_path: Path) -> None:
    result = etl("init", tmp_path / "demo", "--samples")
    assert result.returncode == 0, result.stderr
    result = etl("run", "orders", "--format", "xml", "--config", tmp_path / "demo/etl.yaml")
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
    drop(workspace, ORDERS / "cases/flat_not_numeric.csv")
    config = workspace.base / "etl.yaml"
    assert etl("run", "orders", "-c", config).returncode == 1
    drop(workspace, ORDERS / "cases/flat_not_numeric.csv")
    again = etl("run", "orders", "-c", config)
    assert again.returncode == 0, again.stdout
    assert "already imported" in again.stdout


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
