"""Where the bundled mappings, templates, schemas and samples live (repo checkout or wheel), and how their
YAML files are read: `load_yaml`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


def bundled(kind: str) -> Path:
    """Return the bundled folder `kind` (mappings, templates, schemas, samples)."""
    checkout = _PACKAGE.parent / kind
    if checkout.is_dir():
        return checkout
    return _PACKAGE / "_bundled" / kind


def load_yaml(text: str) -> Any:
    """YAML text as data (safe types only), by libyaml's C parser when installed: ten times faster."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
