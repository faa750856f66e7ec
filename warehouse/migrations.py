"""Numbered migrations, each applied in one transaction with its row in `schema_migrations`.

A migration is a file `migrations/NNN_name.sql` shipped with the package. Re-running `init`
applies only what the ledger lacks, so an existing warehouse is migrated, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import duckdb

from warehouse.connection import transaction

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")

LEDGER_DDL = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        VARCHAR NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    folder = resources.files("warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    con.execute(LEDGER_DDL)
    return {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection) -> list[Migration]:
    """Apply every pending migration in order; return those applied now."""
    done = applied_versions(con)
    applied = []
    for migration in available_migrations():
        if migration.version in done:
            continue
        with transaction(con):
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                [migration.version, migration.name],
            )
        applied.append(migration)
    return applied


def pending_migrations(con: duckdb.DuckDBPyConnection) -> list[Migration]:
    done = applied_versions(con)
    return [m for m in available_migrations() if m.version not in done]
