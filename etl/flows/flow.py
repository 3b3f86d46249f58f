"""What a flow is: the layouts it reads and writes, its extractors and the run's extra steps.

Each flow module declares its own `FLOW = Flow(name=..., ...)` next to its code; `etl/flows/__init__.py`
collects them. The pipeline (etl/pipeline/) reads these attributes by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol

from etl.config import Config
from etl.extract import RawTable
from etl.load.registry import formats_for
from etl.shared.errors import InputFileError
from etl.shared.records import Chunk, Neutral, Prepared
from etl.state.ledger import Ledger
from etl.transform.layout import SourceLayout

Extractor = Callable[[SourceLayout, dict[str, list[RawTable]], str], Iterator[Chunk]]
FlatExtractor = Callable[[SourceLayout, RawTable, str], Iterator[Chunk]]
# Reads what other flows staged (the staging folder), not the inbox: staging, layout, run id.
StagedExtractor = Callable[[Path, SourceLayout, str], Iterator[Chunk]]
# Reads what a flow driven by state remembers (the state folder) when no new export came in.
RecallExtractor = Callable[[Path, SourceLayout, str], Iterator[Chunk]]
# Per chunk, before mapping: checks and additions that need the working folder (settings, ledger).
# Returns the chunk as `Prepared` (records.py): its refusals and the records skipped on purpose.
Prepare = Callable[[Config, SourceLayout, Ledger, Neutral], Prepared]


class Memory(Protocol):
    """What a flow driven by state keeps between runs (etl/pipeline/steps/remember.py)."""

    def observe(self, neutral: Neutral) -> None:
        """The records of one chunk as read, before the flow's `prepare`."""

    def written(self, neutral: Neutral, keys: set[str]) -> None:
        """The root records (by key) written from one chunk."""

    def commit(self) -> list[str]:
        """Save what the run learnt (before the run commits; never in a dry run); notes for the report."""
        return []


class Media(NamedTuple):
    """Files an entity's records name, copied into the outbox (etl/load/media.py)."""

    column: str
    drop: bool  # drop the record when its file is refused, else keep it without the file
    folder: str = "media"  # subfolder of the flow's outbox
    private: bool = False  # unguessable names (HMAC with the working folder's secret), e.g. invoices


def no_tables(layout: SourceLayout, tables: dict[str, list[RawTable]], run_id: str) -> Iterator[Chunk]:
    """The extractor of a flow that reads no table sets: the recognised files are refused."""
    names = ", ".join(sorted(tables))
    raise InputFileError(names, f"the {layout.flow} flow reads no export tables from the inbox; remove "
                                f"'tables:' from its source layout ({layout.system}) or drop the file in another flow")
    yield from ()  # a generator: the error comes while chunks are read, where a file is refused


def no_flat(layout: SourceLayout, raw: RawTable, run_id: str) -> Iterator[Chunk]:
    """The flat extractor of a flow that reads no flat exports: the file is refused, with what to do."""
    raise InputFileError(raw.path.name, f"the {layout.flow} flow reads no flat exports (one row per line); "
                                        f"remove 'flat:' from its source layout ({layout.system}) and export "
                                        "the tables instead")
    yield from ()  # a generator: the error comes while chunks are read, where a file is refused


@dataclass(frozen=True, kw_only=True)
class Flow:
    """One data flow between the systems."""

    name: str
    module: str  # the module name of the seed (German), for the merchant
    direction: str
    source: str  # default source layout, under mappings/
    target: str  # default target layout, under mappings/
    outbox: str  # subfolder of the outbox the import files go to
    unit: str  # what one record is, for the report
    # Never None, so a caller cannot call None: a flow without one refuses what it cannot read.
    extract_tables: Extractor = no_tables
    extract_flat: FlatExtractor = no_flat
    links: str | None = None  # neutral entity whose customers get ERP customer numbers (etl/state/links.py)
    once_per_record: bool = False  # a record (by its key) is imported once, whatever file it comes in
    # The field of the flat export's first table that holds a record's lines together (an order id):
    # small flat files are extracted together while no value of it is in two of them (pipeline/pool.py).
    flat_key: str | None = None
    prepare: Prepare | None = None
    extra_targets: tuple[str, ...] = ()  # more target layouts the same run writes (etl/pipeline/steps/extras.py)
    mails: str | None = None  # notification mails sent for the written records (etl/mail/)
    extract_staged: StagedExtractor | None = None
    # Driven by state, not only by new files: the remembered records when no export came in, and the
    # memory a run updates (state folder, source layout -> Memory). Such a flow runs without inputs.
    recall: RecallExtractor | None = None
    memory: Callable[[Path, SourceLayout], Memory] | None = None
    # Send only changed records (etl/state/delta.py); unchanged records of this entity count as skipped.
    delta: str | None = None
    # With the delta: entity -> quantity field; a record (a warehouse's stock) that the last run sent and
    # this export lacks, while its article is still in it, is sent once more with that field 0.
    delta_vanished: dict[str, str] = field(default_factory=dict)
    # Files the records name, copied into the outbox: entity -> Media (or its leading fields as a tuple).
    media: dict[str, Media | tuple[str, bool]] = field(default_factory=dict)
    # Printed when a run gave customers a new ERP customer number and did not write them along; {count}.
    new_customers_note: str | None = None

    @property
    def built(self) -> bool:
        """Whether the flow can run yet: it reads the inbox's tables or what other flows staged."""
        return self.extract_tables is not no_tables or self.extract_staged is not None

    @property
    def system(self) -> str:
        """The system the flow writes for: the folder of its target layout under mappings/ (`shop`)."""
        return self.target.replace("\\", "/").split("/", 1)[0]

    @property
    def formats(self) -> list[str]:
        """The output formats that serve this flow (etl/load/registry.py), in registry order."""
        return formats_for(self.name, self.system)
