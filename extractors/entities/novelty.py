"""Novelty: which extracted entities are new, which mentions to keep, which to alert on.

An entity is new when its canonical key was never stored before (in the seed baseline or
any earlier article). Copies (`duplicate_of` set) bring nothing new: their entities were
extracted from the original. Low-confidence guesses (a model label with no supporting
context) are neither stored nor alerted, so the same name read later with real evidence
is still new then.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from extractors.entities.records import EntityCandidate, Mention


@dataclass(frozen=True)
class NoveltySettings:
    min_confidence: float = 0.6  # below: a model-only guess, not an entity
    min_mentions: int = 1  # mentions in this batch's original articles before an alert
    alert_actors: bool = True
    alert_towns: bool = True
    alert_countries: frozenset[str] = frozenset({"ML"})  # towns elsewhere: stored, not alerted
    min_sources: int = 1  # sources that must name a weak new name before it is alerted


@dataclass
class NewEntity:
    candidate: EntityCandidate
    first_article_id: str
    first_seen_at: datetime
    in_seed_baseline: bool
    alert: bool


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


def assess_novelty(
    found: Mapping[str, Sequence[EntityCandidate]],
    *,
    known_keys: Collection[str],
    seen_at: datetime,
    baseline: bool = False,
    settings: NoveltySettings | None = None,
) -> EntityWrites:
    """Sort a batch's candidates ({article_id: candidates}, articles in reading order)
    into new entities, mentions of all confident entities, and aliases learned."""
    settings = settings or NoveltySettings()
    writes = EntityWrites()
    new: dict[str, NewEntity] = {}
    mention_count: dict[str, int] = {}
    for article_id, candidates in found.items():
        for candidate in candidates:
            if candidate.confidence < settings.min_confidence:
                continue
            key = candidate.key
            mention_count[key] = mention_count.get(key, 0) + len(candidate.mentions)
            writes.mentions.extend((article_id, key, m) for m in candidate.mentions)
            if key in known_keys:
                writes.aliases.setdefault(key, set()).update(_names(candidate))
            elif key in new:
                new[key].candidate.aliases.update(_names(candidate))
            else:
                new[key] = NewEntity(candidate, article_id, seen_at, baseline, alert=False)
    for key, entity in new.items():
        entity.alert = (
            not baseline
            and mention_count[key] >= settings.min_mentions
            and _wanted(entity.candidate, settings)
        )
    writes.new_entities = list(new.values())
    return writes


def _wanted(candidate: EntityCandidate, settings: NoveltySettings) -> bool:
    if candidate.kind == "actor":
        return settings.alert_actors
    # A town the gazetteer did not place (a cue in the text, no coordinates) is taken as
    # local: the feeds are about Mali.
    abroad = candidate.country_code and candidate.country_code not in settings.alert_countries
    return settings.alert_towns and not abroad


def _names(candidate: EntityCandidate) -> set[str]:
    return {candidate.name, *candidate.aliases, *(m.surface for m in candidate.mentions)}
