"""`[entities] min_sources` (issue 17): a weak new name (a model-only guess) is stored but its
alert held until that many sources named it, as EMM does; strong names alert at once, and the
default 1 changes nothing.

Each batch goes the way the ingest flow's writer takes it, on a real DuckDB file: novelty
(`assess_novelty`), `store.save_batch` (entities, mentions, alerts in one transaction), then
`release_held_alerts`. The names are INVENTED.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from extractors.entities.novelty import (
    EntityWrites,
    HeldEntity,
    NoveltySettings,
    article_sources,
    assess_novelty,
    release_held,
    source_of,
)
from extractors.entities.records import EntityCandidate, Mention
from extractors.models import Article
from warehouse import store
from warehouse.connection import opened
from warehouse.entities import held_entities, load_entities, release_held_alerts
from warehouse.migrations import migrate

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
CHANNELS = ["email"]
HELD = NoveltySettings(min_sources=2)
_numbers = itertools.count()


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with opened(tmp_path / "warehouse.duckdb", create=True) as connection:
        migrate(connection)
        yield connection


def _article(source: str | None, *, host: str = "news.example.org", seed: bool = False) -> Article:
    n = next(_numbers)
    url = f"https://{host}/story-{n}"
    return Article(
        article_id=f"art-{n}", url=url, canonical_url=url, feed_url=f"https://{host}/rss",
        source=source, title=f"Story {n}", author=None, published_at=NOW, fetched_at=NOW,
        language="en", text="Fighting was reported near Tindirma.", content_hash=f"h{n}",
        text_origin="seed" if seed else "page", is_seed=seed, run_id=None if seed else "run-1",
    )


def _candidate(
    name: str, *, confidence: float = 0.65, kind: str = "town", country: str | None = None
) -> EntityCandidate:
    key = f"{kind}:{name.lower()}"
    sentence = f"Fighting was reported near {name}."
    start = sentence.index(name)
    return EntityCandidate(
        key=key, kind=kind, subtype=None if kind == "town" else "armed_group", name=name,
        aliases={name}, mentions=[Mention(name, start, start + len(name), sentence, key)],
        country_code=country, confidence=confidence,
        evidence=("model",) if confidence < 0.75 else ("town-cue",),
    )


def _batch(
    con: duckdb.DuckDBPyConnection,
    found: Sequence[tuple[Article, Sequence[EntityCandidate]]],
    settings: NoveltySettings = HELD,
) -> tuple[EntityWrites, int]:
    """One batch as the flow's writer stores it; returns the novelty and alerts queued."""
    articles = [a for a, _ in found]
    writes = assess_novelty(
        {a.article_id: list(c) for a, c in found},
        known_keys={e.key for e in load_entities(con)},
        seen_at=NOW,
        settings=settings,
        sources=article_sources(articles),
    )
    saved = store.save_batch(
        con, run_id="run-1", articles=articles,
        entry_keys=[(a.canonical_url, a.feed_url, a.url, a.title) for a in articles],
        skipped=[], errors=[], entity_writes=writes, alert_channels=CHANNELS,
    )
    return writes, saved.alerts_queued + release_held_alerts(con, settings, CHANNELS, NOW)


def _alerts(con: duckdb.DuckDBPyConnection, key: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT channel, article_id FROM alerts WHERE entity_id = ?", [key]
    ).fetchall()


def _held(con: duckdb.DuckDBPyConnection, key: str) -> bool:
    return bool(con.execute(
        "SELECT alert_held FROM entities WHERE entity_id = ?", [key]
    ).fetchall()[0][0])


def _mentions(con: duckdb.DuckDBPyConnection, key: str) -> int:
    return int(con.execute(
        "SELECT count(*) FROM mentions WHERE entity_id = ?", [key]
    ).fetchall()[0][0])


