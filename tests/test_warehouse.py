"""Migrations with a ledger, the connection's lock handling, batch writes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from extractors.models import Article, ErrorRecord
from warehouse import store
from warehouse.connection import connect
from warehouse.errors import WarehouseLocked, WarehouseMissing
from warehouse.migrations import available_migrations, migrate, pending_migrations

CONTRACT = {
    "runs": "run_id started_at finished_at status feeds_polled entries_seen articles_new "
            "duplicates errors",
    "articles": "article_id url canonical_url feed_url source title author published_at "
                "fetched_at language text content_hash is_seed duplicate_of similarity run_id",
    "entities": "entity_id kind subtype name aliases first_seen_at first_article_id "
                "in_seed_baseline latitude longitude country_code",
    "mentions": "article_id entity_id surface sentence start_char",
    "alerts": "alert_id entity_id article_id channel status attempts last_error created_at "
              "sent_at",
    "fetch_errors": "run_id url stage error occurred_at",
}


def test_schema_holds_the_design_contract(db_path: Path) -> None:
    con = connect(db_path)
    migrate(con)
    for table, columns in CONTRACT.items():
        present = {r[0] for r in con.execute(f"describe {table}").fetchall()}
        assert set(columns.split()) <= present, table
    con.close()


def test_migrations_are_recorded_and_never_reapplied(db_path: Path) -> None:
    con = connect(db_path)
    assert [m.version for m in migrate(con)] == [m.version for m in available_migrations()]
    con.execute("insert into runs (run_id, started_at, status) values ('r1', now(), 'completed')")
    assert migrate(con) == [] and pending_migrations(con) == []
    assert con.execute("select count(*) from runs").fetchall()[0][0] == 1
    ledger = con.execute("select version, name from schema_migrations order by 1").fetchall()
    assert ledger == [(m.version, m.name) for m in available_migrations()]
    assert ledger[0] == (1, "initial")
    con.close()


def test_missing_warehouse_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseMissing, match="mali-monitor init"):
        connect(tmp_path / "nope.duckdb", create=False)


def test_a_file_held_by_another_process_gives_a_clear_message(db_path: Path) -> None:
    connect(db_path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(db_path)!r})
            print("ready", flush=True)
            sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        started = time.monotonic()
        with pytest.raises(WarehouseLocked, match="in use by another process"):
            connect(db_path, lock_wait_s=1.0)
        assert time.monotonic() - started >= 1.0  # it waited before giving up
    finally:
        holder.communicate("\n", timeout=10)


def _article(n: int, **overrides: object) -> Article:
    values: dict[str, object] = dict(
        article_id=f"a{n}", url=f"https://e.org/{n}", canonical_url=f"https://e.org/{n}",
        feed_url="https://e.org/feed", source="E", title=f"T{n}", author=None,
        published_at=None, fetched_at=datetime.now(UTC), language="en", text=f"text {n}",
        content_hash=f"h{n}", text_origin="page",
    )
    values.update(overrides)
    return Article(**values)  # type: ignore[arg-type]


def test_save_batch_is_idempotent_and_atomic(db_path: Path) -> None:
    con = connect(db_path)
    migrate(con)
    store.start_run(con, "r1")
    batch = [_article(1), _article(2, duplicate_of="a1", similarity=1.0)]
    keys = [(a.canonical_url, a.feed_url, a.url, a.title) for a in batch]
    errors = [ErrorRecord("page", "HTTP 404", url="https://e.org/3", http_status=404)]

    first = store.save_batch(con, run_id="r1", articles=batch, entry_keys=keys, skipped=[],
                             errors=errors)
    again = store.save_batch(con, run_id="r1", articles=batch, entry_keys=keys, skipped=[],
                             errors=[])
    assert (first.articles_new, first.duplicates) == (1, 1)
    assert (again.articles_new, again.duplicates) == (0, 0)
    assert con.execute("select count(*) from articles").fetchall()[0][0] == 2
    assert con.execute("select http_status from fetch_errors").fetchall() == [(404,)]

    bad = [_article(4), _article(5, text=None)]  # NOT NULL violated inside the batch
    with pytest.raises(Exception, match="NOT NULL"):
        store.save_batch(con, run_id="r1", articles=bad, entry_keys=[], skipped=[], errors=[])
    assert con.execute("select count(*) from articles").fetchall()[0][0] == 2
    con.close()


def test_interrupted_runs_are_marked_when_the_next_run_starts(db_path: Path) -> None:
    con = connect(db_path)
    migrate(con)
    store.start_run(con, "killed")
    store.start_run(con, "next")
    statuses = dict(con.execute("select run_id, status from runs").fetchall())
    assert statuses == {"killed": "interrupted", "next": "running"}
    con.close()
