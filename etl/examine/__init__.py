"""`etl inspect`: what the tool sees in export files (etl/examine/look.py), shown as text (show.py) or JSON."""

from etl.examine.look import Inspection, inspect_files
from etl.examine.show import render

__all__ = ["Inspection", "inspect_files", "render"]
