"""SQL for the shop's database: the statements of `--format sql` and of the direct database target."""
