"""Computed source fields: a neutral field joined from other fields of its table, in the layout."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from etl.shared.errors import ConfigError
from etl.transform.layout import SourceLayout, load_layout
from etl.transform.source import read_fields

_LAYOUT = """
system: erp
flow: documents
tables:
  documents:
    recognize: [Belegart, Belegnummer]
    entity: documents
    fields:
      document_type: {column: Belegart, map: types}
      document_number: Belegnummer
    computed:
      document_id: {join: [document_type, document_number], separator: ":"}
      copy: {join: [document_number]}
value_maps:
  types: {RE: invoice, LS: delivery_note}
"""


@pytest.mark.parametrize(("kind", "number", "document_id", "copy"), [
    pytest.param("RE", "1001", "invoice:1001", "1001", id="joined-from-read-values"),
    pytest.param("LS", " 7 ", "delivery_note:7", "7", id="values-trimmed-first"),
    pytest.param("RE", "", None, None, id="empty-part-gives-null"),
])
def test_computed_fields_join_the_read_values(tmp_path: Path, kind: str, number: str, document_id: str | None,
                                              copy: str | None) -> None:
    path = tmp_path / "documents.yaml"
    path.write_text(_LAYOUT, encoding="utf-8")
    layout = load_layout(path, SourceLayout)
    batch = pa.record_batch({"Belegart": [kind], "Belegnummer": [number], "_line": pa.array([2], pa.int64())})
    table, _ = read_fields(layout, layout.tables["documents"], batch, "belege.csv", "run", "document_number")
    assert table.select(["document_id", "copy"]).to_pylist() == [{"document_id": document_id, "copy": copy}]


def test_a_computed_field_must_join_fields_of_its_table(tmp_path: Path) -> None:
    path = tmp_path / "documents.yaml"
    path.write_text(_LAYOUT.replace("join: [document_number]", "join: [Belegnummer]"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"tables\.documents\.computed\.copy\.join: no field 'Belegnummer'"):
        load_layout(path, SourceLayout)


def test_net_and_gross_convert_only_the_rows_of_the_other_kind_in_a_mixed_chunked_column() -> None:
    from decimal import Decimal

    from etl.transform.compute import COMPUTED

    table = pa.table({
        "p": pa.chunked_array([pa.array([Decimal("119.00"), Decimal("10.00"), None], pa.decimal128(18, 4)),
                               pa.array([Decimal("1.07"), Decimal("0.01")], pa.decimal128(18, 4))]),
        "tax_rate": pa.array([Decimal(19), Decimal(19), Decimal(7), Decimal(7), Decimal(19)], pa.decimal128(18, 4)),
        "prices_gross": pa.array([True, False, True, None, False]),  # no flag: gross, as the shop's default
    })
    assert COMPUTED["net"](table, {"from": "p"}, {}).to_pylist() == [
        Decimal("100"), Decimal("10"), None, Decimal("1"), Decimal("0.01")]
    assert COMPUTED["gross"](table, {"from": "p"}, {}).to_pylist() == [
        Decimal("119"), Decimal("11.9"), None, Decimal("1.07"), Decimal("0.0119")]


def test_nth_related_ranks_each_key_and_each_ranking_of_its_own() -> None:
    from decimal import Decimal

    from etl.shared.model import DECIMAL
    from etl.transform.compute import COMPUTED

    orders = pa.table({"order_id": ["A", "B", "C"]})
    taxes = pa.table({"order_id": ["B", "A", "A", "B", "A"],
                      "tax_rate": pa.array([Decimal("7"), Decimal("19"), Decimal("7"), Decimal("19"), Decimal("0")],
                                           DECIMAL),
                      "tax_amount": pa.array([Decimal("0.70"), Decimal("3.80"), Decimal("1.40"), Decimal("1.90"),
                                              Decimal("0")], DECIMAL),
                      "kind": ["x", "x", "y", "x", "x"]})
    related = {"order_taxes": taxes}

    def nth(field: str, n: int, **more: object) -> list[object]:
        args = {"entity": "order_taxes", "field": field, "n": n, "order_by": "tax_rate", **more}
        return COMPUTED["nth_related"](orders, args, related).to_pylist()

    # the fields of one ranking, one after the other (as a mapping asks for them): highest rate first
    assert nth("tax_rate", 1) == [Decimal("19"), Decimal("19"), None]
    assert nth("tax_amount", 1) == [Decimal("3.80"), Decimal("1.90"), None]
    assert nth("tax_rate", 2) == [Decimal("7"), Decimal("7"), None]
    assert nth("tax_amount", 3) == [Decimal("0"), None, None]
    # another ranking of the same records is ranked anew, not taken from the one before
    assert nth("tax_rate", 1, descending=False) == [Decimal("0"), Decimal("7"), None]
    assert nth("tax_amount", 1, where={"kind": "y"}) == [Decimal("1.40"), None, None]
    assert nth("tax_amount", 2, where={"kind": ["x"]}) == [Decimal("0"), Decimal("0.70"), None]
    assert nth("tax_amount", 1, where={"kind": "z"}) == [None, None, None]
    # and other records with the same columns are other records
    related["order_taxes"] = taxes.slice(0, 1)
    assert nth("tax_rate", 1) == [None, Decimal("7"), None]
