"""`etl inspect`: what the tool sees in export files (etl/inspect/look.py), shown as text (show.py) or JSON."""

from etl.inspect.look import Inspection, inspect_files
from etl.inspect.show import render

__all__ = ["Inspection", "inspect_files", "render"]
