"""Every flow's rejects on its samples: a registered code, and German words without an English sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.config import Config
from etl.flows import FLOWS
from etl.pipeline import run_flow
from etl.report.run_report import read_rejects
from etl.shared.reject_codes import CODES
from tests.flows.samples import SAMPLES
from tests.shared.test_reject_codes import ENGLISH, GERMAN, words_of


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_the_reject_file_speaks_the_working_folders_language(workspace: Config, flow: str, lang: str) -> None:
    config, _ = SAMPLES[flow].prepare(workspace)
    config.language = lang  # type: ignore[assignment]
    report = run_flow(config, flow, "csv")
    rows = read_rejects(Path(report.rejects_file)) if report.rejects_file else []
    assert len(rows) == len(report.rejects)
    for row, reject in zip(rows, report.rejects, strict=True):
        assert row["code"] == reject.code and row["code"] in CODES
        assert row["reason"] == reject.reason_in(lang)
        found = words_of(row["reason"]) & (ENGLISH if lang == "de" else GERMAN)
        assert not found, (row["code"], row["reason"])
