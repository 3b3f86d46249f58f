"""The status page's token: made once per working folder, so that a link mailed to the merchant keeps working."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from etl.os_compat import fsync_file, temp_name
from etl.state.files import PAGE_TOKEN


def page_token(state: Path) -> str:
    """The token in `state/serve.token`, made with the OS's random source the first time (owner-only file)."""
    path = state / PAGE_TOKEN
    if not path.is_file():
        state.mkdir(parents=True, exist_ok=True)
        temp = temp_name(path)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(24) + "\n")
        fsync_file(temp)
        try:  # the first writer wins: a link mailed with the token must stay valid
            os.link(temp, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()
