"""What `etl` prints into a pipe (Task Scheduler logs at 80 columns) and the completion for a named shell."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import etl


def test_status_in_a_pipe_prints_whole_values(tmp_path: Path) -> None:
    assert etl("init", tmp_path / "demo", "--samples").returncode == 0
    config = tmp_path / "demo/etl.yaml"
    assert etl("run", "orders", "--format", "xml", "--config", config).returncode == 1  # one bad sample order
    runs = json.loads(etl("status", "--json", "--config", config).stdout)["runs"]
    assert runs
    shown = etl("status", "--config", config, COLUMNS="80", ETL_LANG="de")
    assert shown.returncode == 0, shown.stderr
    assert "…" not in shown.stdout
    lines = shown.stdout.splitlines()
    assert "Lauf\tAblauf\tbeendet\tStatus\tgelesen\tgeschrieben\tabgelehnt\tDateien" in lines
    for run in runs:  # one tab-separated line per run, its id and German status word whole
        (line,) = [line for line in lines if line.startswith(f"{run['run_id']}\t")]
        fields = line.split("\t")
        assert fields[1] == run["flow"] and "teilweise" in fields and len(fields) == 8


def test_flows_in_a_narrow_pipe_prints_whole_values() -> None:
    shown = etl("flows", COLUMNS="80")
    assert shown.returncode == 0 and "…" not in shown.stdout
    assert all(len(line.split("\t")) == 5 for line in shown.stdout.splitlines())
    assert "shop -> ERP" in shown.stdout or "shop → ERP" in shown.stdout


def test_completion_for_the_shell_named(tmp_path: Path) -> None:
    script = etl("--show-completion", "powershell")
    assert script.returncode == 0 and "Register-ArgumentCompleter" in script.stdout
    installed = etl("--install-completion", "zsh", HOME=str(tmp_path))  # not the shell detected here (bash)
    assert installed.returncode == 0, installed.stderr
    assert "zsh completion installed" in installed.stdout and (tmp_path / ".zshrc").is_file()
    assert not (tmp_path / ".bash_completions").exists()
    refused = etl("--install-completion", "cmd", HOME=str(tmp_path))
    assert refused.returncode == 2 and "powershell" in refused.stderr
