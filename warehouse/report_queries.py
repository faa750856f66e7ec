"""What `mali-monitor report` shows, read from the warehouse (usually its read copy): every SQL
statement of the report, each with its parameters bound, and plain dataclasses for the page.

The period is what the monitor stored since `since` (articles by `fetched_at`, entities by
`first_seen_at`, like `export --since`); `since=None` is everything. Seed articles are the
baseline, never counted as news. On the timeline an article counts on the day it was
published (the day it was fetched when the date is unknown or later than that), a new entity
on the day of its first article.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from warehouse.connection import opened
from warehouse.errors import WarehouseError

__all__ = [
    "DayCount",
    "FeedHealth",
    "NewEntity",
    "ReportData",
    "ReprintedStory",
    "RunMapData",
    "StoryCopy",
    "Totals",
    "TownPoint",
    "read_report",
    "read_report_data",
    "read_run_map",
]

MAX_STORIES = 10  # the most reprinted stories shown
RUN_TIMELINE_DAYS = 30  # the run summary's timeline: the last 30 days


@dataclass(frozen=True)
class Totals:
    articles: int  # stored in the period, not seeds, copies included
    copies: int  # of those, copies of an earlier story
    new_actors: int
    new_towns: int
    runs: int
    fetch_errors: int


@dataclass(frozen=True)
class DayCount:
    day: date
    articles: int  # originals
    copies: int
    new_actors: int
    new_towns: int


@dataclass(frozen=True)
class TownPoint:
    name: str
    latitude: float | None
    longitude: float | None
    country_code: str | None
    region: str | None
    articles: int  # articles of the period naming it
    is_new: bool  # first seen in the period, not in the seed baseline


@dataclass(frozen=True)
class NewEntity:
    kind: str
    subtype: str | None
    name: str
    region: str | None
    country_code: str | None
    first_seen_at: datetime
    articles: int  # articles of the period naming it
    article_title: str | None
    article_source: str | None
    article_url: str | None
    article_date: datetime | None
    sentence: str | None  # the sentence of its first mention


@dataclass(frozen=True)
class StoryCopy:
    title: str | None
    source: str | None
    url: str | None
    match: str
    similarity: float | None


@dataclass(frozen=True)
class ReprintedStory:
    title: str | None
    source: str | None
    url: str | None
    is_seed: bool
    copies: list[StoryCopy]


@dataclass(frozen=True)
class FeedHealth:
    feed_url: str
    last_polled_at: datetime | None
    last_status: str | None
    consecutive_failures: int
    last_error: str | None
    next_poll_at: datetime | None
    articles: int  # stored from it in the period


@dataclass
class ReportData:
    since: datetime | None
    generated_at: datetime
    totals: Totals
    days: list[DayCount] = field(default_factory=list)
    towns: list[TownPoint] = field(default_factory=list)
    new_entities: list[NewEntity] = field(default_factory=list)
    stories: list[ReprintedStory] = field(default_factory=list)
    feeds: list[FeedHealth] = field(default_factory=list)

    @property
    def new_actors(self) -> list[NewEntity]:
        return [e for e in self.new_entities if e.kind == "actor"]

    @property
    def new_towns(self) -> list[NewEntity]:
        return [e for e in self.new_entities if e.kind == "town"]


@dataclass(frozen=True)
class RunMapData:
    """The pictures of one run's summary: the towns its articles named, the last 30 days."""

    run_id: str
    towns: list[TownPoint]  # named in the run's articles; is_new: first seen in this run
    days: list[DayCount]  # the timeline of the RUN_TIMELINE_DAYS days before `until`


# Articles of the period: not seeds, fetched since $since (NULL: all).
_IN_PERIOD = "NOT a.is_seed AND ($since IS NULL OR a.fetched_at >= $since)"
# The day an article counts on (UTC).
_DAY = ("CAST(timezone('UTC', CASE WHEN a.published_at IS NULL OR a.published_at > a.fetched_at "
        "THEN a.fetched_at ELSE a.published_at END) AS DATE)")
# New entities of the period.
_NEW = "NOT e.in_seed_baseline AND ($since IS NULL OR e.first_seen_at >= $since)"

