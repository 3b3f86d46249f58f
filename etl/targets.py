"""Extra targets: further files one run writes from the same neutral records (e.g. carrier labels).

A flow has its main target layout (the other system's import) and may name extra target layouts
(`Flow.extra_targets`, or `flows.<name>.extra_targets` in etl.yaml). Each goes to
`outbox/<layout.system>/` in the run's format, or in the one format its layout allows
(`options.formats`, e.g. the DHL portal reads CSV only). A record an extra target refuses is listed
as a reject of that file; it does not undo what the main target wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from etl.config import Config
from etl.load.base import Resources, Writer, writer_for
from etl.records import KEY, Mapped
from etl.rejects import Reject, rejects_where
from etl.transform.apply import map_chunk
from etl.transform.compute import split_street
from etl.transform.layout import TargetLayout

Neutral = dict[str, pa.Table]
Derive = Callable[[Config, Neutral], pa.Table]


@dataclass
class ExtraTarget:
    """One extra target of a run: its layout, its open writer and what it wrote."""

    layout: TargetLayout
    writer: Writer
    written: int = 0
    refused: int = 0

    @property
    def title(self) -> str:
        """How the merchant calls this file (`options.title`, else the layout's flow name)."""
        return str(self.layout.options.get("title", self.layout.flow))


def derived_entities() -> dict[str, Derive]:
    """Entities an extra target may read although the flow does not extract them (derived instead)."""
    from etl.flows import customers, shipments

    return {"shipments": shipments.from_orders, "customers": customers.from_orders}


def open_extras(config: Config, layouts: list[TargetLayout], fmt: str, stem: str,
                resources: Resources) -> list[ExtraTarget]:
    """A writer for every extra target layout, in its outbox folder."""
    extras = []
    for layout in layouts:
        formats = layout.options.get("formats") or [fmt]
        folder = config.folder("outbox") / layout.system
        folder.mkdir(parents=True, exist_ok=True)
        layout.value_maps["_settings"] = settings(config)
        writer = writer_for(fmt if fmt in formats else formats[0])(layout, folder, stem, resources)
        extras.append(ExtraTarget(layout, writer))
    return extras


def settings(config: Config) -> dict[str, Any]:
    """The etl.yaml values a layout may name with `compute: setting` (dotted keys)."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        else:
            flat[prefix] = value

    walk("", config.model_dump(include={"sender", "carriers"}, mode="json"))
    return flat


def write_extras(config: Config, extras: list[ExtraTarget], neutral: Neutral) -> list[Reject]:
    """Map one chunk onto every extra target and write it; return what they refused."""
    rejects: list[Reject] = []
    for extra in extras:
        source = dict(neutral)
        for spec in extra.layout.records.values():
            derive = derived_entities().get(spec.entity)
            if spec.entity not in source and derive is not None:
                source[spec.entity] = derive(config, source)
        mapped = map_chunk(extra.layout, source)
        problems = mapped.rejects + check_addresses(extra.layout, mapped)
        mapped.drop({r.record for r in problems if r.record})
        problems += extra.writer.write(mapped)
        refused = {r.record for r in problems if r.record}
        root = mapped.records[extra.layout.root]
        extra.written += len(set(root.column(KEY).to_pylist()) - refused)
        extra.refused += len(refused)
        rejects += [replace(r, reason=f"{extra.title}: {r.reason}") for r in problems]
    return rejects


def check_addresses(layout: TargetLayout, mapped: Mapped) -> list[Reject]:
    """Refuse addresses a carrier cannot take: no house number, a postcode unlike the country's."""
    rule: dict[str, Any] = layout.options.get("address_check") or {}
    if not rule:
        return []
    table = mapped.records[layout.root]
    rejects: list[Reject] = []
    if "house_number" in rule:
        number = table.column(rule["house_number"])
        rejects += rejects_where(table, pc.is_null(number), rule["house_number"], number,
                                 "is missing: the address has no house number, the carrier cannot deliver it", KEY)
    if "street_line" in rule:
        street = table.column(rule["street_line"]).combine_chunks()
        missing = pc.and_(pc.is_valid(street), pc.is_null(split_street(street)[1]))
        rejects += rejects_where(table, missing, rule["street_line"], street,
                                 "has no house number: the carrier cannot deliver it", KEY)
    country = table.column(rule["country"]) if "country" in rule else None
    postcode = table.column(rule["postcode"]) if "postcode" in rule else None
    for code, pattern in (rule.get("postcode_patterns") or {}).items():
        if country is None or postcode is None:
            break
        wrong = pc.and_(pc.equal(country, code), pc.invert(pc.match_substring_regex(postcode, pattern)))
        rejects += rejects_where(table, wrong, rule["postcode"], postcode,
                                 f"is not a postcode of {code}: the carrier would not accept the label", KEY)
    return rejects


def close_extras(extras: list[ExtraTarget]) -> list[Path]:
    """Finish the extra files; a file without records is dropped unless its layout asks for it."""
    temps: list[Path] = []
    for extra in extras:
        paths = extra.writer.close()
        if extra.written or extra.layout.options.get("write_empty", False):
            temps += paths
        else:
            for path in paths:
                path.unlink(missing_ok=True)
    return temps


def notes(extras: list[ExtraTarget]) -> list[str]:
    """One line per extra target for the report: records written and refused."""
    return [f"{extra.title}: {extra.written} written" + (f", {extra.refused} refused (see rejects)"
                                                          if extra.refused else "") for extra in extras]
