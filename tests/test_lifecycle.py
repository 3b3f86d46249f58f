"""Files move through inbox -> archive | error; outputs are published whole; nothing is lost or doubled."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.config import Config
from etl.pipeline import RunOptions, run_flow
from etl.state.ledger import Ledger
from tests.conftest import ORDERS, drop, run_orders


def test_inputs_are_archived_and_outputs_have_unique_names(workspace: Config) -> None:
    first = run_orders(workspace, ORDERS / "flat_cp1252.csv")
    second = run_orders(workspace, ORDERS / "cases/flat_not_numeric.csv")
    assert not list(workspace.folder("inbox").iterdir())
    assert len(list(workspace.folder("archive").rglob("*.csv"))) == 2
    names = [Path(p).name for p in first.outputs + second.outputs]
    assert len(set(names)) == 4
    assert not list(workspace.folder("outbox").rglob("*.part"))


def test_same_content_is_never_imported_twice_unless_forced(workspace: Config) -> None:
    good = (ORDERS / "cases/flat_not_numeric.csv").read_bytes().replace(b"12,9x", b"12,95")  # no rejects
    (workspace.folder("inbox") / "export.csv").write_bytes(good)
    assert run_flow(workspace, "orders", "csv").written == 2
    copy = workspace.folder("inbox") / "renamed_export.csv"
    copy.write_bytes(good)
    skipped = run_flow(workspace, "orders", "csv")
    assert skipped.outputs == [] and skipped.files[0].status == "skipped"
    assert "already imported" in (skipped.files[0].reason or "")
    (workspace.folder("inbox") / "export.csv").write_bytes(good)
    forced = run_flow(workspace, "orders", "csv", RunOptions(force=True))
    assert forced.written == 2


def test_a_file_with_rejects_is_taken_again_its_written_records_skipped(workspace: Config) -> None:
    run_orders(workspace, ORDERS / "flat_cp1252.csv")
    again = run_orders(workspace, ORDERS / "flat_cp1252.csv")
    assert again.files[0].status == "archived"
    assert (again.written, again.rejected, again.skipped) == (0, 1, 7)


def test_dry_run_writes_and_moves_nothing(workspace: Config) -> None:
    report = run_orders(workspace, ORDERS / "xtc_csv_cp1252", dry_run=True)
    assert report.written == 7 and report.outputs == []
    assert len(list(workspace.folder("inbox").iterdir())) == 5
    assert not list(workspace.folder("outbox").rglob("*.*"))
    assert Ledger(workspace.folder("state")).last_runs() == []


def test_staging_keeps_the_neutral_tables_as_parquet(workspace: Config) -> None:
    import pyarrow.parquet as pq

    report = run_orders(workspace, ORDERS / "xtc_csv_cp1252")
    staged = workspace.folder("staging") / report.run_id / "tables"
    orders = pq.read_table(staged / "orders.parquet")
    assert orders.num_rows == 7
    assert str(orders.schema.field("total").type) == "decimal128(18, 4)"
    assert set(orders.column("_file").to_pylist()) == {"orders.csv"}
    items = pq.read_table(staged / "order_items.parquet")
    assert set(items.column("kind").to_pylist()) >= {"product", "shipping", "fee", "discount", "coupon"}


def test_fixed_width_txt_refuses_values_that_do_not_fit(workspace: Config) -> None:
    layout = workspace.base / "mappings/sage/orders.yaml"
    text = layout.read_text(encoding="utf-8").replace("fixed_width: false", "fixed_width: true")
    text = text.replace("{name: Belegart, value: AB,", "{name: Belegart, value: AB, width: 2,")
    header = text.index("  positions:")
    head = text[:header].replace("- {name: Shopbestellnummer, from: order_id, required: true}",
                                 "- {name: Shopbestellnummer, from: order_id, required: true, width: 8}")
    fields = [line for line in head.splitlines() if line.strip().startswith("- {name:")]
    for line in fields:
        if "width:" not in line:
            head = head.replace(line, line.replace("{name:", "{width: 30, name:", 1))
    layout.write_text(head + text[header:].replace("{name:", "{width: 30, name:"), encoding="utf-8")
    report = run_orders(workspace, ORDERS / "flat_cp1252.csv", fmt="txt")
    header_file = Path(next(o for o in report.outputs if o.endswith("_header.txt")))
    lines = header_file.read_bytes().decode("cp1252").split("\r\n")
    assert lines[1].startswith("AB10002   Hauptshop")
    assert {len(line) for line in lines[1:-1]} == {len(lines[1])}
    (comment,) = [r for r in report.rejects if r.record == "10001" and r.field == "Bemerkung"]
    assert comment.field == "Bemerkung" and "fixed width of 30" in comment.reason
    positions = Path(next(o for o in report.outputs if o.endswith("_positions.txt"))).read_bytes()
    assert b"10001" not in positions  # a refused order loses its positions too


def test_an_order_is_imported_once_whatever_file_it_comes_in(workspace: Config) -> None:
    first = run_orders(workspace, ORDERS / "xtc_csv_cp1252")
    assert first.written == 7
    overlap = run_orders(workspace, ORDERS / "flat_cp1252.csv")  # the same orders, another export form
    assert (overlap.records_in, overlap.written, overlap.rejected, overlap.skipped) == (8, 0, 1, 7)
    assert all("10001" not in Path(p).read_bytes().decode("cp1252") for p in overlap.outputs)
    assert "already imported" in overlap.notes[0]
    drop(workspace, ORDERS / "flat_cp1252.csv")
    assert run_flow(workspace, "orders", "csv", RunOptions(force=True)).written == 7


def test_an_overlapping_export_in_many_chunks_is_told_once(workspace: Config, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """One note for the run, with the count and the first keys: not one per chunk."""
    from etl.extract import csv_source

    assert run_orders(workspace, ORDERS / "flat_cp1252.csv").written == 7
    monkeypatch.setattr(csv_source, "READ_BLOCK", 2048)  # a chunk per 2 KB: the orders in several chunks
    monkeypatch.setattr(csv_source, "FIRST_BATCH", 1)
    monkeypatch.setattr(csv_source, "BLOCK_SIZE", 1)
    overlap = tmp_path / "export_again.csv"  # another file (another hash) with the same orders
    overlap.write_bytes((ORDERS / "flat_cp1252.csv").read_bytes() + b"\r\n")
    report = run_orders(workspace, overlap)
    assert report.skipped == 7
    told = [note for note in report.notes if "already imported" in note]
    assert told == ["orders skipped as already imported: 7 (10001, 10002, 10003, 10004, 10005, …)"]


def test_two_files_with_the_same_order_in_one_run_write_it_once(workspace: Config) -> None:
    report = run_orders(workspace, ORDERS / "flat_cp1252.csv", ORDERS / "mysqldump_xml")
    assert report.written == 7 and report.skipped == 7
    assert report.records_in == report.written + report.rejected + report.skipped


def test_old_runs_keep_only_a_pseudonymised_order_history(workspace: Config) -> None:
    import pyarrow.parquet as pq

    from etl.state.staging import prune

    run_orders(workspace, ORDERS / "xtc_csv_cp1252")
    staging = workspace.folder("staging")
    prune(staging, keep=0)
    (run,) = [p for p in staging.iterdir() if p.is_dir()]
    kept = sorted(p.name for p in run.rglob("*.parquet"))
    assert kept == ["order_items.parquet", "orders.parquet"]
    orders = pq.read_table(next(run.rglob("orders.parquet")))
    assert orders.column_names == ["order_id", "customer_id", "email"]
    assert "katrin.schulze@example.com" not in orders.column("email").to_pylist()
    assert len(set(orders.column("email").to_pylist())) == orders.num_rows  # still one value per person
    prune(staging, keep=0)  # a second prune leaves the history alone
    assert sorted(p.name for p in run.rglob("*.parquet")) == kept


def test_an_order_in_two_files_of_one_run_is_written_once(workspace: Config) -> None:
    good = (ORDERS / "cases/flat_not_numeric.csv").read_bytes().replace(b"12,9x", b"12,95")
    (workspace.folder("inbox") / "a.csv").write_bytes(good)
    (workspace.folder("inbox") / "b.csv").write_bytes(good + b"\r\n")  # other content, the same orders
    report = run_flow(workspace, "orders", "csv")
    assert (report.written, report.skipped) == (2, 2)
    ledger = Ledger(workspace.folder("state"))
    try:
        assert ledger.db.execute("SELECT count(*) FROM records WHERE flow='orders'").fetchone()[0] == 2
    finally:
        ledger.close()


def test_staged_tables_get_their_names_only_when_complete(workspace: Config) -> None:
    import pyarrow as pa

    from etl.shared.model import schema
    from etl.state.staging import StagingWriter

    folder = workspace.folder("staging") / "20260101-000000-aaaaaa" / "flat-0"
    writer = StagingWriter(folder)
    writer.append({"orders": pa.Table.from_pylist([{"order_id": "1", "_file": "o.csv", "_line": 1}],
                                                  schema("orders"))})
    assert list(folder.glob("*.parquet")) == []  # a kill now leaves no truncated Parquet under its name
    writer.close()
    assert [p.name for p in folder.iterdir()] == ["orders.parquet"]


def test_a_long_input_is_staged_in_parts_named_when_complete(workspace: Config,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer keeps every row group's metadata until it closes: a long input's entity goes on in parts."""
    import pyarrow as pa

    from etl.shared.model import schema
    from etl.state.staging import StagingWriter, prune, staged

    monkeypatch.setattr("etl.state.staging.ROW_GROUP_BYTES", 1)  # a row group per chunk
    monkeypatch.setattr("etl.state.staging.PART_ROW_GROUPS", 2)
    folder = workspace.folder("staging") / "20260101-000000-aaaaaa" / "flat-0"
    writer = StagingWriter(folder)
    for n in range(1, 6):
        writer.append({"orders": pa.Table.from_pylist([{"order_id": str(n), "_file": "o.csv", "_line": n}],
                                                      schema("orders")),
                       "order_taxes": pa.Table.from_pylist([], schema("order_taxes"))})
    writer.behind.wait()
    assert list(folder.glob("*.parquet")) == []  # a kill now leaves no part under its name
    writer.close()
    assert sorted(p.name for p in folder.iterdir()) == [
        "order_taxes.parquet", "orders.2.parquet", "orders.3.parquet", "orders.parquet"]
    assert [r["order_id"] for part in staged(folder, "orders") for r in part.to_pylist()] == ["1", "2", "3", "4", "5"]
    assert [part.num_rows for part in staged(folder, "order_taxes")] == [0]  # staged without rows: its schema
    prune(workspace.folder("staging"), keep=0)  # old runs keep each part's order history
    assert [r["order_id"] for part in staged(folder, "orders") for r in part.to_pylist()] == ["1", "2", "3", "4", "5"]
    assert [part.column_names for part in staged(folder, "orders")][-1] == ["order_id", "customer_id", "email"]


def test_a_run_killed_while_staging_does_not_break_later_runs(workspace: Config) -> None:
    """A crashed run's truncated staging file must not fail every later run once it is pruned."""
    run_orders(workspace, ORDERS / "flat_cp1252.csv")
    (old,) = [p for p in workspace.folder("staging").iterdir() if p.is_dir()]
    staged = next(old.rglob("orders.parquet"))
    staged.write_bytes(staged.read_bytes()[:200])  # cut short by kill -9 (as older versions left it)
    (staged.parent / ".order_items.parquet.part").write_bytes(b"PAR1")  # cut short by kill -9 (now)
    config = workspace.model_copy(update={"keep_staging_runs": 0})
    report = run_orders(config, ORDERS / "cases/flat_not_numeric.csv")
    assert report.written == 1 and report.files[0].status == "archived"
    assert sorted(p.name for p in old.rglob("*") if p.is_file()) == [".history", "order_items.parquet"]
