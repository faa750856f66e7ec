"""The decision: what an entity is, from all its mentions' evidence, or dropped.

`_decide` weighs known type, context cues, name words, gazetteer and model labels, in that
order of trust, and returns (kind, subtype, evidence, confidence); countries, regions,
media, journalists, foreign cities and unsupported guesses are dropped. The evidence codes
are the ones alerts/evidence.py explains.
"""

from __future__ import annotations

import re
from collections import Counter

from extractors.entities.aliases import guess_subtype
from extractors.entities.gazetteer import Gazetteer
from extractors.entities.grouping import _Group
from extractors.entities.knowledge import STATE_WORDS
from extractors.entities.names import given_name_person
from extractors.entities.normalize import norm_tokens
from extractors.entities.records import Place


def _decide(
    group: _Group, text: str, place: Place | None, gazetteer: Gazetteer
) -> tuple[str, str | None, tuple[str, ...], float] | None:
    """(kind, subtype, evidence, confidence) of an entity, or None to drop it."""
    known = group.known
    if known is not None:
        if known.kind == "actor":
            subtype = known.subtype or guess_subtype(known.name) or "organisation"
            return "actor", subtype, ("known",), 1.0
        if known.kind == "town":
            return "town", None, ("known",), 1.0
        return None
    cues: set[str] = set().union(*(c.cues for c in group.cands))
    labels = Counter(label for c in group.cands for label in c.labels)
    surfaces = group.surfaces(text)
    longest = max(surfaces, key=lambda s: (len(norm_tokens(s)), len(s)))
    if place is None and all(c.weak for c in group.cands):
        return None  # only seen where capitals mean nothing (headline case, sentence start)
    if cues & {"media", "journalist", "title_tail"}:
        return None
    if _NOT_A_NAME.search(longest):
        return None  # "Tuareg-led", "Government of the Russian Federation", "Porte-parole du …"
    named = guess_subtype(longest)
    single = len(norm_tokens(longest)) == 1 and " " not in longest
    # "Depuis Dakar, le ministre ...": a city before a role is not that role's holder
    a_city = single and (place is not None or gazetteer.foreign(longest))
    if "person" in cues and not a_city:
        return "actor", "person", ("title-or-role",), 0.9
    if _OPERATION_NAME.match(longest) and place is None:
        return "actor", "organisation", ("operation-cue",), 0.85
    if place is None and named is None and any(given_name_person(s) for s in surfaces):
        return "actor", "person", ("given-name",), 0.8
    person_votes = labels["person"]
    if (
        place is None
        and not (person_votes and person_votes >= labels["org"] + labels["place"] + labels["area"])
        and (
            "foreign" in cues
            # a namesake abroad does not outweigh the text saying it is a town here
            # ("la ville de Léré", "Léré, in the Timbuktu region")
            or (gazetteer.foreign(longest) and not cues & {"town", "town_geo"})
        )
    ):
        return None  # "Paris", "Benghazi, Libya"; not "Stephen Harper" (Harper, Liberia)
    if "operation" in cues and place is None:
        return "actor", "organisation", ("operation-cue",), 0.85
    if "town" in cues:
        return "town", None, ("town-cue",), 0.9
    if "armed" in cues:
        if named == "state" or set(norm_tokens(longest)) & STATE_WORDS:
            return "actor", "state", ("armed-group-cue", "name-words"), 0.8
        return "actor", "armed_group", ("armed-group-cue",), 0.85
    if "org" in cues:
        return "actor", named or "organisation", ("organisation-cue",), 0.8
    if named is not None and (len(norm_tokens(longest)) >= 2 or "acronym" in cues):
        return "actor", named, ("name-words",), 0.75
    if "town_geo" in cues:
        return "town", None, ("location-cue",), 0.8
    if place is not None:
        return "town", None, ("gazetteer",), 0.85
    if "acronym" in cues:
        return "actor", "organisation", ("acronym",), 0.6
    if "person_weak" in cues and _person_shape(longest):
        return "actor", "person", ("role",), 0.7
    person, org, plc, area = labels["person"], labels["org"], labels["place"], labels["area"]
    if single and "loc_strict" in cues and not cues & {"speech", "person_weak"}:
        if gazetteer.foreign(longest):
            return None  # "à Lomé": a city abroad the model took for a person
        # one word "in X" / "à X" / "near X": a place, whatever the model took it for
        # (the small models often call a Malian village a person or an organisation)
        return "town", None, ("model", "locative"), 0.65 if plc else 0.6
    if person and person >= max(org, plc + area):
        if _person_shape(longest):
            return "actor", "person", ("model",), 0.7
        if "speech" in cues:
            return "actor", "person", ("model", "speech"), 0.55
        return None
    if "group" in cues and (org or not labels):
        return "actor", "armed_group", ("group-cue",), 0.6
    if org and org >= plc + area:
        single = len(norm_tokens(longest)) == 1
        if single and "told" in cues:
            return None  # "told X": a medium
        if single and not _acronym_shape(longest) and len(group.cands) < 2:
            return None  # one capitalised word, once, with nothing else to say it is a body
        # several words, an acronym or several mentions: the model's guess holds
        return "actor", "organisation", ("model",), 0.6
    if plc and plc >= area:
        if _acronym_shape(longest) and len(longest) <= 5:
            return None  # "EI", "MNLA": acronyms name bodies, not villages
        if "loc" in cues:
            return "town", None, ("model", "locative"), 0.7
        votes = plc + (1 if len(group.cands) > 1 else 0)
        return "town", None, ("model",), 0.65 if votes >= 2 else 0.6
    return None


_NOT_A_NAME = re.compile(
    r"-(?:led|linked|backed|based|allied|affiliated|dominated|controlled|held|run)$"
    r"|^(?i:(?:the|le|la|l['’])[ \t]*)?(?i:government|gouvernement|porte-parole|spokesman|"
    r"spokesperson)\b"
)
_OPERATION_NAME = re.compile(r"(?i:operation|opération)[ \t]+\S")


def _person_shape(surface: str) -> bool:
    """Two or more capitalised words: "Moussa Ag Assarid", "J. Peter Pham"."""
    words = surface.split()
    caps = [w for w in words if w[:1].isupper()]
    return len(caps) >= 2 and not surface.isupper()


def _acronym_shape(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= len(letters) - 1
