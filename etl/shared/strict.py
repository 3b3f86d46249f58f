"""`Strict`: the one pydantic base of every settings and layout model (etl.yaml's sections, carriers, layouts)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A settings or layout model: a key it does not know is refused (a typo is never silently ignored);
    fields with an alias (`from`, `in`, `schema`) are set by either name."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
