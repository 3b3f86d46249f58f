"""Where the bundled mappings, templates, schemas and samples live (repo checkout or wheel)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled(kind: str) -> Path:
    """Return the bundled folder `kind` (mappings, templates, schemas, samples)."""
    checkout = _PACKAGE.parent / kind
    if checkout.is_dir():
        return checkout
    return _PACKAGE / "_bundled" / kind
