"""The `shop:` section of etl.yaml: the shop's database, for the direct target (optional)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from etl.errors import ConfigError


class DatabaseSettings(BaseModel):
    """How to reach the shop's MariaDB / MySQL database; the password never sits in etl.yaml."""

    model_config = ConfigDict(extra="forbid")
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
        if self.password_file is not None:
            path = self.password_file if self.password_file.is_absolute() else base / self.password_file
            try:
                return path.read_text(encoding="utf-8").splitlines()[0].strip()
            except (OSError, IndexError):
                raise ConfigError([f"shop.database.password_file: cannot read a password from {path}"]) from None
        value = os.environ.get(self.password_env)
        if value is None:
            raise ConfigError([f"shop.database: the environment variable {self.password_env} is not set; "
                               "set it or name a password_file"])
        return value


class ShopSettings(BaseModel):
    """The shop side: its database, when the merchant lets the bridge write into it."""

    model_config = ConfigDict(extra="forbid")
    database: DatabaseSettings | None = None  # None: the shop loads the outbox's files itself