_TOTALS = f"""
SELECT
  (SELECT count(*) FROM articles a WHERE {_IN_PERIOD}),
  (SELECT count(*) FROM articles a WHERE {_IN_PERIOD} AND a.duplicate_of IS NOT NULL),
  (SELECT count(*) FROM entities e WHERE {_NEW} AND e.kind = 'actor'),
  (SELECT count(*) FROM entities e WHERE {_NEW} AND e.kind = 'town'),
  (SELECT count(*) FROM runs WHERE $since IS NULL OR started_at >= $since),
  (SELECT count(*) FROM fetch_errors WHERE $since IS NULL OR occurred_at >= $since)
"""

_ARTICLE_DAYS = f"""
SELECT {_DAY} AS day,
       count(*) FILTER (WHERE a.duplicate_of IS NULL),
       count(*) FILTER (WHERE a.duplicate_of IS NOT NULL)
FROM articles a WHERE {_IN_PERIOD} GROUP BY day
"""

_ENTITY_DAYS = f"""
SELECT coalesce({_DAY}, CAST(timezone('UTC', e.first_seen_at) AS DATE)) AS day,
       count(*) FILTER (WHERE e.kind = 'actor'),
       count(*) FILTER (WHERE e.kind = 'town')
FROM entities e LEFT JOIN articles a ON a.article_id = e.first_article_id
WHERE {_NEW} GROUP BY day
"""

# Towns named by an article of the period, and the new towns of the period.
_TOWNS = f"""
WITH named AS (
  SELECT m.entity_id, count(DISTINCT m.article_id) AS articles
  FROM mentions m JOIN articles a USING (article_id)
  WHERE {_IN_PERIOD} GROUP BY m.entity_id
)
SELECT e.name, e.latitude, e.longitude, e.country_code, e.region,
       coalesce(n.articles, 0), ({_NEW}) AS is_new
FROM entities e LEFT JOIN named n USING (entity_id)
WHERE e.kind = 'town' AND (n.entity_id IS NOT NULL OR ({_NEW}))
ORDER BY is_new DESC, coalesce(n.articles, 0) DESC, e.name
"""

# Each new entity with its first article and the sentence of its first mention there (any
# article's earliest mention when the first article is unknown).
_NEW_ENTITIES = f"""
WITH named AS (
  SELECT m.entity_id, count(DISTINCT m.article_id) AS articles
  FROM mentions m JOIN articles a USING (article_id)
  WHERE {_IN_PERIOD} GROUP BY m.entity_id
),
first_mention AS (
  SELECT m.entity_id, m.article_id, m.sentence,
         row_number() OVER (
           PARTITION BY m.entity_id
           ORDER BY (m.article_id = e.first_article_id) DESC, a.fetched_at, m.start_char
         ) AS n
  FROM mentions m JOIN entities e USING (entity_id) JOIN articles a USING (article_id)
  WHERE {_NEW}
)
SELECT e.kind, e.subtype, e.name, e.region, e.country_code, e.first_seen_at,
       coalesce(n.articles, 0), a.title, a.source, a.url,
       coalesce(a.published_at, a.fetched_at), f.sentence
FROM entities e
LEFT JOIN first_mention f ON f.entity_id = e.entity_id AND f.n = 1
LEFT JOIN articles a ON a.article_id = coalesce(e.first_article_id, f.article_id)
LEFT JOIN named n ON n.entity_id = e.entity_id
WHERE {_NEW}
ORDER BY e.kind, e.first_seen_at, e.name
"""

_STORIES = """
WITH copies AS (
  SELECT * FROM story_copies WHERE $since IS NULL OR copy_fetched_at >= $since
),
top AS (
  SELECT original_id, count(*) AS n, max(copy_fetched_at) AS latest
  FROM copies GROUP BY original_id ORDER BY n DESC, latest DESC, original_id LIMIT $limit
)
SELECT c.original_id, c.original_title, c.original_source, c.original_url, c.original_is_seed,
       c.copy_title, c.copy_source, c.copy_url, c.match, c.similarity
FROM copies c JOIN top t USING (original_id)
ORDER BY t.n DESC, t.latest DESC, c.original_id, c.similarity DESC NULLS LAST, c.copy_title
"""

_FEEDS = """
WITH stored AS (
  SELECT a.feed_url, count(*) AS articles FROM articles a
  WHERE NOT a.is_seed AND ($since IS NULL OR a.fetched_at >= $since) GROUP BY a.feed_url
)
SELECT f.feed_url, f.last_polled_at, f.last_status, f.consecutive_failures, f.last_error,
       f.next_poll_at, coalesce(s.articles, 0)
FROM feed_state f LEFT JOIN stored s USING (feed_url)
ORDER BY f.consecutive_failures DESC, f.feed_url
"""


