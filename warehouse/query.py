"""The query interface users reach through `mali-monitor query`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from warehouse.connection import opened
from warehouse.errors import QueryError


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def run_query(db_path: str | Path, sql: str, *, lock_wait_s: float | None = None) -> QueryResult:
    """Run one user statement on a read-only connection (a query can never damage data)."""
    with opened(db_path, create=False, read_only=True, lock_wait_s=lock_wait_s) as con:
        try:
            cursor = con.execute(sql)
        except duckdb.Error as e:
            raise QueryError(f"query failed: {e}", path=str(db_path)) from e
        if cursor.description is None:
            return QueryResult([], [])
        return QueryResult([d[0] for d in cursor.description], cursor.fetchall())
