"""Held tracking mails made in Arrow (etl/mail/held.py) queue exactly what the mail-by-mail path queues.

The delivery notes come from the shipments sample through the flow's extractor and checks; their texts
are then varied with what JSON escapes or Python strips differently: quotes, backslashes, umlauts,
Unicode spaces around the city, empty and missing names.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

import etl.mail.tracking as tracking
from etl.config import Config
from etl.flows import FLOWS
from etl.mail.batch import MailBatch
from etl.mail.kinds import mailer_for
from etl.pipeline.recognize import recognize_file
from etl.state.mail_queue import MailQueue
from etl.transform.layout import SourceLayout, load_layout
from tests.flows.test_shipments import SHIPMENTS

ODD = ['Anna "Nanni"', "Back\\slash", "Jürgen Öztürk", "", None, "\u00a0Köln\u2003", "  ", "Zoë\u202f", "a\x7fb"]


def _chunk(config: Config) -> dict[str, pa.Table]:
    """The sample's shipments and parcels as the run hands them to the mails (extracted and checked)."""
    flow = FLOWS["shipments"]
    layout = load_layout(config.base / "mappings" / flow.source, SourceLayout)
    layout.options["known_orders_only"] = False
    tables: dict[str, list] = {}
    for path in sorted(SHIPMENTS.glob("*.csv")):
        for recognized in recognize_file(path, {"shipments": layout})[0]:
            for name, raw in recognized.tables:
                tables.setdefault(name, []).append(raw)
    chunk = next(iter(flow.extract_tables(layout, tables, "run")))
    assert flow.prepare is not None
    return dict(flow.prepare(config, layout, None, chunk.neutral).neutral)  # type: ignore[arg-type]


def _varied(notes: pa.Table, turn: int) -> pa.Table:
    columns = {}
    for i, name in enumerate(("delivery_firstname", "delivery_lastname", "delivery_company", "delivery_city",
                              "delivery_postcode", "delivery_street", "carrier_name", "order_id")):
        columns[name] = pa.array([ODD[(row + i + turn) % len(ODD)] for row in range(notes.num_rows)], pa.string())
    for name, column in columns.items():
        notes = notes.set_column(notes.schema.get_field_index(name), name, column)
    return notes


@pytest.mark.parametrize("turn", range(len(ODD)))
def test_held_mails_in_arrow_are_the_mails_made_one_by_one(workspace: Config, monkeypatch: pytest.MonkeyPatch,
                                                             turn: int) -> None:
    neutral = _chunk(workspace)
    neutral["shipments"] = _varied(neutral["shipments"], turn)
    if turn % 2:  # the parcels of the notes interleaved: each note's still in their order
        parcels = neutral["parcels"]
        neutral["parcels"] = parcels.take(sorted(range(parcels.num_rows), key=lambda row: (row % 2, row)))
    written = set(neutral["shipments"].column("delivery_note").to_pylist())
    made = []
    held_rows = tracking.held_rows
    monkeypatch.setattr(tracking, "held_rows", lambda *args: made.append(held_rows(*args)) or made[-1])
    fast = mailer_for("tracking")(workspace, "run")
    fast.take(neutral, written)
    assert made and all(rows is not None for rows in made), "the mails were made in Arrow"
    fast.take(neutral, written)  # the same notes again (another file of the run): nothing new
    fast_rows = _spooled(fast)
    fast.discard()
    monkeypatch.setattr(tracking, "held_rows", lambda *args: None)
    slow = mailer_for("tracking")(workspace, "run")
    slow.take(neutral, written)
    assert slow.pending, "the sample has tracked notes with an e-mail address"
    slow.flush()
    slow_rows = _spooled(slow)
    assert fast_rows == slow_rows
    assert fast.count == slow.count == len(slow_rows)
    slow.discard()
    assert MailQueue(workspace.folder("state")).db.execute("SELECT count(*) FROM mails").fetchone() == (0,)


def _taken(config: Config, run_id: str) -> MailBatch:
    """A tracking batch of run `run_id` that took the sample's mails, every delivery note written."""
    neutral = _chunk(config)
    batch = mailer_for("tracking")(config, run_id)
    batch.take(neutral, set(neutral["shipments"].column("delivery_note").to_pylist()))
    return batch


def _spooled(batch: MailBatch) -> list[tuple[object, ...]]:
    """The mails `batch` spooled, as the queue keeps them (but the time)."""
    return batch.queue.db.execute("SELECT key, kind, recipient, run_id, message, eml, status, attempts, language, "
                                  "context, rendered_with FROM mails WHERE run_id=? ORDER BY key",
                                  (batch.stem,)).fetchall()


def test_held_mails_queued_before_are_not_queued_again(workspace: Config) -> None:
    first = _taken(workspace, "run-1")
    first.flush()
    assert first.count
    first.commit()
    again = _taken(workspace, "run-2")
    again.commit()
    assert again.count == 0
    queue = MailQueue(workspace.folder("state"))
    assert {run for (run,) in queue.db.execute("SELECT run_id FROM mails")} == {"run-1"}
    assert queue.counts()["queued"] == first.count
    assert queue.db.execute("SELECT count(*) FROM spooling").fetchone() == (0,), "no run's mark is left"
    queue.close()
