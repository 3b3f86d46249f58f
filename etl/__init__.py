"""File-based ETL bridge between hhg-multistore (shop) and Sage GS-Office (ERP)."""

import os

__version__ = "0.1.0"

# Arrow's allocator (mimalloc) keeps freed pages for a second and commits its arenas eagerly. A run
# frees and reuses chunk-sized buffers all the time, so that kept ~60 MB more resident, for no speed
# (bench/README.md). mimalloc reads these when pyarrow loads, after this; a user's own setting wins.
os.environ.setdefault("MIMALLOC_PURGE_DELAY", "100")
os.environ.setdefault("MIMALLOC_ARENA_EAGER_COMMIT", "0")
