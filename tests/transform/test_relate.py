"""The shared joins: first row per key, duplicates, orphans, per-parent sums, positions, lookups, chunks."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from etl.i18n import N_
from etl.shared.reject_codes import Words
from etl.transform.relate import (
    dedupe,
    duplicates,
    first_rows,
    lookup,
    number_runs,
    orphans,
    per_parent,
    split,
    unique_rows,
)


def _table(keys: list[str | None], **more: list) -> pa.Table:  # type: ignore[type-arg]
    """Rows keyed by `keys`, with lineage: file a.csv, line 2, 3, ... as a header row comes first."""
    return pa.table({"key": pa.array(keys, pa.string()), **more, "_file": ["a.csv"] * len(keys),
                     "_line": list(range(2, len(keys) + 2))})


@pytest.mark.parametrize(("keys", "expected"), [
    pytest.param([], [], id="empty"),
    pytest.param(["7", "7", "7"], [0], id="one-key"),
    pytest.param(["b", "a", "b", "c", "a"], [0, 1, 3], id="order-of-first-sight"),
    pytest.param([None, "a", None], [0, 1], id="null-is-a-key"),
])
def test_first_rows(keys: list[str | None], expected: list[int]) -> None:
    assert first_rows(pa.array(keys, pa.string())).to_pylist() == expected


@pytest.mark.parametrize(("keys", "kept", "refused"), [
    pytest.param(["1", "2"], ["1", "2"], [], id="unique"),
    pytest.param(["1", "2", "1", "1"], ["1", "2"], [(2, "4, a.csv line 5"), (4, "2, a.csv line 5"),
                                                  (5, "2, a.csv line 4")], id="every-copy-refused-naming-the-others"),
])
def test_dedupe(keys: list[str], kept: list[str], refused: list[tuple[int, str]]) -> None:
    unique, rejects = dedupe(_table(keys), "key", "orders_id", "order")
    assert unique.column("key").to_pylist() == kept
    assert [(r.line, r.record, r.field, r.value) for r in rejects] == [(line, "1", "orders_id", "1")
                                                                        for line, _ in refused]
    for reject, (_, others) in zip(rejects, refused, strict=True):
        assert f"order 1 is given more than once (also in a.csv line {others})" in reject.reason


@pytest.mark.parametrize(("keys", "refused"), [
    pytest.param([("A", "1"), ("A", "2"), ("B", "1")], [], id="composite-key-differs"),
    pytest.param([("A", "1"), ("B", "1"), ("A", "1")], [2, 4], id="composite-key-twice"),
    pytest.param([("A", None), ("A", None)], [], id="empty-part-not-compared"),
])
def test_duplicates_by_several_fields(keys: list[tuple[str, str | None]], refused: list[int]) -> None:
    table = _table([k for k, _ in keys], group=pa.array([g for _, g in keys], pa.string()))
    mask, rejects = duplicates(table, ["key", "group"], "Artikelnummer", "sku / group", None)
    assert [r.line for r in rejects] == refused
    assert mask.to_pylist() == [line in refused for line in range(2, len(keys) + 2)]
    assert all(r.value == "A / 1" and r.field == "Artikelnummer" for r in rejects)


@pytest.mark.parametrize(("children", "parents", "name_record", "expected"), [
    pytest.param(["1", "2"], ["1", "2"], False, [], id="all-known"),
    pytest.param(["1", "9", "1"], ["1"], False, [(3, None, "9")], id="orphan"),
    pytest.param(["9"], ["1"], True, [(2, "9", "9")], id="orphan-names-its-key"),
    pytest.param([None], ["1"], False, [(2, None, None)], id="null-key-is-an-orphan"),
    pytest.param(["1"], [], False, [(2, None, "1")], id="no-parents"),
])
def test_orphans(children: list[str | None], parents: list[str], name_record: bool, expected: list[tuple]) -> None:  # type: ignore[type-arg]
    kept, rejects = orphans(_table(children), "key", pa.array(parents, pa.string()), "id", "line-without-order",
                            {"what": Words(N_("order line"))}, name_record)
    assert kept.num_rows == len(children) - len(expected)
    assert [(r.line, r.record, r.value, r.reason) for r in rejects] == [
        (line, record, value, f"this order line belongs to order {value or '–'}, which is not in the export")
        for line, record, value in expected]
    assert all(r.code == "line-without-order" and r.params["value"] == r.value for r in rejects)


@pytest.mark.parametrize(("how", "expected"), [
    pytest.param("sum", [Decimal("3.5"), None, Decimal("1")], id="sum"),
    pytest.param("count", [2, None, 1], id="count-null-without-children"),
    pytest.param("max", [Decimal("2.5"), None, Decimal("1")], id="max"),
])
def test_per_parent(how: str, expected: list) -> None:  # type: ignore[type-arg]
    children = pa.table({"order": ["a", "c", "a"], "total": pa.array([Decimal("1"), Decimal("1"), Decimal("2.5")],
                                                                     pa.decimal128(18, 4))})
    values = per_parent(children, "order", "total", how, pa.array(["a", "b", "c"])).to_pylist()
    assert values == expected


@pytest.mark.parametrize(("keys", "expected"), [
    pytest.param([], [], id="empty"),
    pytest.param([0, 0, 0, 1, 1, 2], [1, 2, 3, 1, 2, 1], id="runs"),
    pytest.param([5], [1], id="one"),
    pytest.param([None, None, 3], [1, 2, 1], id="nulls-are-one-run"),
])
def test_number_runs(keys: list[int | None], expected: list[int]) -> None:
    assert number_runs(pa.array(keys, pa.int64())).to_pylist() == expected


@pytest.mark.parametrize(("keys", "links", "expected", "asked"), [
    pytest.param(["K1", "K2", None, "K1"], {"K1": "17"}, ["17", None, None, "17"], [["K1", "K2"]], id="found-or-null"),
    pytest.param([None, None], {"K1": "17"}, [None, None], [], id="no-keys-no-question"),
])
def test_lookup_asks_once_for_distinct_keys(keys: list[str | None], links: dict[str, str],
                                            expected: list[str | None], asked: list[list[str]]) -> None:
    questions: list[list[str]] = []

    def find(wanted: list[str]) -> dict[str, str]:
        questions.append(wanted)
        return {k: links[k] for k in wanted if k in links}

    assert lookup(pa.array(keys, pa.string()), find).to_pylist() == expected
    assert questions == asked


@pytest.mark.parametrize(("size", "parts"), [
    pytest.param(None, [(["1", "2", "3"], ["1", "1", "3"])], id="whole"),
    pytest.param(5, [(["1", "2", "3"], ["1", "1", "3"])], id="fits"),
    pytest.param(2, [(["1", "2"], ["1", "1"]), (["3"], ["3"])], id="children-follow-their-parent"),
])
def test_split(size: int | None, parts: list[tuple[list[str], list[str]]]) -> None:
    neutral = {"orders": pa.table({"id": ["1", "2", "3"]}), "items": pa.table({"id": ["1", "3", "1"]})}
    got = [(p["orders"].column("id").to_pylist(), sorted(p["items"].column("id").to_pylist()))
           for p in split(neutral, "orders", "id", size)]
    assert got == parts


@pytest.mark.parametrize(("keep", "expected"), [
    pytest.param("first", [("a", 1), ("b", 2)], id="first"),
    pytest.param("last", [("a", 3), ("b", 2)], id="last-values-first-place"),
])
def test_unique_rows(keep: str, expected: list[tuple[str, int]]) -> None:
    rows = [{"sku": "a", "n": 1}, {"sku": "b", "n": 2}, {"sku": "a", "n": 3}]
    assert [(r["sku"], r["n"]) for r in unique_rows(rows, "sku", keep)] == expected  # type: ignore[arg-type]