def test_by_default_a_weak_name_alerts_at_once(con: duckdb.DuckDBPyConnection) -> None:
    first = _article("Sahel Wire")
    writes, queued = _batch(con, [(first, [_candidate("Tindirma")])], NoveltySettings())
    assert [(e.alert, e.held) for e in writes.new_entities] == [(True, False)]
    assert queued == 1
    assert _alerts(con, "town:tindirma") == [("email", first.article_id)]
    assert not _held(con, "town:tindirma")
    # and without any source known (the seed baseline's call), nothing is held either
    plain = assess_novelty({"a": [_candidate("Tindirma")]}, known_keys=(), seen_at=NOW)
    assert plain.new_entities[0].alert and not plain.new_entities[0].held


def test_a_weak_name_from_one_source_is_stored_and_held(con: duckdb.DuckDBPyConnection) -> None:
    writes, queued = _batch(con, [(_article("Sahel Wire"), [_candidate("Tindirma")])])
    assert [(e.alert, e.held) for e in writes.new_entities] == [(False, True)]
    assert queued == 0 and _alerts(con, "town:tindirma") == []
    assert _held(con, "town:tindirma") and _mentions(con, "town:tindirma") == 1
    # the same source again, in a later batch: recorded, still held
    writes, queued = _batch(con, [(_article("Sahel Wire"), [_candidate("Tindirma")])])
    assert writes.new_entities == [] and queued == 0
    assert _held(con, "town:tindirma") and _mentions(con, "town:tindirma") == 2
    assert _alerts(con, "town:tindirma") == []


def test_a_second_source_later_queues_exactly_one_alert(con: duckdb.DuckDBPyConnection) -> None:
    first = _article("Sahel Wire")
    _batch(con, [(first, [_candidate("Tindirma")])])
    # a second feed without a name counts as its host
    _, queued = _batch(con, [(_article(None, host="other.example.net"),
                              [_candidate("Tindirma", confidence=1.0)])])
    assert queued == 1
    assert _alerts(con, "town:tindirma") == [("email", first.article_id)]
    assert not _held(con, "town:tindirma")
    # a third source, and a run that finds nothing: no second alert
    _, queued = _batch(con, [(_article("Bamako Daily"), [_candidate("Tindirma")])])
    assert queued == 0 and release_held_alerts(con, HELD, CHANNELS, NOW) == 0
    assert len(_alerts(con, "town:tindirma")) == 1


def test_a_strong_name_alerts_at_once(con: duckdb.DuckDBPyConnection) -> None:
    writes, queued = _batch(
        con, [(_article("Sahel Wire"), [_candidate("Tindirma", confidence=0.75)])]
    )
    assert [(e.alert, e.held) for e in writes.new_entities] == [(True, False)]
    assert queued == 1 and not _held(con, "town:tindirma")


def test_the_strongest_evidence_of_a_batch_decides(con: duckdb.DuckDBPyConnection) -> None:
    writes, _ = _batch(con, [
        (_article("Sahel Wire"), [_candidate("Tindirma")]),
        (_article("Sahel Wire"), [_candidate("Tindirma", confidence=0.9)]),
    ])
    assert [(e.alert, e.held) for e in writes.new_entities] == [(True, False)]


def test_a_weak_town_abroad_is_never_alerted(con: duckdb.DuckDBPyConnection) -> None:
    abroad = _candidate("Tillabéri", country="NE")
    writes, queued = _batch(con, [(_article("Sahel Wire"), [abroad])])
    assert [(e.alert, e.held) for e in writes.new_entities] == [(False, False)]
    _, queued_later = _batch(con, [(_article("Bamako Daily"), [abroad]),
                                   (_article("Niamey Post"), [abroad])])
    assert queued == queued_later == 0 and _alerts(con, "town:tillabéri") == []


def test_a_held_entity_the_settings_now_exclude_is_released_unalerted() -> None:
    held = [
        HeldEntity("town:a", "town", "NE", "art-a", frozenset({"A", "B"})),
        HeldEntity("actor:b", "actor", None, "art-b", frozenset({"A", "B"})),
        HeldEntity("town:c", "town", "ML", "art-c", frozenset({"A"})),
    ]
    alerts, released = release_held(held, NoveltySettings(min_sources=2, alert_actors=False))
    assert alerts == [] and released == ["town:a", "actor:b"]
    # min_sources lowered back to 1: everything held is released and alerted
    alerts, released = release_held(held, NoveltySettings())
    assert alerts == [("actor:b", "art-b"), ("town:c", "art-c")]
    assert released == ["town:a", "actor:b", "town:c"]


