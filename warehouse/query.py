"""The query interface users reach through `mali-monitor query`: one read-only statement in a
sandboxed connection.

SQL typed by a user is hostile input. The connection that runs it is opened read-only with
DuckDB's sandbox settings (`SANDBOX_CONFIG`): no file or network access beyond the warehouse
itself (no `read_text('/proc/self/environ')`, no `COPY ... TO`, no `ATTACH`), no extension
installed or loaded, and the configuration locked so the statement cannot undo any of it. The
text is parsed first and refused unless it is exactly one statement of a reading kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from warehouse.connection import opened
from warehouse.errors import QueryError

# Applied when the connection opens; `lock_configuration` keeps a statement from changing any
# of them (`SET enable_external_access = true` fails).
SANDBOX_CONFIG: dict[str, Any] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}

# SELECT covers WITH, FROM-first queries, DESCRIBE, SHOW and SUMMARIZE; PRAGMA the catalogue
# pragmas (`PRAGMA table_info('articles')`), which cannot change locked settings.
READ_STATEMENTS = {
    duckdb.StatementType.SELECT: "SELECT",
    duckdb.StatementType.EXPLAIN: "EXPLAIN",
    duckdb.StatementType.PRAGMA: "PRAGMA",
}


class QueryRefused(QueryError):
    """The statement was not run: not exactly one reading statement."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]


def run_query(db_path: str | Path, sql: str, *, lock_wait_s: float | None = None) -> QueryResult:
    """Run one reading statement on a read-only, sandboxed connection to `db_path`."""
    with opened(
        db_path, create=False, read_only=True, lock_wait_s=lock_wait_s, config=SANDBOX_CONFIG
    ) as con:
        statement = single_read_statement(con, sql, path=str(db_path))
        try:
            cursor = con.execute(statement)
        except duckdb.PermissionException as e:
            raise QueryRefused(
                f"refused: `query` reads only the warehouse; files, URLs and extensions are "
                f"out of its reach ({_one_line(e).split(' LINE ')[0]})",
                path=str(db_path),
            ) from None
        except duckdb.Error as e:
            raise QueryError(f"query failed: {_one_line(e)}", path=str(db_path)) from None
        if cursor is None or cursor.description is None:
            return QueryResult([], [])
        return QueryResult([d[0] for d in cursor.description], cursor.fetchall())


def single_read_statement(con: duckdb.DuckDBPyConnection, sql: str, *, path: str) -> str:
    """The one statement of `sql`, checked to be a read, as the parser saw it; raise
    QueryRefused naming why otherwise."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as e:
        raise QueryError(f"query failed: {_one_line(e)}", path=path) from None
    if not statements:
        raise QueryRefused(
            "no SQL statement given (the text is empty or only comments); for example: "
            "mali-monitor query \"select count(*) from articles\"",
            path=path,
        )
    if len(statements) > 1:
        raise QueryRefused(
            f"refused: {len(statements)} statements given; `query` runs exactly one "
            f"(remove the ';' between them and run each on its own)",
            path=path,
        )
    kind = statements[0].type
    if kind not in READ_STATEMENTS:
        allowed = ", ".join(sorted(set(READ_STATEMENTS.values())))
        raise QueryRefused(
            f"refused: {kind.name} statements are not allowed; `query` is read-only "
            f"({allowed}, including WITH, DESCRIBE, SHOW and SUMMARIZE). To write "
            f"files use `mali-monitor export DIR` or `--format csv` and a shell redirect",
            path=path,
        )
    return str(statements[0].query)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
