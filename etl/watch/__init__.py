"""The automatic mode (`etl watch`): take complete files from the inbox and run their flow, exactly once.

Kept free of imports so that `etl.runner` can use `etl.watch.lock` without a cycle.
"""
