"""The read copy: a consistent snapshot of the warehouse, published beside it for readers.

DuckDB lets a process open a file for writing only when no other process has it open, even
read-only: an analyst's notebook left open on `mali-monitor.duckdb` would stop every scheduled
run. So readers (notebooks, SQL tools, `mali-monitor query`) open the read copy instead,
`mali-monitor.read.duckdb` beside the warehouse, which the writer replaces after `init` and
after every run:

1. CHECKPOINT, so the warehouse file alone holds every committed row (no WAL to replay);
2. copy the file to a temporary name in the same folder and fsync it;
3. rename it over the read copy (atomic on POSIX) and fsync the folder.

A reader that opened the old copy keeps reading the old file (its inode lives on until it
closes), so it sees one complete snapshot and never blocks a publish; a crash before step 3
leaves the previous copy intact (the stray temporary file is removed by the next publish).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.errors import WarehouseError

READ_COPY_SUFFIX = ".read.duckdb"
_TEMP_MARK = ".publishing-"


@dataclass(frozen=True)
class Published:
    path: Path
    bytes: int
    seconds: float


def read_copy_path(db_path: str | Path) -> Path:
    """`mali-monitor.duckdb` -> `mali-monitor.read.duckdb`, in the same folder."""
    path = Path(db_path).expanduser()
    return path.with_name(path.stem + READ_COPY_SUFFIX)


def publish_read_copy(con: duckdb.DuckDBPyConnection, db_path: str | Path) -> Published:
    """Replace the read copy of the warehouse `con` writes with a snapshot of it now.

    `con` must be the writer's connection with no transaction open; nothing else writes the
    file meanwhile (the writer holds DuckDB's lock). Raises WarehouseError, leaving the
    previous read copy in place, when the copy cannot be written."""
    source = Path(db_path).expanduser()
    target = read_copy_path(source)
    started = time.monotonic()
    temporary = target.with_name(f"{_TEMP_MARK}{os.getpid()}-{target.name}")
    try:
        con.execute("CHECKPOINT")
        _remove_stale_temporaries(target)
        shutil.copyfile(source, temporary)  # in the kernel (sendfile) where it can
        os.chmod(temporary, 0o600)  # as private as the warehouse, whatever the umask
        _fsync_file(temporary)
        # A stale WAL of the old copy (someone opened it read-write) must not be replayed
        # into the new one: removed before and, as one may appear meanwhile, after the rename.
        Path(f"{target}.wal").unlink(missing_ok=True)
        os.replace(temporary, target)
        Path(f"{target}.wal").unlink(missing_ok=True)
        _fsync_folder(target.parent)
    except (OSError, duckdb.Error) as e:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise WarehouseError(
            f"could not publish the read copy {target} of {source}: {e}; readers keep the "
            f"previous copy, and the next run publishes again",
            path=str(source),
        ) from e
    return Published(target, target.stat().st_size, time.monotonic() - started)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_temporaries(target: Path) -> None:
    """Temporary copies left by a publish that crashed before its rename."""
    for stray in target.parent.glob(f"{_TEMP_MARK}*-{target.name}"):
        with contextlib.suppress(OSError):
            stray.unlink()


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be fsynced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass(frozen=True)
class Freshness:
    """How the read copy relates to the warehouse it was published from."""

    published_at: datetime
    warehouse_changed_at: datetime | None

    @property
    def is_stale(self) -> bool:
        """The warehouse was written after the copy was published (a run is writing now, or
        its publish failed)."""
        changed = self.warehouse_changed_at
        return changed is not None and (changed - self.published_at).total_seconds() > 1.0


def freshness(db_path: str | Path) -> Freshness | None:
    """None when there is no read copy; modification times only, so it never waits for a
    lock."""
    source = Path(db_path).expanduser()
    copy = read_copy_path(source)
    try:
        published = copy.stat().st_mtime
    except OSError:
        return None
    changed = [
        p.stat().st_mtime for p in (source, Path(f"{source}.wal")) if p.exists()
    ]
    return Freshness(
        datetime.fromtimestamp(published, UTC),
        datetime.fromtimestamp(max(changed), UTC) if changed else None,
    )
