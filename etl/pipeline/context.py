"""What every stage and step of one run shares: settings, flow, layouts, report, ledger and options."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from etl.config import Config
from etl.flows import Flow
from etl.load.base import Resources
from etl.pipeline.layouts import Layouts
from etl.report.run_report import RunReport
from etl.state.ledger import Ledger
from etl.state.written import WrittenKeys


@dataclass(frozen=True)
class RunOptions:
    """What the merchant asked of one run (`etl run --dry-run --force --full`)."""

    dry_run: bool = False  # nothing written anywhere: outputs and staging go to a scratch folder
    force: bool = False  # files imported before are imported again
    full: bool = False  # a flow that sends deltas sends every record


@dataclass
class RunContext:
    """One run of one flow."""

    config: Config
    flow: Flow
    layouts: Layouts
    report: RunReport
    ledger: Ledger
    dry_run: bool = False
    force: bool = False
    full: bool = False
    written: WrittenKeys = field(default_factory=WrittenKeys)  # keys of the records written so far
    files: list[Path] | None = None  # the inputs named by the caller (a watcher's claimed set), else the inbox
    history: Path | None = None  # earlier runs' staging (the cross-selling flow reads it)
    # Inputs taken again (name -> content hash): an earlier run imported them with records rejected.
    again: dict[str, str] = field(default_factory=dict)
    committed: bool = False  # the ledger has the run: a later failure leaves the next run to complete it

    @property
    def stem(self) -> str:
        """The start of every output name of this run."""
        return f"{self.flow.name}_{self.report.run_id}"

    @property
    def outbox(self) -> Path:
        """The outbox folder of the flow's main target."""
        return self.config.folder("outbox") / self.flow.outbox

    @property
    def resources(self) -> Resources:
        """Where templates and schemas are looked up."""
        return Resources(self.config.search("templates"), self.config.search("schemas"))
