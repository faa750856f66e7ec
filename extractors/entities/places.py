"""Places: cues about where a candidate is, and the gazetteer place of an entity.

"X, Libya" or "X, Mali" (a foreign place or not), "FRANCE 24's X" (a journalist), names
listed beside a Malian town ("between Diarra and Tenenkou"), the gazetteer entry of a
group's names, and a town name with two letters swapped ("Goa" for Gao).
"""

from __future__ import annotations

from extractors.entities.aliases import AliasTable
from extractors.entities.candidates import _Cand, _scan_ok
from extractors.entities.gazetteer import Gazetteer
from extractors.entities.grouping import _Group
from extractors.entities.knowledge import SAHEL_COUNTRY_NAMES, common_french_words
from extractors.entities.normalize import norm
from extractors.entities.records import Place
from extractors.entities.spans import coordinated_spans


def _derive_cues(accepted: list[_Cand], aliases: AliasTable, gazetteer: Gazetteer) -> None:
    """Cues from what the context names: a foreign country after a town, a medium owning a
    journalist ("FRANCE 24's X")."""
    for cand in accepted:
        if cand.foreign_name:
            country = aliases.resolve(cand.foreign_name)
            if country is not None and country.kind == "country":
                if norm(country.name) not in _REGION_COUNTRY_NAMES:
                    cand.cues.add("foreign")
            elif (
                gazetteer.foreign(cand.foreign_name) and gazetteer.lookup(cand.foreign_name) is None
            ):
                cand.cues.add("foreign")
        if cand.possessor:
            words = cand.possessor.split()
            for k in range(1, min(4, len(words)) + 1):
                owner = aliases.resolve(" ".join(words[-k:]))
                if owner is not None and owner.kind == "ignore" and owner.subtype == "media":
                    cand.cues.add("journalist")
                    break


_NOT_A_TOWN = frozenset(["person", "person_name", "armed", "org", "media", "journalist", "region"])


def _coordinated_towns(accepted: list[_Cand], text: str, gazetteer: Gazetteer) -> None:
    """A name listed beside a Malian town after a place preposition is a town too: "an
    ambush between Diarra and Tenenkou" where only Tenenkou is in the gazetteer."""
    by_span = {(c.start, c.end): c for c in accepted}
    home = gazetteer.countries[0]
    for names in coordinated_spans(text):
        members = [by_span.get(span) for span in names]
        towns = [
            c
            for c in members
            if c is not None
            and (
                (c.place is not None and c.place.country_code == home)
                or (c.known is not None and c.known.kind == "town")
            )
        ]
        others = [
            c
            for c in members
            if c is not None
            and all(c is not t for t in towns)
            and c.known is None
            and c.place is None
            and not c.cues & _NOT_A_TOWN
        ]
        if not towns:
            # "around Ber and Léré", "entre Dioura et Diafarabé": one-word names listed after
            # a place preposition, none of them a known body or person, are places too
            single = all(" " not in text[c.start : c.end] for c in others)
            if not (single and len(others) == len(names) and any(
                "loc_strict" in c.cues or "place" in c.labels for c in others
            )):
                continue
        for c in others:
            c.cues.add("town")
        if towns:
            # "between Douentza and Hombori" where nothing proposed Hombori: a name now
            for (s, e), member in zip(names, members, strict=True):
                if member is None and _unclaimed(accepted, s, e) and _plain_name(text[s:e]):
                    accepted.append(_Cand(s, e, "rule", 1, cues={"town", "listed"}))


def _unclaimed(accepted: list[_Cand], start: int, end: int) -> bool:
    return not any(c.start < end and start < c.end for c in accepted)


def _plain_name(surface: str) -> bool:
    """One capitalised word, maybe hyphenated ("Hombori", "Akabar-Ouest"), not a word."""
    return (
        " " not in surface
        and not surface.isupper()
        and _scan_ok(surface)
        and surface.casefold() not in common_french_words()
    )


_REGION_COUNTRY_NAMES = frozenset(norm(n) for n in SAHEL_COUNTRY_NAMES)


def _place_of(group: _Group, text: str, gazetteer: Gazetteer) -> Place | None:
    for cand in group.cands:
        if cand.place is not None:
            return cand.place
    cues = set().union(*(c.cues for c in group.cands))
    labels = {label for c in group.cands for label in c.labels}
    for surface in sorted(set(group.surfaces(text)), key=len, reverse=True):
        place = gazetteer.lookup(surface)
        if place is not None:
            if cues & {"town", "town_geo"}:
                return place
            if place.country_code != gazetteer.countries[0] and gazetteer.collides_abroad(surface):
                continue  # "Ottawa" is not the village in Côte d'Ivoire
            if gazetteer.scannable(place) or labels & {"place", "fac", "area"} or "loc" in cues:
                return place
    if cues & {"town", "town_geo"}:
        for surface in set(group.surfaces(text)):
            place = _misspelt_town(surface, gazetteer)
            if place is not None:
                return place
    return None


_MISSPELT_MIN_POPULATION = 20_000


def _misspelt_town(surface: str, gazetteer: Gazetteer) -> Place | None:
    """The one sizeable Malian town `surface` names with two letters swapped ("Goa" among
    "the cities of Goa and Kidal" is Gao): a word the text calls a town that no gazetteer
    knows, one keystroke from a town everyone writes about."""
    if gazetteer.lookup(surface) is not None or len(surface) < 3 or " " in surface:
        return None
    found = set()
    for i in range(len(surface) - 1):
        if surface[i] == surface[i + 1]:
            continue
        swapped = surface[:i] + surface[i + 1] + surface[i] + surface[i + 2 :]
        place = gazetteer.lookup(swapped)
        if (
            place is not None
            and place.country_code == gazetteer.countries[0]
            and place.population >= _MISSPELT_MIN_POPULATION
        ):
            found.add(place)
    return found.pop() if len(found) == 1 else None
