"""The automatic mode (`etl watch`): take complete files from the inbox and run their flow, exactly once."""
