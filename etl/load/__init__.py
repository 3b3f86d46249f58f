"""Load: writers that turn mapped records into import files, one module per format (see `registry.py`)."""

from etl.load.registry import WRITERS, formats

__all__ = ["WRITERS", "formats"]