def test_two_sources_in_one_batch_alert_in_that_batch(con: duckdb.DuckDBPyConnection) -> None:
    first = _article("Sahel Wire")
    writes, queued = _batch(con, [
        (first, [_candidate("Tindirma")]),
        (_article("Bamako Daily"), [_candidate("Tindirma")]),
    ])
    assert [(e.alert, e.held) for e in writes.new_entities] == [(True, False)]
    assert queued == 1 and _alerts(con, "town:tindirma") == [("email", first.article_id)]


def test_two_batches_of_one_run_alert_in_that_run(con: duckdb.DuckDBPyConnection) -> None:
    from flows.batches import release_held_alerts_task

    _batch(con, [(_article("Sahel Wire"), [_candidate("Tindirma")])])
    second = _article("Bamako Daily")
    writes = assess_novelty(
        {second.article_id: [_candidate("Tindirma")]},
        known_keys={e.key for e in load_entities(con)}, seen_at=NOW, settings=HELD,
        sources=article_sources([second]),
    )
    saved = store.save_batch(
        con, run_id="run-1", articles=[second],
        entry_keys=[(second.canonical_url, second.feed_url, second.url, second.title)],
        skipped=[], errors=[], entity_writes=writes, alert_channels=CHANNELS,
    )
    assert saved.alerts_queued == 0
    released = release_held_alerts_task.fn(con, saved, HELD, CHANNELS)
    assert released.alerts_queued == 1 and len(_alerts(con, "town:tindirma")) == 1


def test_seeds_and_copies_never_count_as_sources(con: duckdb.DuckDBPyConnection) -> None:
    _batch(con, [(_article("Sahel Wire"), [_candidate("Tindirma")])])
    seed = _article("Seed Corpus", seed=True)
    copy = _article("Bamako Daily")
    copy = replace(copy, duplicate_of="art-x")
    store.insert_articles(con, [seed, copy])
    key = "town:tindirma"
    for n, article in enumerate([seed, copy]):
        con.execute(
            "INSERT INTO mentions VALUES (?, ?, 'Tindirma', 'Near Tindirma.', ?)",
            [article.article_id, key, n],
        )
    assert release_held_alerts(con, HELD, CHANNELS, NOW) == 0
    assert [h.sources for h in held_entities(con)] == [frozenset({"Sahel Wire"})]
    assert article_sources([seed]) == {}


def test_a_source_is_the_feed_name_else_its_host() -> None:
    assert source_of(" Sahel Wire ", "https://a.example.org/rss", None) == "Sahel Wire"
    assert source_of("", "https://www.a.example.org/rss", "https://b.example.org/x") == (
        "a.example.org"
    )
    assert source_of(None, None, "https://b.example.org/x") == "b.example.org"
    assert source_of(None, None, "not a url") == ""


def test_towns_abroad_are_stored_with_their_country_and_alerted_only_where_asked() -> None:
    found = {"a1": [_candidate("Tindirma", confidence=0.9, country="ML"),
                    _candidate("Bomoanga", confidence=0.9, country="NE"),
                    _candidate("Tinzawaten", confidence=0.9)]}  # no country: taken as local
    default = assess_novelty(found, known_keys=set(), seen_at=NOW)
    alerted = {e.candidate.name for e in default.new_entities if e.alert}
    assert {e.candidate.name for e in default.new_entities} == {
        "Tindirma", "Bomoanga", "Tinzawaten"}  # all stored
    assert alerted == {"Tindirma", "Tinzawaten"}
    wider = assess_novelty(found, known_keys=set(), seen_at=NOW,
                           settings=NoveltySettings(alert_countries=frozenset({"ML", "NE"})))
    assert {e.candidate.name for e in wider.new_entities if e.alert} == {
        "Tindirma", "Bomoanga", "Tinzawaten"}
