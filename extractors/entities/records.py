"""Dataclasses of the entity extractor: what goes in (spans, places, known entities) and
what comes out (mentions and entity candidates)."""

from __future__ import annotations

from dataclasses import dataclass, field

from extractors.entities.normalize import canonical_key

__all__ = [
    "ACTOR_SUBTYPES",
    "EntityCandidate",
    "KnownEntity",
    "Mention",
    "Place",
    "RawSpan",
]

# kind 'actor' subtypes; kind 'town' has subtype None.
ACTOR_SUBTYPES = ("person", "armed_group", "organisation", "state")
# Kinds a known entity may have. Only 'actor' and 'town' are ever output; the others exist so
# that countries, regions and noise (media, platforms, peoples, weekdays) are recognised and
# dropped rather than guessed at.
KNOWN_KINDS = ("actor", "town", "country", "region", "ignore")


@dataclass(frozen=True, slots=True)
class RawSpan:
    """One named-entity span from a model: character offsets into the text it was given."""

    start: int
    end: int
    label: str  # the model's label: PERSON, ORG, GPE, LOC, NORP, FAC, PER, MISC ...
    text: str


@dataclass(frozen=True, slots=True)
class Place:
    """A populated place (GeoNames feature class P)."""

    geoname_id: int | None
    name: str
    ascii_name: str
    alternate_names: tuple[str, ...]
    latitude: float
    longitude: float
    country_code: str
    admin1: str | None = None  # GeoNames admin1 code ("04")
    region: str | None = None  # admin1 name when known ("Mopti")
    population: int = 0
    feature_code: str = "PPL"


@dataclass(frozen=True, slots=True)
class KnownEntity:
    """An entity known before the text is read: built in, from the alias file, or stored."""

    name: str
    kind: str  # one of KNOWN_KINDS
    subtype: str | None = None
    aliases: frozenset[str] = frozenset()
    key: str = ""  # canonical_key(name, kind) when empty
    latitude: float | None = None
    longitude: float | None = None
    country_code: str | None = None
    region: str | None = None

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", canonical_key(self.name, self.kind))

    @property
    def names(self) -> frozenset[str]:
        return self.aliases | {self.name}


@dataclass(frozen=True, slots=True)
class Mention:
    """One occurrence of an entity in an article."""

    surface: str  # the text as written (titles and possessives removed)
    start_char: int  # offsets into the article text; negative: in the headline before it
    end_char: int
    sentence: str  # the sentence containing the mention
    canonical_key: str


@dataclass
class EntityCandidate:
    """An actor or town found in one article, its mentions resolved to one canonical key."""

    key: str
    kind: str  # 'actor' | 'town'
    subtype: str | None  # person | armed_group | organisation | state (actors); None (towns)
    name: str  # best display form
    aliases: set[str] = field(default_factory=set)
    mentions: list[Mention] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    country_code: str | None = None
    region: str | None = None
    known: bool = False  # resolved to a known entity (built-in, alias file or stored)
    evidence: tuple[str, ...] = ()  # why it was typed so: "known", "town-cue", "title" ...
    confidence: float = 0.5  # 0..1, from the strongest evidence
