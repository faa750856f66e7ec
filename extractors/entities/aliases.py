"""Known entities and their aliases: the built-in list, the user's alias file, stored entities.

`AliasTable` answers "which known entity is this name?" — by exact normalised name (accents,
case, hyphens and full stops ignored), by surname for people, and by scanning a text for every
known name. `load_alias_file` reads the user's TOML file:

```toml
# canonical name = a table with kind, subtype and aliases
["Jama'at Nusrat al-Islam wal-Muslimin"]
kind = "actor"            # actor | town | ignore (never report) | country | region
subtype = "armed_group"   # person | armed_group | organisation | state (actors)
aliases = ["JNIM", "GSIM", "Groupe de soutien à l'islam et aux musulmans"]

["Ogossagou"]
kind = "town"
aliases = ["Ogossagou-Peul"]
latitude = 14.2
longitude = -3.6
country_code = "ML"

# or the short form: an actor and its aliases
"Katiba Serma" = ["Serma"]
```
"""

from __future__ import annotations

import tomllib
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import replace
from os import PathLike
from pathlib import Path
from typing import TypeVar

from extractors.entities.knowledge import (
    ARMED_WORDS,
    ORG_WORDS,
    STATE_WORDS,
    builtin_entities,
    common_english_words,
)
from extractors.entities.normalize import (
    PhraseIndex,
    Token,
    find_phrases,
    has_upper,
    norm,
    norm_tokens,
    skeleton,
)
from extractors.entities.records import ACTOR_SUBTYPES, KNOWN_KINDS, KnownEntity
from extractors.errors import MonitorError

__all__ = ["AliasFileError", "AliasTable", "guess_subtype", "load_alias_file"]

V = TypeVar("V", list[str], set[str])


_MIN_SKELETON = 5  # shorter spelling-blind forms collide: "Gao", "Goa"


class AliasFileError(MonitorError):
    """The alias file cannot be read or has an invalid entry."""

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


def guess_subtype(name: str) -> str | None:
    """Subtype from the words of an actor's name ("... Liberation Front" -> armed_group)."""
    tokens = set(norm_tokens(name))
    joined = " ".join(norm_tokens(name))
    if tokens & ARMED_WORDS or "islamic state" in joined or "etat islamique" in joined:
        return "armed_group"
    if tokens & STATE_WORDS:
        return "state"
    if tokens & ORG_WORDS:
        return "organisation"
    return None


def _accents(name: str) -> int:
    return sum(1 for c in name if ord(c) > 127)


