"""The `etl` command line: one module per group of commands, each thin over one library call."""
