"""The import path the flows, transform and runner use for raw tables and `read_file`.

The types live in `base.py` (which the readers import) and `read_file` in `registry.py` (which imports
the readers), so that nothing inside `etl/extract` imports in a circle; this module only re-exports.
"""

from etl.extract.base import LINE, RawTable, text_batch
from etl.extract.registry import read_file

__all__ = ["LINE", "RawTable", "read_file", "text_batch"]
