"""Files the records name (images, PDFs), copied from `media/` into the outbox (`Flow.media`)."""

from __future__ import annotations

from etl.flows import Media
from etl.load.media import copy_media, private_namer, safe_name
from etl.pipeline.context import RunContext
from etl.pipeline.steps.base import Step
from etl.shared.records import Neutral


class MediaStep(Step):
    """Copies every entity's files; a refused file refuses its record or only drops the file (`Media.drop`)."""

    def before_map(self, chunk: Neutral) -> Neutral:
        """The chunk with the copied files' outbox names."""
        ctx = self.ctx
        for entity, given in ctx.flow.media.items():
            if entity not in chunk:
                continue
            media = given if isinstance(given, Media) else Media(*given)
            namer = private_namer(ctx.config.folder("state")) if media.private else safe_name
            chunk[entity], refusals = copy_media(chunk[entity], media.column, ctx.config.folder("media"),
                                                 ctx.outbox / media.folder, ctx.dry_run, media.drop, namer)
            ctx.report.rejects += refusals
        return chunk


def build(ctx: RunContext) -> Step | None:
    """The step, when the flow's records name files."""
    return MediaStep(ctx) if ctx.flow.media else None
