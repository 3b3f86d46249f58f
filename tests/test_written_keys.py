"""The keys a run wrote: kept out of memory, asked per chunk, handed to the ledger whole."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from etl.state.ledger import Ledger
from etl.state.written import WrittenKeys

texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)  # NULs too


@given(st.lists(st.lists(texts, max_size=30), max_size=8), st.lists(texts, max_size=700),
       st.sampled_from([None, 0, 1, 3]))
def test_written_keys_behave_as_a_set(chunks: list[list[str]], asked: list[str], first_asked: int | None) -> None:
    """Whether a lookup came before any key, between chunks or never (the keys are indexed at the first)."""
    written = WrittenKeys()
    for number, keys in enumerate(chunks):
        if number == first_asked:
            assert written.seen(keys) == {key for earlier in chunks[:number] for key in earlier} & set(keys)
        written += keys
    every = {key for keys in chunks for key in keys}
    assert set(written) == every and len(written) == len(every)
    assert written.seen(asked + sorted(every)) == (set(asked) & every) | every
    written.close()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(texts, max_size=20), max_size=5), st.booleans(), st.booleans())
def test_the_ledger_commits_the_keys_kept_on_its_own_connection(chunks: list[list[str]], asked: bool,
                                                                 per_input: bool) -> None:
    """Copied in SQL at the commit: every key once, as its records and (per input) as partly written."""
    every = {key for keys in chunks for key in keys}
    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger(Path(folder))
        ledger.commit_run("r0", "customers", "start", "ok", "{}", [("sha-old", "old.csv")], records=["kept", "x"])
        written = ledger.written_keys()
        for keys in chunks:
            if asked:
                written.seen(keys)
            written += keys
        ledger.commit_run("r1", "customers", "start", "ok", "{}", [("sha-done", "a.csv"), ("sha-part", "b.csv")],
                          records=written, incomplete={"sha-part"}, per_input=per_input)
        written.close()
        assert ledger.records_seen("customers", [*every, "kept", "x"]) == {
            "kept": "r0", "x": "r0", **dict.fromkeys(every, "r1")}
        assert ledger.written_from("sha-part", "customers", [*every, "kept"]) == (every if per_input else set())
        ledger.close()
