"""Load: writers that turn mapped records into import files, one module per format."""

from etl.load.base import WRITERS, Writer, writer_for

__all__ = ["WRITERS", "Writer", "writer_for"]
