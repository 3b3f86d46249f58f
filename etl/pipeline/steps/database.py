"""The direct target: the run's statements executed in the shop's database, committed before its files.

The same statements as `--format sql` (etl/load/sql/), built per chunk after mapping, run in one
transaction when every chunk is done and committed before the run commits its outputs and inputs
in the ledger. The applied script is published with the run (`<flow>_<run>_database.sql`), so the
ledger records it. A failure rolls the transaction back and fails the run; docs/shop-database.md
explains why a crash between the database commit and the ledger commit neither loses nor doubles a
change (the inputs stay in the inbox and the next run repeats the same idempotent statements), and
what MyISAM tables (no transactions) mean.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from etl.config.shop import DatabaseSettings
from etl.load.registry import WRITERS
from etl.load.sql_writer import script_builder
from etl.pipeline.context import RunContext
from etl.pipeline.steps.base import Step
from etl.shared.errors import EtlError
from etl.shared.records import Mapped


class DatabaseError(EtlError):
    """The shop's database refused the run's statements (nothing of the run is committed)."""


def connect(settings: DatabaseSettings, base: Path) -> Any:
    """A connection without autocommit to the shop's database."""
    import pymysql  # only runs with a shop database load it

    try:
        return pymysql.connect(host=settings.host, port=settings.port, user=settings.user,
                               password=settings.password(base), database=settings.database,
                               charset=settings.charset, autocommit=False,
                               connect_timeout=settings.connect_timeout)
    except pymysql.MySQLError as exc:
        raise DatabaseError(f"shop database {settings.user}@{settings.host}:{settings.port}/"
                            f"{settings.database}: cannot connect: {exc}") from None


def non_transactional(cursor: Any, tables: set[str]) -> list[str]:
    """Those of `tables` whose engine ignores transactions (MyISAM, Aria, MEMORY, ...)."""
    if not tables:
        return []
    marks = ", ".join(["%s"] * len(tables))
    cursor.execute("SELECT t.TABLE_NAME FROM information_schema.TABLES t JOIN information_schema.ENGINES e "
                   "ON e.ENGINE = t.ENGINE WHERE t.TABLE_SCHEMA = DATABASE() AND e.TRANSACTIONS <> 'YES' "
                   f"AND t.TABLE_NAME IN ({marks}) ORDER BY t.TABLE_NAME", sorted(tables))
    return [row[0] for row in cursor.fetchall()]


class DatabaseStep(Step):
    """Builds the statements chunk by chunk; executes and commits them when the run finishes."""

    def __init__(self, ctx: RunContext, settings: DatabaseSettings) -> None:
        super().__init__(ctx)
        self.settings = settings
        self.builder = script_builder(ctx.layouts.target, ctx.resources)
        self.body: list[str] = []
        self.late: list[str] = []

    def after_map(self, mapped: Mapped) -> None:
        body, late, rejects = self.builder.chunk(mapped)
        self.body += body
        self.late += late
        for reject in rejects:  # what the shop's tables cannot hold is left out of the files too
            if reject.record and reject.kind:
                mapped.drop({reject.record}, [reject.kind])
        mapped.rejects += rejects

    def before_commit(self) -> list[Path]:
        import pymysql

        statements = [*self.builder.header(), *self.body, *self.late, *self.builder.footer()]
        connection = connect(self.settings, self.ctx.config.base)
        try:
            with connection.cursor() as cursor:
                plain = non_transactional(cursor, self.builder.touched)
                if plain and self.settings.transactions == "require":
                    raise DatabaseError(f"shop database: tables {', '.join(plain)} do not support transactions "
                                        "(MyISAM); convert them (ALTER TABLE ... ENGINE=InnoDB) or set "
                                        "shop.database.transactions: repair")
                if self.ctx.dry_run:
                    return []
                if plain:
                    self.ctx.report.notes.append(
                        f"shop database: {len(plain)} tables are MyISAM and ignore the transaction; had the run "
                        "stopped half way, the next run would have completed it (every statement is idempotent)")
                for statement in statements:
                    cursor.execute(statement)
            connection.commit()
        except pymysql.MySQLError as exc:
            connection.rollback()
            raise DatabaseError(f"shop database: the run's changes were rolled back: {exc}") from None
        finally:
            connection.close()
        self.ctx.report.notes.append(f"shop database: {len(statements)} statements committed")
        self.ctx.report.notes += [n for n in self.builder.notes() if n not in self.ctx.report.notes]
        path = self.ctx.outbox / f".{self.ctx.stem}_database.sql.part"
        path.write_text("".join(f"{s};\n" for s in statements), encoding="utf-8", newline="\n")
        return [path]


def wanted(ctx: RunContext) -> bool:
    """Whether the run writes into the shop's database (a shop-bound flow, `shop: database:` in etl.yaml)."""
    return ctx.config.shop.database is not None and WRITERS["sql"].serves(ctx.flow.name, ctx.layouts.target.system)


def build(ctx: RunContext) -> Step | None:
    """The direct target, for the flows the sql format serves (shop-bound) when etl.yaml names the shop's database."""
    settings = ctx.config.shop.database
    if settings is None or not wanted(ctx):
        return None
    return DatabaseStep(ctx, settings)
