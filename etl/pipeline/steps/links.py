"""ERP customer numbers for the customers of an entity (`Flow.links`), kept in `state/links.sqlite`."""

from __future__ import annotations

from pathlib import Path

from etl.config.customer_numbers import NumberRange
from etl.config.storefronts import store_numbers
from etl.pipeline.context import RunContext
from etl.pipeline.steps.base import Step
from etl.shared.records import Neutral
from etl.state.links import CustomerLinks
from etl.transform.storefront_layouts import effective_stores


class LinksStep(Step):
    """Fills `erp_customer_number` per record: the existing link, the shop's number or the next of the range."""

    def __init__(self, ctx: RunContext, entity: str) -> None:
        super().__init__(ctx)
        self.entity = entity
        self.links: CustomerLinks | None = None

    def start(self) -> None:
        """Open the links, with the number range of every store that has its own."""
        config = self.ctx.config
        self.links = CustomerLinks(config.folder("state"), config.customer_numbers, self.store_ranges())

    def store_ranges(self) -> dict[str, NumberRange]:
        """Store id -> its customer number range (etl.yaml's or the target layout's `stores:`)."""
        config = self.ctx.config
        stores = effective_stores(self.ctx.layouts.target, config.stores)
        return {store: store_numbers(config.customer_numbers, override.customer_numbers)
                for store, override in stores.items() if override.customer_numbers is not None}

    def before_map(self, chunk: Neutral) -> Neutral:
        """Every record of the entity gets its customer number."""
        assert self.links is not None
        if self.entity in chunk:
            chunk[self.entity] = self.links.assign(chunk[self.entity])
        return chunk

    def before_commit(self) -> list[Path]:
        """Commit the new links before publishing: a crash may waste a number, never give a customer two."""
        assert self.links is not None
        new = self.links.new_customers
        if self.ctx.dry_run:
            self.links.rollback()
        else:
            self.links.commit()
        exported = any(extra.flow == "customers" for extra in self.ctx.layouts.extra)
        note = self.ctx.flow.new_customers_note
        if new and note and not exported:
            self.ctx.report.notes.append(note.format(count=new))
        return []

    def rollback(self) -> None:
        """Forget the numbers given in this run."""
        if self.links is not None:
            self.links.rollback()


def build(ctx: RunContext) -> Step | None:
    """The step, when the flow links customers."""
    return LinksStep(ctx, ctx.flow.links) if ctx.flow.links else None
