"""Building the entities: mentions, names, keys, coordinates.

Other occurrences of each decided entity's names become mentions (`_propagate`); each
entity gets its canonical key, best display name, aliases and (towns) coordinates and
country (`_build`); two groups with one key are merged; `to_known` turns a result into a
known entity that later articles resolve against.
"""

from __future__ import annotations

import bisect
from collections import Counter

from extractors.entities.candidates import _Cand, _in_zones, _surname
from extractors.entities.context import context_cues
from extractors.entities.grouping import _Group
from extractors.entities.knowledge import GENERIC_WORDS
from extractors.entities.normalize import PhraseIndex, canonical_key, norm_tokens
from extractors.entities.records import EntityCandidate, KnownEntity, Mention, Place
from extractors.entities.stopwords import stop_words


def _propagate(
    decided: list[tuple[_Group, tuple[str, str | None, tuple[str, ...], float], Place | None]],
    accepted: list[_Cand],
    text: str,
    tokens: list,
    zones: list[tuple[int, int]],
) -> None:
    """Add the other occurrences of each entity's names as mentions."""
    index: PhraseIndex[int] = PhraseIndex()
    for gi, (group, (kind, subtype, _, _), _) in enumerate(decided):
        names = set(group.surfaces(text))
        if kind == "actor" and subtype == "person":
            for surface in list(names):
                words = surface.split()
                if len(words) < 2 or not words[-1][:1].isupper():
                    continue
                n_last = len(_surname(norm_tokens(surface)).split())
                last = " ".join(words[-n_last:]) if n_last <= len(words) - 1 else words[-1]
                if len(last) >= 4:
                    names.add(last)
        for name in names:
            toks = norm_tokens(name)
            if len(toks) == 1 and (
                len(name) < 3 or toks[0] in GENERIC_WORDS or toks[0] in stop_words()
            ):
                continue
            index.add(name, gi)
    if not index.size:
        return
    occupied = sorted((c.start, c.end) for c in accepted)
    starts = [s for s, _ in occupied]
    for s, e, payloads in index.find(text, tokens):
        if len(payloads) != 1 or not text[s:e][:1].isupper():
            continue
        i = bisect.bisect_right(starts, s)
        if (i > 0 and occupied[i - 1][1] > s) or (i < len(starts) and starts[i] < e):
            continue
        if _in_zones(zones, s, e):
            continue
        cues = context_cues(text, s, e).kinds
        if cues & {"region", "journalist", "media"}:
            continue
        group = decided[payloads[0]][0]
        group.cands.append(_Cand(s, e, "propagated", 0, cues=set(cues)))


def _best_name(group: _Group, subtype: str | None, text: str) -> str:
    surfaces = group.surfaces(text)
    counts = Counter(surfaces)
    acronym_long = [
        text[c.start : c.end]
        for c in group.cands
        if "acronym" in c.cues and len(norm_tokens(text[c.start : c.end])) >= 2
    ]
    if acronym_long:
        surfaces_pool = acronym_long
    elif subtype == "person":
        most = max(len(norm_tokens(s)) for s in surfaces)
        surfaces_pool = [s for s in surfaces if len(norm_tokens(s)) == most]
    else:
        surfaces_pool = surfaces

    def score(s: str) -> tuple[int, int, int, int]:
        non_ascii = sum(1 for c in s if ord(c) > 127)
        return (not s.isupper() or len(s) <= 6, non_ascii, counts[s], len(s))

    return max(surfaces_pool, key=score)


def _build(
    group: _Group,
    kind: str,
    subtype: str | None,
    evidence: tuple[str, ...],
    confidence: float,
    place: Place | None,
    text: str,
    sentences: list[tuple[int, int]],
    starts: list[int],
) -> EntityCandidate:
    known = group.known
    if known is not None:
        name, key = known.name, known.key
    elif kind == "town" and place is not None:
        name = place.name
        key = canonical_key(name, "town")
    else:
        name = _best_name(group, subtype, text)
        key = canonical_key(name, kind)
    mentions = []
    for cand in sorted(group.cands, key=lambda c: c.start):
        i = bisect.bisect_right(starts, cand.start) - 1
        sentence = text[sentences[i][0] : sentences[i][1]] if i >= 0 else ""
        mentions.append(Mention(text[cand.start : cand.end], cand.start, cand.end, sentence, key))
    aliases = {m.surface for m in mentions} - {name}
    lat = lon = None
    cc = region = None
    if kind == "town":
        # a country the text puts it in ("Bomoanga, au Niger"): towns abroad are not alerted
        stated = Counter(c.country for c in group.cands if c.country)
        if stated:
            cc = stated.most_common(1)[0][0]
        if place is not None:
            lat, lon, region = place.latitude, place.longitude, place.region
            cc = place.country_code
        if known is not None:
            lat = known.latitude if known.latitude is not None else lat
            lon = known.longitude if known.longitude is not None else lon
            cc = known.country_code or cc
            region = known.region or region
    return EntityCandidate(
        key=key,
        kind=kind,
        subtype=subtype,
        name=name,
        aliases=aliases,
        mentions=mentions,
        latitude=lat,
        longitude=lon,
        country_code=cc,
        region=region,
        evidence=evidence,
        confidence=confidence,
    )


def _merge_into(prev: EntityCandidate, new: EntityCandidate) -> None:
    seen = {(m.start_char, m.end_char) for m in prev.mentions}
    prev.mentions.extend(m for m in new.mentions if (m.start_char, m.end_char) not in seen)
    prev.mentions.sort(key=lambda m: m.start_char)
    prev.aliases |= new.aliases | ({new.name} - {prev.name})
    if new.confidence > prev.confidence:
        prev.evidence, prev.confidence = new.evidence, new.confidence


def to_known(candidate: EntityCandidate) -> KnownEntity:
    """The entity as a KnownEntity, to resolve later articles against it."""
    return KnownEntity(
        name=candidate.name,
        kind=candidate.kind,
        subtype=candidate.subtype,
        aliases=frozenset(candidate.aliases),
        key=candidate.key,
        latitude=candidate.latitude,
        longitude=candidate.longitude,
        country_code=candidate.country_code,
        region=candidate.region,
    )
