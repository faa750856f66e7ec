"""The warehouse, open for one step of a run (the flow's single writer)."""

from __future__ import annotations

from contextlib import AbstractContextManager

import duckdb

from flows.settings import Settings
from warehouse.connection import opened


def writing(settings: Settings) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """The warehouse, open for one step's reads and writes. The run holds the file only
    while it uses it, never while it fetches, so a reader opening the writer's file by
    mistake blocks one step at most (and the run lock keeps runs apart meanwhile)."""
    return opened(settings.db_path, create=False, lock_wait_s=settings.warehouse.lock_wait_s)
