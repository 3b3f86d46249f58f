"""Customer number ranges per store: set in etl.yaml, picked by each record's store, links kept across stores."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from etl.config import Config, load_config
from etl.config.customer_numbers import NumberRange
from etl.pipeline import run_flow
from etl.shared.errors import ConfigError
from etl.state.links import CustomerLinks
from tests.conftest import ORDERS

SETTINGS = {
    "customer_numbers": {"prefix": "K", "start": 10000, "use_shop_numbers": False},
    "stores": {
        2: {"name": "B2B-Shop", "customer_numbers": {"prefix": "B", "start": 50000}},
        3: {"name": "Outlet", "outbox": "outlet", "customer_numbers": {"prefix": "O", "start": 70000, "width": 6}},
    },
}


def _configure(config: Config, settings: dict[str, object]) -> Config:
    path = config.base / "etl.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    path.write_text(yaml.safe_dump({**data, **settings}), encoding="utf-8")
    return load_config(path)


def _headers(folder: Path) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for path in folder.glob("orders_*_header.csv"):
        text = path.read_text(encoding="cp1252")
        rows |= {r["Shopbestellnummer"]: r for r in csv.DictReader(io.StringIO(text), delimiter=";")}
    return rows


def test_each_stores_new_customers_get_numbers_from_its_range(workspace: Config) -> None:
    config = _configure(workspace, SETTINGS)
    data = (ORDERS / "flat_cp1252.csv").read_bytes()
    # Order 10004 comes from the outlet (store 3); customer 1042 (store 1, order 10001) orders again in
    # the B2B store as order 10006.
    data = data.replace(b"\n10004;1;", b"\n10004;3;").replace(b"\n10006;1;1215;01215;", b"\n10006;2;1042;01042;")
    (config.folder("inbox") / "orders.csv").write_bytes(data)
    report = run_flow(config, "orders", "csv")
    outbox = config.folder("outbox") / "sage"
    main, outlet = _headers(outbox), _headers(outbox / "outlet")
    numbers = {order: row["Kundennummer"] for order, row in {**main, **outlet}.items()}
    assert numbers["10001"] == numbers["10006"] == "K10000"  # one customer, one number, in both stores
    assert numbers["10002"] == "K10001"  # store 1 (10007 does not add up, so it is refused): the main range
    assert [numbers[o] for o in ("10003", "10005", "10008")] == ["B50000", "B50001", "B50002"]
    assert numbers["10004"] == "O070000" and set(outlet) == {"10004"}
    assert report.stores == {"other": 6, "Outlet": 1}
    assert any(note.startswith("6 customer(s) not yet in the ERP") for note in report.notes)


def test_a_linked_customer_keeps_its_number_in_any_store(tmp_path: Path) -> None:
    ranges = {"2": NumberRange(prefix="B", start=50000), "3": NumberRange(prefix="O", start=70000)}
    main = NumberRange(prefix="K", start=10000, use_shop_numbers=False)

    def orders(*rows: tuple[str, str]) -> pa.Table:
        return pa.table({"customer_id": [c for c, _ in rows], "email": [f"{c}@example.de" for c, _ in rows],
                         "is_guest": [False] * len(rows), "erp_customer_number": pa.nulls(len(rows), pa.string()),
                         "store_id": [s for _, s in rows]})

    first = CustomerLinks(tmp_path, main, ranges)
    assert first.assign(orders(("7", "2"), ("8", "1"))).column("erp_customer_number").to_pylist() == [
        "B50000", "K10000"]
    first.commit()
    later = CustomerLinks(tmp_path, main, ranges)
    assigned = later.assign(orders(("7", "3"), ("8", "3"), ("9", "3"), ("10", "2")))
    assert assigned.column("erp_customer_number").to_pylist() == ["B50000", "K10000", "O70000", "B50001"]
    assert later.new_customers == 2
    later.rollback()


@pytest.mark.parametrize(("stores", "problem"), [
    pytest.param({"2": {"outbox": "../elsewhere"}}, "line 19: stores.2.outbox ('../elsewhere' is not a subfolder",
                 id="outbox-outside"),
    pytest.param({"2": {"customer_numbers": {"prefix": "K"}}}, "stores.2.customer_numbers: the same range",
                 id="same-range"),
    pytest.param({"2": {"layouts": {"orders": "sage/orders_b2b.yaml"}}},
                 "stores.2.layouts.orders: no layout file 'sage/orders_b2b.yaml'", id="missing-variant"),
    pytest.param({"2": {"customer_numbers": {"begin": 5}}},
                 "line 20: unknown key 'stores.2.customer_numbers.begin' (allowed: prefix, start,", id="unknown-key"),
    pytest.param({"2": {"fields": ["Belegart"]}}, "line 19: stores.2.fields must be a section of keys (key: value)",
                 id="fields-not-a-map"),
])
def test_store_settings_are_checked_at_load(workspace: Config, stores: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _configure(workspace, {"customer_numbers": {"prefix": "K"}, "stores": stores})
    assert any(problem in line for line in caught.value.problems), caught.value.problems


def test_every_problem_is_reported_at_once(workspace: Config) -> None:
    with pytest.raises(ConfigError) as caught:
        _configure(workspace, {"stores": {"2": {"outbox": "/abs", "name": 3}, "3": {"colour": "red"}}})
    found = [re.search(r", line \d+: (?:unknown key ')?([\w.]+)", line) for line in caught.value.problems]
    keys = {match[1] for match in found if match}
    assert keys == {"stores.2.outbox", "stores.2.name", "stores.3.colour"}


def test_a_new_number_never_repeats_one_given_in_the_input_in_this_or_an_earlier_chunk(tmp_path: Path) -> None:
    """Free numbers are checked in blocks: a number an input gave since must still be skipped."""
    main = NumberRange(start=10000, use_shop_numbers=False)

    def orders(*rows: tuple[str, str | None]) -> pa.Table:
        return pa.table({"customer_id": [c for c, _ in rows], "email": [f"{c}@example.de" for c, _ in rows],
                         "is_guest": [False] * len(rows),
                         "erp_customer_number": pa.array([g for _, g in rows], pa.string())})

    links = CustomerLinks(tmp_path, main)
    numbers = [links.assign(orders(("1", None))),  # 10000
               links.assign(orders(("2", "10001"), ("3", None), ("4", "10003"))),  # given in the same chunk
               links.assign(orders(("5", None), ("6", None)))]  # 10001 and 10003 were given a chunk before
    assert [t.column("erp_customer_number").to_pylist() for t in numbers] == [
        ["10000"], ["10001", "10002", "10003"], ["10004", "10005"]]
    links.commit()
    again = CustomerLinks(tmp_path, main)
    assert again.assign(orders(("7", None))).column("erp_customer_number").to_pylist() == ["10006"]
    again.rollback()


def test_a_first_runs_links_are_found_again_in_its_later_chunks(tmp_path: Path) -> None:
    """An empty table is not asked (a first run); once a chunk's links went in, it is asked again."""
    main = NumberRange(start=10000, use_shop_numbers=False)

    def orders(*ids: str) -> pa.Table:
        return pa.table({"customer_id": list(ids), "email": [f"{c}@example.de" for c in ids],
                         "is_guest": [False] * len(ids), "erp_customer_number": pa.nulls(len(ids), pa.string())})

    links = CustomerLinks(tmp_path, main)
    first = links.assign(orders("1", "2", "3")).column("erp_customer_number").to_pylist()
    later = links.assign(orders("3", "4", "1")).column("erp_customer_number").to_pylist()
    assert first == ["10000", "10001", "10002"] and later == ["10002", "10003", "10000"]
    links.commit()
