"""Passwords for servers (SMTP, the shop database): never in etl.yaml, read from a file or the environment."""

from __future__ import annotations

import os
from pathlib import Path

from etl.shared.errors import ConfigError


def read_secret(where: str, password_file: Path | None, password_env: str, base: Path) -> str:
    """The first line of `password_file` (relative to `base`), else `$password_env`; `where` names the setting."""
    if password_file is not None:
        path = password_file if password_file.is_absolute() else base / password_file
        try:
            return path.read_text(encoding="utf-8").splitlines()[0].strip()
        except (OSError, IndexError):
            raise ConfigError([f"{where}.password_file: cannot read a password from {path}"]) from None
    value = os.environ.get(password_env)
    if value is None:
        raise ConfigError([f"{where}: the environment variable {password_env} is not set; "
                           "set it or name a password_file"])
    return value
