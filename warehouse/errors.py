"""Warehouse failures, each carrying the file path so the CLI can say which file and what to do."""

from __future__ import annotations


class WarehouseError(Exception):
    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


class WarehouseLocked(WarehouseError):
    """Another process holds the DuckDB file (a running ingest, an open `duckdb` shell)."""


class WarehouseMissing(WarehouseError):
    """The file does not exist and the caller did not ask to create it."""


class QueryError(WarehouseError):
    """A user's SQL failed; the message is DuckDB's."""
