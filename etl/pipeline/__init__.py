"""One run of one flow: lock, recover, gather, stage, map and write chunk by chunk through the steps, publish.

`run.py` holds the run, `steps/` the per-chunk features a flow's declaration switches on.
"""

from etl.pipeline.commit import recover
from etl.pipeline.context import RunOptions
from etl.pipeline.layouts import Layouts, get_flow, load_layouts
from etl.pipeline.recognize import Recognized, recognize_file
from etl.pipeline.run import run_flow

__all__ = ["Layouts", "Recognized", "RunOptions", "get_flow", "load_layouts", "recognize_file", "recover", "run_flow"]
