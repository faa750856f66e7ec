"""`mali-monitor export`: the warehouse's tables as Parquet (or CSV) files for other engines.

Spark, Trino, pandas, Polars or DuckDB on another machine read a folder of Parquet files
without DuckDB's lock or file format: one file per table, `articles` partitioned by the month
it was fetched (`articles/month=2026-11/*.parquet`). Each table is written to a staging
folder first and then moved into place, so a reader of the export folder sees each table
either as it was or as it is now, never half written.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import duckdb

from warehouse.connection import opened
from warehouse.errors import WarehouseError

ExportFormat = Literal["parquet", "csv"]
_MONTH = re.compile(r"^\d{4}-\d{2}$")
FORMATS: tuple[ExportFormat, ...] = ("parquet", "csv")


@dataclass(frozen=True)
class ExportedTable:
    name: str
    path: Path
    rows: int


@dataclass(frozen=True)
class Export:
    folder: Path
    tables: list[ExportedTable]
    seconds: float


# table -> (SELECT of its rows since $since, partition column or None). `$since` is NULL for
# everything. Mentions follow their article; feed health is current state, always whole.
_TABLES: dict[str, tuple[str, str | None]] = {
    "articles": (
        "SELECT *, strftime(timezone('UTC', fetched_at), '%Y-%m') AS month FROM articles "
        "WHERE $since IS NULL OR fetched_at >= $since",
        "month",
    ),
    "entities": (
        "SELECT * FROM entities WHERE $since IS NULL OR first_seen_at >= $since", None,
    ),
    "mentions": (
        "SELECT m.*, strftime(timezone('UTC', a.fetched_at), '%Y-%m') AS month "
        "FROM mentions m JOIN articles a USING (article_id) "
        "WHERE $since IS NULL OR a.fetched_at >= $since",
        "month",
    ),
    "alerts": ("SELECT * FROM alerts WHERE $since IS NULL OR created_at >= $since", None),
    "runs": ("SELECT * FROM runs WHERE $since IS NULL OR started_at >= $since", None),
    "fetch_errors": (
        "SELECT * FROM fetch_errors WHERE $since IS NULL OR occurred_at >= $since", None,
    ),
    "feed_state": ("SELECT * FROM feed_state", None),
    "story_copies": (
        "SELECT * FROM story_copies WHERE $since IS NULL OR copy_fetched_at >= $since", None,
    ),
}


def export_tables(
    db_path: str | Path,
    folder: str | Path,
    *,
    fmt: ExportFormat = "parquet",
    since: datetime | None = None,
    lock_wait_s: float | None = None,
    months: Collection[str] | None = None,
) -> Export:
    """Write every table of the warehouse file `db_path` (usually its read copy) to `folder`,
    replacing what an earlier export wrote there.

    `months` ("2026-11", ...) refreshes an earlier full export: the month-partitioned tables
    (articles, mentions) are rewritten for those months only, the others whole. That keeps
    the refresh after each run small however long the history (BENCHMARKS.md)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    target = Path(folder).expanduser()
    started = time.monotonic()
    try:
        target.mkdir(parents=True, exist_ok=True)
        staging = target / f".export-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
    except OSError as e:
        raise WarehouseError(
            f"cannot write the export to {target}: {e}", path=str(db_path)
        ) from e
    written: list[ExportedTable] = []
    try:
        partial: set[str] = set()
        with opened(db_path, create=False, read_only=True, lock_wait_s=lock_wait_s) as con:
            for name, (select, partition) in _TABLES.items():
                final = target / _entry(name, partition, fmt)
                if partition and months is not None and final.is_dir():
                    select = f"SELECT * FROM ({select}) WHERE {partition} IN ({_months(months)})"
                    partial.add(name)
                rows = _copy(con, name, select, partition, staging, fmt, since)
                written.append(ExportedTable(name, final, rows))
        for table in written:
            staged = staging / table.path.name
            if table.name in partial:  # only the months written replace theirs
                for month in staged.iterdir():
                    _move_into_place(month, table.path / month.name)
            else:
                _move_into_place(staged, table.path)
    except (OSError, duckdb.Error) as e:
        raise WarehouseError(
            f"export of {db_path} to {target} failed: {' '.join(str(e).split())}; tables "
            f"already in {target} are left as they were",
            path=str(db_path),
        ) from e
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Export(target, written, time.monotonic() - started)


def _months(months: Collection[str]) -> str:
    checked = [m for m in months if _MONTH.match(m)]
    if len(checked) != len(list(months)):
        raise ValueError(f"months must look like 2026-11: {sorted(months)}")
    return ", ".join(f"'{m}'" for m in checked) or "NULL"


def _entry(name: str, partition: str | None, fmt: ExportFormat) -> str:
    return name if partition else f"{name}.{fmt}"


def _copy(
    con: duckdb.DuckDBPyConnection,
    name: str,
    select: str,
    partition: str | None,
    staging: Path,
    fmt: ExportFormat,
    since: datetime | None,
) -> int:
    options = ["FORMAT parquet", "COMPRESSION zstd"] if fmt == "parquet" else [
        "FORMAT csv", "HEADER true"
    ]
    if partition:
        options.append(f"PARTITION_BY ({partition})")
    destination = staging / _entry(name, partition, fmt)
    # COPY takes no parameters: the one value spliced in is a datetime's own isoformat.
    select = select.replace("$since", _timestamp_literal(since))
    con.execute(f"COPY ({select}) TO {_string_literal(str(destination))} ({', '.join(options)})")
    if partition and not destination.exists():  # no rows: an empty table folder
        destination.mkdir()
    count = con.execute(f"SELECT count(*) FROM ({select})").fetchone()
    return int(count[0]) if count else 0


def _timestamp_literal(value: datetime | None) -> str:
    if value is None:
        return "CAST(NULL AS TIMESTAMPTZ)"
    if value.tzinfo is None:
        raise ValueError("export: `since` must be timezone-aware")
    return f"TIMESTAMPTZ '{value.isoformat()}'"


def _string_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _move_into_place(staged: Path, final: Path) -> None:
    """Replace `final` by `staged` (a file or a folder) with one rename each way."""
    if staged.is_dir():
        old = final.with_name(f".old-{os.getpid()}-{final.name}")
        if final.exists():
            os.replace(final, old)
        os.replace(staged, final)
        with contextlib.suppress(OSError):
            shutil.rmtree(old)
    else:
        os.replace(staged, final)
