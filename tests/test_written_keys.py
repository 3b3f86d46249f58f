"""The keys a run wrote: kept out of memory, asked per chunk, handed to the ledger whole."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from etl.state.written import WrittenKeys


@given(st.lists(st.lists(st.text(min_size=1, max_size=12), max_size=30), max_size=8),
       st.lists(st.text(min_size=1, max_size=12), max_size=700), st.sampled_from([0, 7, 10_000]))
def test_written_keys_behave_as_a_set(chunks: list[list[str]], asked: list[str], spill: int) -> None:
    """Whether the keys are still in memory, in the database or in both."""
    written = WrittenKeys(spill=spill)
    for keys in chunks:
        written += keys
    every = {key for keys in chunks for key in keys}
    assert set(written) == every and len(written) == len(every)
    assert written.seen(asked + sorted(every)) == (set(asked) & every) | every
    written.close()
