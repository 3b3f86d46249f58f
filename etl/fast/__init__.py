"""Tools that keep a run fast: Arrow columns without lists, byte scans, code pages, a second core."""
