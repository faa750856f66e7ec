"""Novelty: which extracted entities are new, which mentions to keep, which to alert on.

An entity is new when its canonical key was never stored before (in the seed baseline or
any earlier article). Copies (`duplicate_of` set) bring nothing new: their entities were
extracted from the original. Low-confidence guesses (a model label with no supporting
context) are neither stored nor alerted, so the same name read later with real evidence
is still new then.

A weak new entity (a model guess above `min_confidence` but below `strong_confidence`) is
held when fewer than `min_sources` sources named it, as EMM does: stored with its mentions,
so it is known and its later mentions are recorded, but not alerted. Once its mentions come
from `min_sources` distinct sources (`release_held`), its alert is queued. A source is the
article's feed name, else the host of its feed (or page); seeds never count. With the
default `min_sources = 1` nothing is ever held.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from extractors.entities.records import EntityCandidate, Mention
from extractors.models import Article


@dataclass(frozen=True)
class NoveltySettings:
    min_confidence: float = 0.6  # below: a model-only guess, not an entity
    min_mentions: int = 1  # mentions in this batch's original articles before an alert
    alert_actors: bool = True
    alert_towns: bool = True
    alert_countries: frozenset[str] = frozenset({"ML"})  # towns elsewhere: stored, not alerted
    min_sources: int = 1  # sources that must name a weak new name before it is alerted
    # at or above: cue, gazetteer, known or given-name evidence (0.75-1.0); below: a
    # model-only guess (0.5-0.7), "weak", held until min_sources sources named it
    strong_confidence: float = 0.75


@dataclass
class NewEntity:
    candidate: EntityCandidate
    first_article_id: str
    first_seen_at: datetime
    in_seed_baseline: bool
    alert: bool
    held: bool = False  # weak, too few sources yet: stored, alert waits (`release_held`)


@dataclass
class EntityWrites:
    """What one batch adds to `entities`, `mentions` and the alert outbox."""

    new_entities: list[NewEntity] = field(default_factory=list)
    mentions: list[tuple[str, str, Mention]] = field(default_factory=list)  # article, entity
    aliases: dict[str, set[str]] = field(default_factory=dict)  # known entity -> names seen

    @property
    def alerts(self) -> list[tuple[str, str]]:
        """(entity_id, article_id) of each new entity to alert on."""
        return [(e.candidate.key, e.first_article_id) for e in self.new_entities if e.alert]


@dataclass(frozen=True)
class HeldEntity:
    """A stored entity whose alert is held, with the sources that named it so far."""

    key: str
    kind: str
    country_code: str | None
    first_article_id: str | None
    sources: frozenset[str]


def source_of(source: str | None, feed_url: str | None, url: str | None) -> str:
    """The source an article counts for: its feed's name, else the host of its feed (or,
    without one, of its page); "" when there is none."""
    if source and source.strip():
        return source.strip()
    for address in (feed_url, url):
        try:
            host = urlsplit(address or "").hostname
        except ValueError:
            host = None
        if host:
            return host.rstrip(".").removeprefix("www.")
    return ""


def article_sources(articles: Iterable[Article]) -> dict[str, str]:
    """{article_id: source} of the articles that count as sources (seeds never do)."""
    return {
        a.article_id: source_of(a.source, a.feed_url, a.url) for a in articles if not a.is_seed
    }


def assess_novelty(
    found: Mapping[str, Sequence[EntityCandidate]],
    *,
    known_keys: Collection[str],
    seen_at: datetime,
    baseline: bool = False,
    settings: NoveltySettings | None = None,
    sources: Mapping[str, str] | None = None,
) -> EntityWrites:
    """Sort a batch's candidates ({article_id: candidates}, articles in reading order)
    into new entities, mentions of all confident entities, and aliases learned.

    `sources` ({article_id: source}, `article_sources`) counts, for `min_sources`, the
    sources of this batch that name each weak new entity; an article missing from it counts
    for none."""
    settings = settings or NoveltySettings()
    sources = sources or {}
    writes = EntityWrites()
    new: dict[str, NewEntity] = {}
    mention_count: dict[str, int] = {}
    named_by: dict[str, set[str]] = {}  # new entity -> the batch's sources naming it
    confidence: dict[str, float] = {}  # new entity -> its strongest evidence in the batch
    for article_id, candidates in found.items():
        for candidate in candidates:
            if candidate.confidence < settings.min_confidence:
                continue
            key = candidate.key
            mention_count[key] = mention_count.get(key, 0) + len(candidate.mentions)
            if key not in known_keys:
                if sources.get(article_id):
                    named_by.setdefault(key, set()).add(sources[article_id])
                confidence[key] = max(confidence.get(key, 0.0), candidate.confidence)
            writes.mentions.extend((article_id, key, m) for m in candidate.mentions)
            if key in known_keys:
                writes.aliases.setdefault(key, set()).update(_names(candidate))
            elif key in new:
                new[key].candidate.aliases.update(_names(candidate))
            else:
                new[key] = NewEntity(candidate, article_id, seen_at, baseline, alert=False)
    for key, entity in new.items():
        alert = (
            not baseline
            and mention_count[key] >= settings.min_mentions
            and _wanted(entity.candidate.kind, entity.candidate.country_code, settings)
        )
        entity.held = (
            alert
            and settings.min_sources > 1
            and confidence[key] < settings.strong_confidence
            and len(named_by.get(key, ())) < settings.min_sources
        )
        entity.alert = alert and not entity.held
    writes.new_entities = list(new.values())
    return writes


def release_held(
    held: Iterable[HeldEntity], settings: NoveltySettings | None = None
) -> tuple[list[tuple[str, str | None]], list[str]]:
    """The held entities named by enough sources now: (entity_id, first article) of those
    to alert on, and the keys of all of them, held no longer. One that the alert settings
    exclude now (`alert_actors`, `alert_towns`, `alert_countries`) is released unalerted,
    as a new entity they exclude is never alerted later."""
    settings = settings or NoveltySettings()
    alerts: list[tuple[str, str | None]] = []
    released: list[str] = []
    for entity in held:
        if len(entity.sources - {""}) < settings.min_sources:
            continue
        released.append(entity.key)
        if _wanted(entity.kind, entity.country_code, settings):
            alerts.append((entity.key, entity.first_article_id))
    return alerts, released


def _wanted(kind: str, country_code: str | None, settings: NoveltySettings) -> bool:
    if kind == "actor":
        return settings.alert_actors
    # A town the gazetteer did not place (a cue in the text, no coordinates) is taken as
    # local: the feeds are about Mali.
    abroad = country_code and country_code not in settings.alert_countries
    return settings.alert_towns and not abroad


def _names(candidate: EntityCandidate) -> set[str]:
    return {candidate.name, *candidate.aliases, *(m.surface for m in candidate.mentions)}
