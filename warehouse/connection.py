"""The one place that opens the DuckDB file.

DuckDB lets one process write a file; a second process gets an immediate
"Conflicting lock" IOException, even read-only. We retry for a short while (a run
finishing) and then raise `WarehouseLocked` with a message a user can act on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.errors import WarehouseError, WarehouseLocked, WarehouseMissing

LOCK_WAIT_S = 10.0
LOCK_POLL_S = 0.5


def _is_lock_error(error: duckdb.Error) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def connect(
    path: str | Path,
    *,
    create: bool = True,
    read_only: bool = False,
    lock_wait_s: float = LOCK_WAIT_S,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, waiting up to `lock_wait_s` for another process's lock."""
    db_path = Path(path).expanduser()
    if not db_path.exists():
        if not create or read_only:
            raise WarehouseMissing(
                f"no warehouse at {db_path}; create it with `mali-monitor init --db {db_path}`",
                path=str(db_path),
            )
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise WarehouseError(
                f"cannot create the folder for the warehouse {db_path}: {e}", path=str(db_path)
            ) from e
    deadline = time.monotonic() + lock_wait_s
    while True:
        try:
            return duckdb.connect(str(db_path), read_only=read_only)
        except duckdb.IOException as e:
            if not _is_lock_error(e):
                raise WarehouseError(
                    f"cannot open the warehouse {db_path}: {e}", path=str(db_path)
                ) from e
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    f"the warehouse {db_path} is in use by another process (a running ingest or "
                    f"an open duckdb shell); wait for it to finish or close it, then try again",
                    path=str(db_path),
                ) from e
            time.sleep(LOCK_POLL_S)
        except duckdb.Error as e:
            raise WarehouseError(
                f"cannot open the warehouse {db_path}: {e}", path=str(db_path)
            ) from e


@contextmanager
def opened(
    path: str | Path, *, create: bool = True, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, create=create, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN/COMMIT around a block; ROLLBACK and re-raise on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
