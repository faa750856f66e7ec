"""The one place that opens the DuckDB file.

DuckDB lets one process write a file; a second process gets an immediate
"Conflicting lock" IOException, even read-only. We retry for a short while (a run
finishing: `[warehouse] lock_wait_s`, or $MALI_MONITOR_LOCK_WAIT_S, 10 s by default) and then
raise `WarehouseLocked` with a message a user can act on.

A transaction that cannot be written (a full or read-only disk) is rolled back whole and
becomes a `WarehouseError` naming the file: nothing of it is stored.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from warehouse.errors import WarehouseError, WarehouseLocked, WarehouseMissing

LOCK_WAIT_S = 10.0
LOCK_WAIT_ENV = "MALI_MONITOR_LOCK_WAIT_S"
LOCK_POLL_S = 0.5


def default_lock_wait_s() -> float:
    """$MALI_MONITOR_LOCK_WAIT_S when set to a number, else 10 s."""
    try:
        return max(float(os.environ[LOCK_WAIT_ENV]), 0.0)
    except (KeyError, ValueError):
        return LOCK_WAIT_S


def _is_lock_error(error: duckdb.Error) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def connect(
    path: str | Path,
    *,
    create: bool = True,
    read_only: bool = False,
    lock_wait_s: float | None = None,
    config: Mapping[str, Any] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, waiting up to `lock_wait_s` (default: `default_lock_wait_s()`)
    for another process's lock. `config` is DuckDB's connection configuration."""
    if lock_wait_s is None:
        lock_wait_s = default_lock_wait_s()
    db_path = Path(path).expanduser()
    is_new = not db_path.exists()
    if is_new:
        if not create or read_only:
            raise WarehouseMissing(
                f"no warehouse at {db_path}; create it with `mali-monitor init --db {db_path}`",
                path=str(db_path),
            )
        _check_folder(db_path)
    deadline = time.monotonic() + lock_wait_s
    while True:
        try:
            con = duckdb.connect(str(db_path), read_only=read_only, config=dict(config or {}))
        except duckdb.IOException as e:
            if not _is_lock_error(e):
                raise WarehouseError(
                    f"cannot open the warehouse {db_path}: {e}", path=str(db_path)
                ) from e
            if not _wait_a_little(deadline):
                raise WarehouseLocked(
                    f"the warehouse {db_path} is in use by another process"
                    f"{_holder(e)} (a running ingest, or a notebook or duckdb shell "
                    f"opened on the warehouse itself instead of its read copy "
                    f"{db_path.stem}.read.duckdb); wait for it to finish or close it, "
                    f"then try again",
                    path=str(db_path),
                ) from e
            continue
        except duckdb.Error as e:
            raise WarehouseError(
                f"cannot open the warehouse {db_path}: {e}", path=str(db_path)
            ) from e
        if is_new:
            owner_only(db_path)
        return con


def _check_folder(db_path: Path) -> None:
    """A new warehouse goes into a folder that exists: a mistyped --db must not leave new
    folders behind (the demo and `export` create their own folders)."""
    folder = db_path.parent
    if folder.is_dir():
        return
    if folder.exists():
        raise WarehouseError(
            f"cannot create the folder for the warehouse {db_path}: {folder} exists and is "
            f"not a folder",
            path=str(db_path),
        )
    raise WarehouseError(
        f"the folder {folder} does not exist; create it first (mkdir -p {folder}), or "
        f"choose another --db",
        path=str(db_path),
    )


def _wait_a_little(deadline: float) -> bool:
    """Sleep one poll interval, never past `deadline`; False once the deadline has passed
    (the caller then gives up)."""
    left = deadline - time.monotonic()
    if left <= 0:
        return False
    time.sleep(min(LOCK_POLL_S, left))
    return True


_HOLDER = re.compile(r"lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def _holder(error: duckdb.Error) -> str:
    """", held by PROGRAM (PID n)" as DuckDB reports it, or nothing."""
    found = _HOLDER.search(str(error))
    return f", held by {found['program']} (PID {found['pid']})" if found else ""


@contextmanager
def run_lock(db_path: str | Path, *, wait_s: float | None = None) -> Iterator[None]:
    """One ingest at a time on a warehouse, for the whole run.

    The writer opens the DuckDB file only while it writes, so DuckDB's own lock no longer
    keeps two runs apart between their writes; this advisory lock (`<warehouse>.run-lock`,
    holding the PID) does. A second run waits `wait_s`, then raises WarehouseLocked naming
    the PID. The kernel releases it when the process dies, so a crash never leaves it held.
    """
    if wait_s is None:
        wait_s = default_lock_wait_s()
    path = Path(db_path).expanduser().resolve()  # one lock per file, however it is named
    lock_path = path.with_name(path.name + ".run-lock")
    try:  # never through a link planted in a shared folder
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as e:
        raise WarehouseError(
            f"cannot open the run lock {lock_path}: {e}; it must be a plain file of yours "
            f"beside the warehouse",
            path=str(path),
        ) from e
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not _wait_a_little(deadline):
                    holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                    raise WarehouseLocked(
                        f"another ingest run{f' (PID {holder})' if holder else ''} is "
                        f"writing the warehouse {path}; this run stops without fetching "
                        f"anything; the next scheduled run picks up what is new",
                        path=str(path),
                    ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def owner_only(path: Path) -> None:
    """Make a file the tool created readable by its owner alone (0600): the warehouse holds
    what analysts collected, which is nobody else's to read on a shared machine."""
    with contextlib.suppress(FileNotFoundError):
        os.chmod(path, 0o600)


@contextmanager
def opened(
    path: str | Path,
    *,
    create: bool = True,
    read_only: bool = False,
    lock_wait_s: float | None = None,
    config: Mapping[str, Any] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(
        path, create=create, read_only=read_only, lock_wait_s=lock_wait_s, config=config
    )
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN/COMMIT around a block; ROLLBACK and re-raise on any error.

    A failure to write (disk full, read-only file system) raises WarehouseError; the
    transaction is rolled back whole either way.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException as e:
        _rollback(con)
        if isinstance(e, duckdb.IOException):
            raise _write_error(con, e) from e
        raise
    try:
        con.execute("COMMIT")
    except duckdb.Error as e:  # DuckDB aborts a transaction it could not commit
        _rollback(con)
        raise _write_error(con, e) from e


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    # DuckDB may have aborted the transaction itself ("no transaction is active"); the
    # original error is the one worth reporting.
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _write_error(con: duckdb.DuckDBPyConnection, error: duckdb.Error) -> WarehouseError:
    path = database_path(con)
    return WarehouseError(
        f"could not write to the warehouse {path or '(unknown file)'}: {error}; the "
        f"transaction was rolled back, nothing of it was stored",
        path=path,
    )


def database_path(con: duckdb.DuckDBPyConnection) -> str:
    """The file behind a connection ("" when it cannot be told, e.g. after a fatal error)."""
    try:
        rows = con.execute(
            "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchall()
    except duckdb.Error:
        return ""
    return str(rows[0][0] or "") if rows else ""
