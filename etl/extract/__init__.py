"""Extract: read any export file into raw tables of text columns with line numbers."""

from etl.extract.rawtable import RawTable, read_file

__all__ = ["RawTable", "read_file"]