def _short_caps(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(letters) <= 5


def case_fits(alias: str, surface: str) -> bool:
    """May `surface` (as written) be a mention of `alias`? Short acronyms need their case
    ("AU" is not "au", "IS" not "is"); other names need a capital somewhere."""
    if _short_caps(alias):
        if all(c.isupper() for c in surface if c.isalpha()):
            return True
        # French writes acronyms of four letters and more as names: "Mujao", "Aqmi", "Gatia"
        letters = [c for c in alias if c.isalpha()]
        return (
            len(letters) >= 4
            and surface[:1].isupper()
            and surface[1:].islower()
            and norm(surface) not in common_english_words()
        )
    return has_upper(surface)


class AliasTable:
    """Known entities indexed by every name they go by.

    The name indexes are built on first use and then kept up to date as entities are added,
    so learning one entity costs its own names, not the whole table (100,000 stored
    articles mean tens of thousands of names). `overlay()` gives a table that adds on top of
    this one without copying it.
    """

    def __init__(self, entities: Iterable[KnownEntity] = ()) -> None:
        self._entities: MutableMapping[str, KnownEntity] = {}
        # entity key -> when it was first added: of several entities going by one name,
        # the earliest wins, however the indexes were built
        self._order: MutableMapping[str, int] = {}
        self._next_order = 0
        self._by_norm: MutableMapping[str, list[str]] = {}
        self._by_skeleton: MutableMapping[str, list[str]] = {}  # spelling variants
        self._by_first_last: MutableMapping[str, list[str]] = {}  # people: "amadou toure"
        self._surnames: MutableMapping[str, set[str]] = {}
        self._base: AliasTable | None = None
        # names -> (key, name as written); and surnames -> themselves. None: not built yet.
        self._index: PhraseIndex[tuple[str, str]] | None = None
        self._surname_index: PhraseIndex[str] | None = None
        for entity in entities:
            self.add(entity)

    @classmethod
    def builtin(cls) -> AliasTable:
        return cls(builtin_entities())

    # ------------------------------------------------------------------ building
    def add(self, entity: KnownEntity) -> KnownEntity:
        """Add an entity, or merge its aliases into the one with the same key."""
        old = self._entities.get(entity.key)
        if old is not None:
            # keep the richer display form of the same name ("Goïta" over "Goita")
            better = _accents(entity.name) > _accents(old.name) and norm(entity.name) == norm(
                old.name
            )
            entity = replace(
                old,
                name=entity.name if better else old.name,
                aliases=(old.aliases | entity.aliases | {entity.name, old.name})
                - {entity.name if better else old.name},
                subtype=old.subtype or entity.subtype,
                latitude=old.latitude if old.latitude is not None else entity.latitude,
                longitude=old.longitude if old.longitude is not None else entity.longitude,
                country_code=old.country_code or entity.country_code,
                region=old.region or entity.region,
            )
        else:
            self._order[entity.key] = self._next_order
            self._next_order += 1
        self._entities[entity.key] = entity
        for name in entity.names:
            n = norm(name)
            if not n:
                continue
            keys = _own(self._by_norm, n, list)
            if entity.key not in keys:
                keys.append(entity.key)
            sk = skeleton(name)
            if len(sk) >= _MIN_SKELETON:
                keys = _own(self._by_skeleton, sk, list)
                if entity.key not in keys:
                    keys.append(entity.key)
            if self._index is not None:
                self._index.add(name, (entity.key, name))
        if entity.kind == "actor" and entity.subtype == "person":
            for name in entity.names:
                first_last = _first_last(name)
                if first_last:
                    keys = _own(self._by_first_last, first_last, list)
                    if entity.key not in keys:
                        keys.append(entity.key)
            for surname in _surnames(entity):
                _own(self._surnames, surname, set).add(entity.key)
                if self._surname_index is not None and _indexable_surname(surname):
                    self._surname_index.add(surname, surname)
        return entity

    def merged(self, entities: Iterable[KnownEntity]) -> AliasTable:
        """A copy with more entities (the built-in list + an alias file + stored entities)."""
        table = self.copy()
        for entity in entities:
            table.add(entity)
        return table

    def copy(self) -> AliasTable:
        """An independent table with the same entities."""
        table = AliasTable()
        table._entities = dict(self._entities)
        table._order = dict(self._order)
        table._next_order = self._next_order
        table._by_norm = {k: list(v) for k, v in self._by_norm.items()}
        table._by_skeleton = {k: list(v) for k, v in self._by_skeleton.items()}
        table._by_first_last = {k: list(v) for k, v in self._by_first_last.items()}
        table._surnames = {k: set(v) for k, v in self._surnames.items()}
        return table

    def overlay(self) -> AliasTable:
        """A table that sees this one and keeps its own additions to itself.

        Cheap whatever the size of this table: nothing is copied. Later additions to this
        table show through; use it for short-lived work (one batch of articles).
        """
        table = AliasTable()
        table._base = self
        table._entities = ChainMap({}, self._entities)
        table._order = ChainMap({}, self._order)
        table._next_order = self._next_order
        table._by_norm = ChainMap({}, self._by_norm)
        table._by_skeleton = ChainMap({}, self._by_skeleton)
        table._by_first_last = ChainMap({}, self._by_first_last)
        table._surnames = ChainMap({}, self._surnames)
        table._index = PhraseIndex()
        table._surname_index = PhraseIndex()
        return table

    def prepare(self) -> None:
        """Build the name indexes now rather than on the first search."""
        self._name_indexes()
        self._surname_indexes()

    def _name_indexes(self) -> list[PhraseIndex[tuple[str, str]]]:
        if self._index is None:
            index: PhraseIndex[tuple[str, str]] = PhraseIndex()
            for entity in self._entities.values():
                for name in entity.names:
                    index.add(name, (entity.key, name))
            self._index = index
        below = self._base._name_indexes() if self._base is not None else []
        return [*below, self._index]

    def _surname_indexes(self) -> list[PhraseIndex[str]]:
        if self._surname_index is None:
            surnames: PhraseIndex[str] = PhraseIndex()
            for surname in self._surnames:
                if _indexable_surname(surname):
                    surnames.add(surname, surname)
            self._surname_index = surnames
        below = self._base._surname_indexes() if self._base is not None else []
        return [*below, self._surname_index]

    # ------------------------------------------------------------------ queries
    def __len__(self) -> int:
        return len(self._entities)

    def __iter__(self) -> Iterator[KnownEntity]:
        return iter(self._entities.values())

    def __contains__(self, key: object) -> bool:
        return key in self._entities

    def get(self, key: str) -> KnownEntity | None:
        return self._entities.get(key)

    def resolve(self, name: str) -> KnownEntity | None:
        """The known entity called exactly `name` (normalised), if exactly one kind fits."""
        keys = self._by_norm.get(norm(name))
        if keys:
            for entity in (self._entities[k] for k in keys):
                if any(
                    case_fits(alias, name) for alias in entity.names if norm(alias) == norm(name)
                ):
                    return entity
            return None
        return self.resolve_variant(name) or self.resolve_person(name)

    def resolve_person(self, name: str) -> KnownEntity | None:
        """The one known person with the same first and last names, middle names aside:
        "Amadou Touré" is "Amadou Toumani Touré" and the other way round."""
        first_last = _first_last(name)
        keys = self._by_first_last.get(first_last) if first_last else None
        if not keys or len(set(keys)) != 1:
            return None
        return self._entities[keys[0]]

    def resolve_variant(self, name: str) -> KnownEntity | None:
        """The one known entity of which `name` is a spelling variant ("Ançar Dine" for
        "Ansar Dine", "Ngolo" for "N'Golo"); names too short to tell apart are not tried."""
        sk = skeleton(name)
        if len(sk) < _MIN_SKELETON or not name[:1].isupper():
            return None
        keys = self._by_skeleton.get(sk)
        if not keys or len(set(keys)) != 1:
            return None
        return self._entities[keys[0]]

    def resolve_surname(self, name: str) -> KnownEntity | None:
        """The one known person whose name ends with `name` ("Hollande", "Le Drian")."""
        keys = self._surnames.get(norm(name))
        if keys is None or len(keys) != 1:
            return None
        return self._entities[next(iter(keys))]

    def find(self, text: str, tokens: list[Token]) -> Iterator[tuple[int, int, KnownEntity]]:
        """Every known name in `text` (leftmost-longest), with the entity it names."""
        for start, end, payloads in find_phrases(self._name_indexes(), text, tokens):
            surface = text[start:end]
            if len(payloads) > 1:
                payloads.sort(key=lambda payload: self._order[payload[0]])
            for key, alias in payloads:
                if case_fits(alias, surface):
                    yield start, end, self._entities[key]
                    break

    def find_surnames(
        self, text: str, tokens: list[Token]
    ) -> Iterator[tuple[int, int, KnownEntity]]:
        """Surnames of known people in `text` ("Sangho" for "Amadou Diallo Sangho"), when
        exactly one known person has that surname and it is capitalised and 4+ letters."""
        unique = self._unique_surname
        for start, end, found in find_phrases(self._surname_indexes(), text, tokens, unique):
            if text[start].isupper():
                yield start, end, self._entities[next(iter(self._surnames[found[0]]))]

    def _unique_surname(self, surname: str) -> bool:
        return len(self._surnames.get(surname, ())) == 1


def _first_last(name: str) -> str | None:
    words = name.split()
    if len(words) < 2 or not all(w[:1].isupper() for w in (words[0], words[-1])):
        return None
    toks = norm_tokens(name)
    return f"{toks[0]} {toks[-1]}" if len(toks) >= 2 else None


def _own(mapping: MutableMapping[str, V], key: str, make: Callable[..., V]) -> V:
    """`mapping[key]`, created if missing, and this table's own to change: in an overlay
    (a ChainMap) a value still shared with the base is copied first."""
    value = mapping.get(key)
    if value is None:
        value = mapping[key] = make()
    elif isinstance(mapping, ChainMap) and key not in mapping.maps[0]:
        value = mapping[key] = make(value)
    return value


def _surnames(person: KnownEntity) -> set[str]:
    """The last word and the last two words of each of a person's names of 2+ words."""
    out: set[str] = set()
    for name in person.names:
        toks = norm_tokens(name)
        for k in (1, 2):
            if len(toks) > k:
                out.add(" ".join(toks[-k:]))
    return out


def _indexable_surname(surname: str) -> bool:
    """Surnames of 3 letters or fewer ("Ag", "Ba") match too much text to be looked for."""
    return len(surname.replace(" ", "")) >= 4


def load_alias_file(path: str | PathLike[str]) -> list[KnownEntity]:
    """Read the user's alias file (TOML: canonical name -> kind, subtype, aliases)."""
    where = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise AliasFileError(f"cannot read the alias file ({e.strerror})", path=where) from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise AliasFileError(f"not valid TOML ({e})", path=where) from e
    out: list[KnownEntity] = []
    for name, value in data.items():
        if not name.strip():
            raise AliasFileError("an entry has an empty name", path=where)
        if isinstance(value, list):
            value = {"aliases": value}
        if not isinstance(value, dict):
            raise AliasFileError(f"{name!r}: expected a table or a list of aliases", path=where)
        kind = value.get("kind", "actor")
        if kind not in KNOWN_KINDS:
            raise AliasFileError(
                f"{name!r}: kind must be one of {', '.join(KNOWN_KINDS)}, not {kind!r}", path=where
            )
        subtype = value.get("subtype")
        if kind == "actor":
            subtype = subtype or guess_subtype(name) or "organisation"
            if subtype not in ACTOR_SUBTYPES:
                allowed = ", ".join(ACTOR_SUBTYPES)
                raise AliasFileError(
                    f"{name!r}: subtype must be one of {allowed}, not {subtype!r}", path=where
                )
        aliases = value.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise AliasFileError(f"{name!r}: aliases must be a list of strings", path=where)
        unknown = set(value) - {
            "kind",
            "subtype",
            "aliases",
            "latitude",
            "longitude",
            "country_code",
            "region",
        }
        if unknown:
            raise AliasFileError(f"{name!r}: unknown keys {sorted(unknown)}", path=where)
        try:
            lat = float(value["latitude"]) if "latitude" in value else None
            lon = float(value["longitude"]) if "longitude" in value else None
        except (TypeError, ValueError) as e:
            raise AliasFileError(f"{name!r}: latitude/longitude must be numbers", path=where) from e
        out.append(
            KnownEntity(
                name=name.strip(),
                kind=kind,
                subtype=subtype if kind == "actor" else None,
                aliases=frozenset(a.strip() for a in aliases if a.strip()),
                latitude=lat,
                longitude=lon,
                country_code=value.get("country_code"),
                region=value.get("region"),
            )
        )
    return out
