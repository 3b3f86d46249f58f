"""The `shop:` section of etl.yaml: the shop's database, for the direct target (optional)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from etl.config.secret import read_secret
from etl.shared.strict import Strict


class DatabaseSettings(Strict):
    """How to reach the shop's MariaDB / MySQL database; the password never sits in etl.yaml."""

    host: str = "127.0.0.1"
    port: int = 3306
    user: str
    database: str
    charset: str = "utf8mb4"  # of the connection; the tables keep theirs (xt:Commerce: latin1)
    password_env: str = "ETL_SHOP_DB_PASSWORD"  # environment variable holding the password
    password_file: Path | None = None  # or a file holding it (first line), relative to etl.yaml
    connect_timeout: float = Field(default=10.0, gt=0)
    # MyISAM tables (upstream xt:Commerce) ignore transactions. "repair": write anyway, every statement
    # is idempotent so the next run completes a run that stopped half way; "require": refuse to write
    # unless every table the run touches is transactional (InnoDB).
    transactions: Literal["repair", "require"] = "repair"

    def password(self, base: Path) -> str:
        """The password from the file or the environment."""
        return read_secret("shop.database", self.password_file, self.password_env, base)


class ShopSettings(Strict):
    """The shop side: its database, when the merchant lets the bridge write into it."""

    database: DatabaseSettings | None = None  # None: the shop loads the outbox's files itself
