"""A run's rejects: in order and all there, whether in memory or in the temporary database."""

from __future__ import annotations

import copy
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from etl.report.run_report import FIRST_REJECTS, RunReport
from etl.shared.reject_codes import CODES
from etl.shared.rejects import Reject, RejectLog

_TEXT = st.text(max_size=8)  # SQLite keeps text with NUL and any code point
_REJECT = st.builds(Reject, file=_TEXT, line=st.none() | st.integers(0, 10**9), record=st.none() | _TEXT,
                    field=st.none() | _TEXT, value=st.none() | _TEXT, code=st.sampled_from(sorted(CODES)),
                    kind=st.none() | _TEXT, params=st.dictionaries(st.sampled_from(["value", "length"]), _TEXT))


@given(st.lists(st.lists(_REJECT, max_size=9), max_size=8), st.integers(0, 80), st.sampled_from([0, 3, 50]),
       st.sampled_from([1, 4, 50]))
def test_a_reject_log_behaves_as_a_list(batches: list[list[Reject]], cut: int, keep: int, batch: int) -> None:
    """Appended in batches, taken back from any point, copied: as a list would be."""
    log, expected = RejectLog(keep=keep, batch=batch), []
    for rejects in batches:
        log += rejects
        expected += rejects
    assert list(log) == expected and len(log) == len(expected) and bool(log) == bool(expected)
    assert log[:2] == expected[:2] and [log[i] for i in range(len(log))] == expected
    copied = copy.deepcopy(log)
    log.truncate(cut)
    del expected[cut:]
    assert list(log) == expected and len(log) == len(expected)
    assert log.files == {r.file for r in expected}
    assert log.codes == Counter(r.code for r in expected)
    log += batches[0] if batches else []
    expected += batches[0] if batches else []
    assert list(log) == expected
    assert len(copied) == sum(map(len, batches))  # the copy keeps what was there before


def test_a_run_report_keeps_many_rejects_out_of_memory() -> None:
    """The report counts them and lists the first in its JSON (with their codes); the first stay at hand too."""
    report = RunReport(run_id="r", flow="orders", format="csv", started="2026-12-07T00:00:00")
    rejects = [Reject("o.csv", n, str(n), "Preis", "1,2x", "not-a-number") for n in range(1, 29_001)]
    rejects += [Reject("o.csv", n, str(n), "Menge", "", "required-empty") for n in range(29_001, 30_001)]
    report.rejects += rejects
    assert report.rejects._stored >= 25_000  # most are spooled, not Python objects
    assert list(report.rejects) == rejects and report.rejects[:3] == rejects[:3]
    assert report.as_dict()["rejects"] == 30_000 and report.exit_code == 1
    assert report.as_dict()["reject_codes"] == {"not-a-number": 29_000, "required-empty": 1_000}
    first = report.as_dict()["first_rejects"]
    assert len(first) == FIRST_REJECTS and first[0] == {  # type: ignore[index]
        "file": "o.csv", "line": 1, "record": "1", "field": "Preis", "value": "1,2x", "code": "not-a-number",
        "params": {}, "reason": "is not a number", "kind": None}
