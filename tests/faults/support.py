"""Helpers of the fault suite (no tests here): the fault configuration and read-only views
of the warehouse."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from extractors.fingerprints import content_hash
from extractors.models import Article
from extractors.urls import url_key

# The fault configuration: the SSRF guard on (no allow_private_addresses), only 127.0.0.1
# allowed, short deadlines and small caps so each case costs little time.
BASE_CONFIG: dict[str, dict[str, Any]] = {
    "fetch": {
        "allow_private_addresses": False,
        "allowed_hosts": ["127.0.0.1"],
        "per_host_delay_s": 0,
        "timeout_s": 2,
        "max_bytes": 2_000_000,
        "max_redirects": 5,
        "retries": 1,
        "retry_delay_s": 0,
        "batch_size": 1,
        "max_entries_per_feed": 50,
    },
    "schedule": {"interval_minutes": 30},
}


def config_toml(overrides: dict[str, dict[str, Any]] | None = None) -> str:
    """The fault configuration with `overrides` merged in, section by section, as TOML
    (values: strings, numbers, booleans, lists; a dict value is a sub-table)."""
    sections = {name: dict(values) for name, values in BASE_CONFIG.items()}
    for name, values in (overrides or {}).items():
        sections.setdefault(name, {}).update(values)
    lines: list[str] = []

    def table(name: str, values: dict[str, Any]) -> None:
        lines.append(f"[{name}]")
        nested = {k: v for k, v in values.items() if isinstance(v, dict)}
        for key, value in values.items():
            if key not in nested:
                lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
        for key, value in nested.items():
            table(f"{name}.{key}", value)

    for name, values in sections.items():
        table(name, values)
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(value)


def rows(db: Path, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def scalar(db: Path, sql: str, params: Any = None) -> Any:
    return rows(db, sql, params)[0][0]


def errors_by_url(db: Path, stage: str | None = None) -> dict[str, tuple[str, str, int | None]]:
    """url -> (stage, error, http_status) of the fetch_errors rows."""
    found = rows(db, "select url, stage, error, http_status from fetch_errors")
    return {url: (s, error, status) for url, s, error, status in found if stage in (None, s)}


def every_text(db: Path) -> str:
    """Every VARCHAR value of every table, joined: where leaked content would show."""
    with duckdb.connect(str(db), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' AND data_type IN ('VARCHAR', 'VARCHAR[]')"
        ).fetchall()
        values: list[str] = []
        for table, column, data_type in columns:
            expr = f'"{column}"'
            if data_type != "VARCHAR":
                expr = f"array_to_string({expr}, ' ')"
            found = con.execute(f'SELECT {expr} FROM "{table}" WHERE "{column}" IS NOT NULL')
            values += [str(row[0]) for row in found.fetchall()]
    return "\n".join(values)


def assert_nothing_stored_twice(db: Path) -> None:
    """One row per canonical URL and per article id; every article has its signature and its
    seen_entries row (non-seeds); no mention or alert points at a missing row."""
    assert scalar(db, "select count(*) - count(distinct canonical_url) from articles") == 0
    assert scalar(db, "select count(*) - count(distinct article_id) from articles") == 0
    assert scalar(
        db, "select count(*) from articles a anti join article_signatures s using (article_id)"
    ) == 0, "an article without its dedup signature"
    assert scalar(
        db,
        "select count(*) from articles a where not is_seed and canonical_url not in "
        "(select canonical_url from seen_entries where decision = 'stored') and url not in "
        "(select url from seen_entries where decision = 'stored')",
    ) == 0, "an article without its seen_entries row"
    assert scalar(
        db, "select count(*) from mentions m anti join articles a using (article_id)"
    ) == 0
    assert scalar(
        db, "select count(*) from mentions m anti join entities e using (entity_id)"
    ) == 0
    assert scalar(
        db, "select count(*) from alerts al anti join entities e using (entity_id)"
    ) == 0
    assert scalar(db, "select count(*) - count(distinct alert_id) from alerts") == 0


def bulk_articles(count: int, words: int = 3000, run_id: str = "r-bulk") -> list[Article]:
    """`count` distinct articles of `words` words each, ready to store."""
    now = datetime.now(UTC)
    articles = []
    for i in range(count):
        url = f"http://news.example.org/bulk/{i}"
        text = f"Report {i} from Mali. " + " ".join(f"word{i}x{j}" for j in range(words))
        articles.append(Article(
            article_id=url_key(url), url=url, canonical_url=url, feed_url=None,
            source="bulk", title=f"Mali report {i}", author=None, published_at=None,
            fetched_at=now, language="en", text=text, content_hash=content_hash(text),
            text_origin="page", run_id=run_id,
        ))
    return articles


def save_bulk_batch(con: duckdb.DuckDBPyConnection, count: int = 40) -> int:
    """Store `bulk_articles(count)` the way the flow stores a batch (signatures, entries,
    an error row, one transaction); return how many were new."""
    from extractors.models import ErrorRecord
    from warehouse import signatures, store

    articles = bulk_articles(count)
    marked = signatures.load_index(con, None).mark(articles)
    saved = store.save_batch(
        con,
        run_id="r-bulk",
        articles=articles,
        entry_keys=[(a.canonical_url, None, a.url, a.title) for a in articles],
        skipped=[],
        errors=[ErrorRecord("page", "an error of this batch", url="http://example.org/e")],
        signatures=marked.signatures,
    )
    return saved.articles_new
