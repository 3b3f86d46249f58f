"""Extract: read any export file into raw tables of text columns with line numbers."""

from etl.extract.base import LINE, Batch, RawTable
from etl.extract.registry import READERS, read_file

__all__ = ["LINE", "READERS", "Batch", "RawTable", "read_file"]