# Towns named by the articles one run stored; new: first seen in that run (by its first
# article's run when the entity predates `first_run_id`), not in the seed baseline.
_RUN_TOWNS = """
WITH named AS (
  SELECT m.entity_id, count(DISTINCT m.article_id) AS articles
  FROM mentions m JOIN articles a USING (article_id)
  WHERE a.run_id = $run AND NOT a.is_seed GROUP BY m.entity_id
)
SELECT e.name, e.latitude, e.longitude, e.country_code, e.region, n.articles,
       (NOT e.in_seed_baseline AND coalesce(e.first_run_id, fa.run_id) IS NOT DISTINCT FROM $run)
         AS is_new
FROM entities e JOIN named n USING (entity_id)
LEFT JOIN articles fa ON fa.article_id = e.first_article_id
WHERE e.kind = 'town'
ORDER BY is_new DESC, n.articles DESC, e.name
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[tuple]:
    return con.execute(sql, params).fetchall()


def _days(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> list[DayCount]:
    by_day: dict[date, list[int]] = {}
    for day, originals, copies in _rows(con, _ARTICLE_DAYS, params):
        by_day.setdefault(day, [0, 0, 0, 0])[0:2] = [int(originals), int(copies)]
    for day, actors, towns in _rows(con, _ENTITY_DAYS, params):
        by_day.setdefault(day, [0, 0, 0, 0])[2:4] = [int(actors), int(towns)]
    return [DayCount(day, *counts) for day, counts in sorted(by_day.items())]


def _stories(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> list[ReprintedStory]:
    stories: dict[str, ReprintedStory] = {}
    for row in _rows(con, _STORIES, {**params, "limit": MAX_STORIES}):
        original_id, title, source, url, is_seed, *copy = row
        story = stories.setdefault(
            original_id, ReprintedStory(title, source, url, bool(is_seed), [])
        )
        story.copies.append(StoryCopy(copy[0], copy[1], copy[2], str(copy[3]), copy[4]))
    return list(stories.values())


def read_report(
    con: duckdb.DuckDBPyConnection, since: datetime | None, generated_at: datetime
) -> ReportData:
    """Everything the report shows, for articles and entities stored since `since`."""
    params: dict[str, Any] = {"since": since}
    totals = Totals(*(int(v) for v in _rows(con, _TOTALS, params)[0]))
    towns = [
        TownPoint(str(r[0]), r[1], r[2], r[3], r[4], int(r[5]), bool(r[6]))
        for r in _rows(con, _TOWNS, params)
    ]
    entities = [
        NewEntity(str(r[0]), r[1], str(r[2]), r[3], r[4], r[5], int(r[6]), r[7], r[8], r[9],
                  r[10], r[11])
        for r in _rows(con, _NEW_ENTITIES, params)
    ]
    feeds = [
        FeedHealth(str(r[0]), r[1], r[2], int(r[3] or 0), r[4], r[5], int(r[6]))
        for r in _rows(con, _FEEDS, params)
    ]
    return ReportData(
        since=since,
        generated_at=generated_at,
        totals=totals,
        days=_days(con, params),
        towns=towns,
        new_entities=entities,
        stories=_stories(con, params),
        feeds=feeds,
    )


def read_run_map(
    con: duckdb.DuckDBPyConnection, run_id: str, until: datetime
) -> RunMapData:
    """The towns named in the articles run `run_id` stored (with or without coordinates),
    and the timeline of the RUN_TIMELINE_DAYS days up to `until` (as in the report)."""
    towns = [
        TownPoint(str(r[0]), r[1], r[2], r[3], r[4], int(r[5]), bool(r[6]))
        for r in _rows(con, _RUN_TOWNS, {"run": run_id})
    ]
    since = until - timedelta(days=RUN_TIMELINE_DAYS)
    return RunMapData(run_id, towns, _days(con, {"since": since}))


def read_report_data(
    db_path: str | Path,
    since: datetime | None,
    generated_at: datetime,
    *,
    lock_wait_s: float | None = None,
) -> ReportData:
    """`read_report` on the warehouse file `db_path` (usually its read copy), read-only."""
    with opened(db_path, create=False, read_only=True, lock_wait_s=lock_wait_s) as con:
        try:
            return read_report(con, since, generated_at)
        except duckdb.Error as e:
            raise WarehouseError(
                f"cannot read the report's data from {db_path}: {' '.join(str(e).split())}",
                path=str(db_path),
            ) from e
