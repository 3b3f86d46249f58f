"""A MariaDB / MySQL script for the shop's database, run in phpMyAdmin or with the `mysql` client."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from etl.load.base import Resources, Writer
from etl.load.sql.script import ScriptBuilder
from etl.load.sql.tables import load_extensions, load_tables
from etl.shared.errors import UsageError
from etl.shared.records import Mapped
from etl.shared.rejects import Reject
from etl.transform.layout import TargetLayout


def script_builder(layout: TargetLayout, resources: Resources) -> ScriptBuilder:
    """The statement builder for `layout`, with its system's table knowledge (schemas/<system>/tables.yaml)."""
    try:
        tables = resources.find("schemas", f"{layout.system}/tables.yaml")
    except UsageError:
        raise UsageError(f"format sql: no table knowledge for system '{layout.system}' "
                         f"({layout.system}/tables.yaml); sql is written for the shop's database") from None
    extensions = resources.find("schemas", f"{layout.system}/extensions.sql")
    return ScriptBuilder(layout, load_tables(tables), load_extensions(extensions))


class SqlWriter(Writer):
    """One script: SET NAMES, the tables xt:Commerce lacks, one transaction of idempotent upserts."""

    format = "sql"
    extension = "sql"
    # A changed article comes with all of its rows: its sets (group prices, category links, ...) are
    # replaced by what the run sends, and its texts show which languages the ERP has none in.
    complete_records = True

    def __init__(self, layout: TargetLayout, folder: Path, stem: str, resources: Resources) -> None:
        super().__init__(layout, folder, stem, resources)
        self.builder = script_builder(layout, resources)
        # statements are spooled: the DDL at the top is known only once every chunk is seen
        self.spools: dict[str, IO[str]] = {}

    def _spool(self, part: str) -> IO[str]:
        if part not in self.spools:
            path = self.folder / f".{self.stem}_{part}.sql.part"
            self.spools[part] = path.open("w+", encoding="utf-8", newline="\n")
        return self.spools[part]

    def write(self, mapped: Mapped) -> list[Reject]:
        body, late, rejects = self.builder.chunk(mapped)
        for part, statements in (("body", body), ("late", late)):
            if statements:
                self._spool(part).write("".join(f"{s};\n" for s in statements))
        return rejects

    def close(self) -> list[Path]:
        path = self.path()
        if path.exists() and not self.spools:
            return [path]  # closed before (after a failure the pipeline closes again)
        with path.open("w", encoding="utf-8", newline="\n") as out:
            out.write(f"-- {self.layout.description or self.layout.flow}: run with `mysql --default-character-set="
                      "utf8mb4 <database> < this file` or in phpMyAdmin (SQL tab).\n"
                      "-- Every statement finds rows by natural keys; running the script again changes nothing.\n")
            out.write("".join(f"{s};\n" for s in self.builder.header()))
            for part in ("body", "late"):
                spool = self.spools.pop(part, None)
                if spool is None:
                    continue
                spool.seek(0)
                while block := spool.read(1 << 20):
                    out.write(block)
                spool.close()
                Path(spool.name).unlink()
            out.write("".join(f"{s};\n" for s in self.builder.footer()))
        self.notes = self.builder.notes()
        return [path]
