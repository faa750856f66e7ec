"""Entity extraction: model spans + known names + gazetteer + context -> canonical entities.

For each article:

1. candidate spans from four sources, in order of authority: known names (built-in list,
   alias file, entities stored earlier), context rules ("the town of X", "President X",
   acronym definitions), the NER model's spans and gazetteer place names (the longer wins);
2. spans in bylines and photo credits are dropped, so are weekdays, months, generic words,
   single letters and numbers;
3. spans are grouped into entities: known names by their key; other names by their
   normalised form ("Sévaré" = "Sevare"); an acronym with its expansion; a surname with the
   full name seen in the article ("Hollande" -> "François Hollande") or, failing that, with
   the one known person of that surname;
4. each entity is typed from all its mentions' evidence (known type, context cues, name
   words, gazetteer, model labels — in that order of trust), or dropped (countries,
   regions, media, journalists, foreign cities, unsupported guesses);
5. other occurrences of an entity's names are added as mentions; each entity gets its
   canonical key, best display name, aliases and (towns) coordinates.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from extractors.entities.aliases import AliasTable, guess_subtype
from extractors.entities.gazetteer import Gazetteer
from extractors.entities.knowledge import (
    EQUIPMENT_WORDS,
    GENERIC_WORDS,
    SAHEL_COUNTRY_NAMES,
    STATE_WORDS,
    TIME_WORDS,
    common_english_words,
)
from extractors.entities.model import NerModel
from extractors.entities.normalize import (
    PhraseIndex,
    canonical_key,
    has_upper,
    norm,
    norm_tokens,
    skeleton,
    tokenize,
)
from extractors.entities.records import EntityCandidate, KnownEntity, Mention, Place, RawSpan
from extractors.entities.rules import (
    acronym_pairs,
    alias_phrases,
    context_cues,
    coordinated_spans,
    credit_zones,
    demonym_shaped,
    french_body_spans,
    given_name_person,
    group_spans,
    is_title_word,
    journalist_names,
    name_shape_ok,
    operation_spans,
    org_spans,
    person_appos_spans,
    person_name_spans,
    person_title_spans,
    sentence_bounds,
    strip_name,
    title_case_zones,
    town_list_spans,
)
from extractors.entities.stopwords import stop_words
from extractors.text import word_list

__all__ = [
    "ArticleInput",
    "extract_entities",
    "extract_one",
    "model_spans",
    "ner_language",
    "precompute_spans",
]

ArticleInput = tuple[str, str, str | None]  # (article_id, text, language)

_LABELS = {
    "PERSON": "person",
    "PER": "person",
    "ORG": "org",
    "GPE": "place",
    "LOC": "area",
    "FAC": "fac",
    "NORP": "norp",
    "MISC": "misc",
}
_SOURCE_RANK = {"known": 0, "acronym": 1, "rule": 2, "gazetteer": 3, "model": 4, "propagated": 5}
# Learned within a batch (so later articles resolve to it) only above this confidence.
LEARN_CONFIDENCE = 0.6


@dataclass
class _Cand:
    start: int
    end: int
    source: str
    prio: int
    labels: list[str] = field(default_factory=list)
    cues: set[str] = field(default_factory=set)
    known: KnownEntity | None = None
    place: Place | None = None
    foreign_name: str | None = None
    possessor: str | None = None
    country: str | None = None  # ISO code of a country the context puts it in
    weak: bool = False  # capitalised only because of headline case or a sentence start

    @property
    def length(self) -> int:
        return self.end - self.start


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


_REGION_NOUNS = frozenset(
    [
        "region",
        "regions",
        "province",
        "provinces",
        "cercle",
        "circle",
        "district",
        "prefecture",
        "department",
    ]
)


def _is_noise(surface: str) -> bool:
    """Weekdays, months, generic words, single letters, numbers, lower-case words."""
    toks = norm_tokens(surface)
    if not toks:
        return True
    letters = sum(c.isalpha() for c in surface)
    if letters < 2:
        return True
    if not surface[0].isupper() and not surface[0].isdigit():
        return True
    if surface[0].isdigit():
        return True
    if not has_upper(surface):
        return True
    joined = " ".join(toks)
    if joined in TIME_WORDS or joined in GENERIC_WORDS:
        return True
    if len(toks) == 1 and joined in stop_words():
        return True
    if any(t in EQUIPMENT_WORDS for t in toks):
        return True
    return all(t in GENERIC_WORDS or t in TIME_WORDS or t.isdigit() for t in toks)


def _scan_ok(surface: str) -> bool:
    """A gazetteer name found by scanning: capitalised, not a word."""
    return (
        surface[:1].isupper()
        and len(surface) >= 3
        and not _is_noise(surface)
        and norm(surface) not in stop_words()
    )


def _person_shape(surface: str) -> bool:
    """Two or more capitalised words: "Moussa Ag Assarid", "J. Peter Pham"."""
    words = surface.split()
    caps = [w for w in words if w[:1].isupper()]
    return len(caps) >= 2 and not surface.isupper()


def _resolve_overlaps(cands: list[_Cand]) -> list[_Cand]:
    cands.sort(key=lambda c: (-c.prio, -c.length, _SOURCE_RANK[c.source], c.start))
    accepted: list[_Cand] = []
    taken: dict[tuple[int, int], _Cand] = {}
    starts: list[int] = []
    ends: list[int] = []
    for cand in cands:
        same = taken.get((cand.start, cand.end))
        if same is not None:
            same.labels.extend(cand.labels)
            same.cues |= cand.cues
            same.known = same.known or cand.known
            same.place = same.place or cand.place
            continue
        i = bisect.bisect_right(starts, cand.start)
        overlap = (i > 0 and ends[i - 1] > cand.start) or (i < len(starts) and starts[i] < cand.end)
        if overlap:
            continue
        starts.insert(i, cand.start)
        ends.insert(i, cand.end)
        taken[(cand.start, cand.end)] = cand
        accepted.append(cand)
    accepted.sort(key=lambda c: c.start)
    return accepted


def _in_zones(zones: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(zs <= start and end <= ze for zs, ze in zones)


@dataclass
class _Group:
    cands: list[_Cand]
    known: KnownEntity | None = None
    learned: bool = False

    def surfaces(self, text: str) -> list[str]:
        return [text[c.start : c.end] for c in self.cands]


def extract_one(
    text: str,
    spans: Sequence[RawSpan],
    gazetteer: Gazetteer,
    aliases: AliasTable,
    *,
    language: str = "en",
    learned: frozenset[str] = frozenset(),
) -> list[EntityCandidate]:
    """Entities of one text, given the model's spans for it."""
    if not text.strip():
        return []
    tokens = tokenize(text)
    zones = credit_zones(text)
    cands: list[_Cand] = []

    media_ends: list[int] = []
    for s, e, entity in aliases.find(text, tokens):
        # A known actor or town wins over any overlapping span; a country, region, people or
        # demonym only over shorter ones: "Sahel" must not cut "Sahel Mujahideen Brigade".
        surface = text[s:e]
        strong_noise = entity.subtype in ("media", "platform") and (
            len(surface.split()) > 1 or surface.isupper() or any(ch.isdigit() for ch in surface)
        )  # "FRANCE 24", "Channel 4", "AFP"; not "Libération" inside "Front de Libération"
        prio = 3 if entity.kind in ("actor", "town") or strong_noise else 1
        if prio == 1 and _hyphen_glued(text, s, e):
            continue  # "Peul" in "Ogossagou-Peul", "Mali" in "Mali-Mali"
        cands.append(_Cand(s, e, "known", prio, known=entity))
        if entity.kind == "ignore" and entity.subtype == "media":
            media_ends.append(e)
    for s, e, entity in aliases.find_surnames(text, tokens):
        if _hyphen_glued(text, s, e) or _after_capitalised_word(text, s):
            continue  # "Modibo-Keïta", "Salif Keïta": another person's or a place's name
        cands.append(_Cand(s, e, "propagated", 0, known=entity))
    journalists = journalist_names(text, zones, media_ends)
    zones = sorted(zones + [(s, e) for s, e, _ in journalists])
    journalist_keys = set()
    for _, _, name in journalists:
        toks = norm_tokens(name)
        journalist_keys.add(" ".join(toks))
        if len(toks) >= 2:
            journalist_keys.add(_surname(toks))
    common = common_english_words()
    for s, e, scanned in gazetteer.find(text, tokens):
        surface = text[s:e]
        # "Diré" is a town even though "dire" is a word: the accents as the gazetteer writes them
        exact = surface == scanned.name and any(ord(ch) > 127 for ch in surface)
        if not _scan_ok(surface) and not (exact and scanned.country_code == gazetteer.countries[0]):
            continue
        if scanned.country_code != gazetteer.countries[0] and norm(surface) in common:
            continue  # "Man" (Côte d'Ivoire) is a word
        cands.append(_Cand(s, e, "gazetteer", 1, place=scanned))
    for span in spans:
        label = _LABELS.get(span.label)
        if label is None:
            continue
        if label == "area" and language == "fr":
            label = "place"  # the French model has one LOC label for towns and countries
        lead_lower = label in ("misc", "norp", "fac", "area", "place")
        pieces = [(span.start, span.end)]
        if label in ("place", "area"):  # "Bourem and Tarkint": two places, not one
            pieces = _split_places(text, span.start, span.end)
        for s, e, had_title in (
            piece
            for ps, pe in pieces
            for piece in strip_name(text, ps, pe, titles=label == "person", lead_lower=lead_lower)
        ):
            model_cand = _Cand(s, e, "model", 1, labels=[label])
            if had_title:
                model_cand.cues.add("person")
            cands.append(model_cand)
    for finder, cue in (
        (town_list_spans, "town"),
        (group_spans, "armed"),
        (person_title_spans, "person"),
        (person_appos_spans, "person"),
        (operation_spans, "operation"),
        (org_spans, "org"),
        (person_name_spans, "person_name"),
    ):
        for rs, re_ in finder(text):
            for s, e, _ in strip_name(text, rs, re_, titles=cue in ("person", "person_name")):
                cands.append(_Cand(s, e, "rule", 1, cues={cue}))
    # French names of bodies win over a known town or country inside them ("Association des
    # ressortissants de Kidal"), never over a known actor ("Conseil de sécurité de l'ONU")
    actor_spans = [(c.start, c.end) for c in cands if c.known is not None and c.prio == 3
                   and c.known.kind == "actor"]
    for rs, re_ in french_body_spans(text):
        if not any(rs <= ks and ke <= re_ for ks, ke in actor_spans):
            cands.append(_Cand(rs, re_, "rule", 3, cues={"org"}))
    pairs = acronym_pairs(text)
    for pair in pairs:
        for s, e in ((pair.long_start, pair.long_end), (pair.short_start, pair.short_end)):
            for ps, pe, _ in strip_name(text, s, e, titles=False):
                cands.append(_Cand(ps, pe, "acronym", 2, cues={"acronym"}))

    # A span that swallows a country, region, people or demonym wins over it only when its
    # own words say what it is ("Sahel Mujahideen Brigade"), not "Etoile du Sahel" or
    # "Inside Mali".
    weak_known = [(c.start, c.end) for c in cands if c.known is not None and c.prio == 1]
    for c in cands:
        swallows = c.source in ("model", "rule") and any(
            ks < c.end and c.start < ke and (ks, ke) != (c.start, c.end) for ks, ke in weak_known
        )
        if swallows and guess_subtype(text[c.start : c.end]) is None and "person" not in c.labels:
            c.prio = 0
    sentences = sentence_bounds(text)
    starts = [s for s, _ in sentences]
    headlines = title_case_zones(text)
    accepted = []
    for c in _resolve_overlaps(cands):
        if _in_zones(zones, c.start, c.end):
            continue
        surface = text[c.start : c.end]
        if c.known is None and c.place is None:
            strict = not (
                set(c.labels) & {"org", "misc"} or c.source == "acronym" or "org" in c.cues
            )
            # operations are named with common words: "Serval", "Harmattan", "Barkhane"
            noise = _is_noise(surface) and not ("operation" in c.cues and surface[:1].isupper())
            if noise or not name_shape_ok(surface, strict=strict):
                continue
            if " " not in surface and demonym_shaped(surface):
                continue  # "Mauritaniens", "Néerlandais": people, not a place or a body
            if c.source in ("model", "rule") and _in_zones(headlines, c.start, c.end):
                c.weak = True
            toks = norm_tokens(surface)
            if (
                len(toks) == 1
                and (toks[0] in common or toks[0] in stop_words())
                and not (surface.isupper() and len(surface) >= 3)  # "UNESCO", "NATO"
            ):
                i = bisect.bisect_right(starts, c.start) - 1
                lead = text[starts[i] : c.start] if i >= 0 else text[: c.start]
                if c.weak or not any(ch.isalnum() for ch in lead):
                    c.weak = True
            if toks and toks[-1] in _REGION_NOUNS:
                c.cues.add("region")  # "Yatenga province", "Kidal region"
        accepted.append(c)
    for acc in accepted:
        cues = context_cues(text, acc.start, acc.end)
        acc.cues |= cues.kinds
        acc.foreign_name = cues.foreign_name
        acc.possessor = cues.possessor
        acc.country = cues.country
        if acc.known is None:
            acc.known = aliases.resolve(text[acc.start : acc.end])
    _derive_cues(accepted, text, aliases, gazetteer)
    _coordinated_towns(accepted, text, gazetteer)
    _weak_openers(accepted, text)

    groups = _group(accepted, text, pairs, aliases)
    decided: list[tuple[_Group, tuple[str, str | None, tuple[str, ...], float], Place | None]] = []
    for group in groups:
        group.cands = [c for c in group.cands if "region" not in c.cues or c.known is not None]
        if not group.cands:
            continue
        if group.known is None and any(norm(s) in journalist_keys for s in group.surfaces(text)):
            continue  # "FRANCE 24's Matthieu Mabin" ... "Mabin said"
        place = _place_of(group, text, gazetteer)
        verdict = _decide(group, text, place, gazetteer)
        if verdict is not None:
            decided.append((group, verdict, place))

    _propagate(decided, accepted, text, tokens, zones)
    out: dict[str, EntityCandidate] = {}
    for grp, (kind, subtype, evidence, confidence), where in decided:
        built = _build(grp, kind, subtype, evidence, confidence, where, text, sentences, starts)
        built.known = grp.known is not None and grp.known.key not in learned
        if grp.known is not None and grp.known.key in learned:
            built.evidence = ("earlier-article",)
        prev = out.get(built.key)
        if prev is None:
            out[built.key] = built
        else:
            _merge_into(prev, built)
    return sorted(out.values(), key=lambda c: c.mentions[0].start_char)


def _derive_cues(
    accepted: list[_Cand], text: str, aliases: AliasTable, gazetteer: Gazetteer
) -> None:
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


_ARTICLE_BEFORE = re.compile(r"(?:\b(?:le|la|les|un|une|du|des|au|aux|the|a|an)|\bl['’])[ \t]*$")
_STRONG_CUES = frozenset(
    ["town", "town_geo", "loc", "person", "person_weak", "person_name", "speech", "armed", "org",
     "operation", "acronym", "group"]
)


def _weak_openers(accepted: list[_Cand], text: str) -> None:
    """One word the model labelled, written only where any word takes a capital (a sentence
    or line start: "Crise", "Lire", "Collectif") and with nothing else to say it is a name,
    is a guess, not an entity: drop it unless the same name shows up elsewhere."""
    for c in accepted:
        if c.source != "model" or c.known is not None or c.place is not None:
            continue
        surface = text[c.start : c.end]
        line_start = text.rfind("\n", 0, c.start) + 1
        line_end = text.find("\n", c.end)
        line = text[line_start : line_end if line_end >= 0 else len(text)].strip(" \t:|•-")
        if surface.isupper() and " " in surface and len(surface) > 8 and line == surface:
            c.weak = True  # a heading in capitals: "FAITS SAILLANTS", "RÉPONSE HUMANITAIRE"
            continue
        if " " in surface or "-" in surface or surface.isupper() or c.cues & _STRONG_CUES:
            continue
        if line == surface:
            c.weak = True  # a word alone on its line: page furniture ("Partager", "Commenter")
            continue
        before = text[max(0, c.start - 200) : c.start]
        kept = before.rstrip(" \t\n\"“«(‘'-–—•*")
        gap = before[len(kept) :]
        # a sentence's or a paragraph's first word, not a line of a hard-wrapped paragraph
        if not kept or kept[-1] in ".!?:…»”\"" or "\n\n" in gap:
            c.weak = True
        elif _ARTICLE_BEFORE.search(text, max(0, c.start - 8), c.start):
            c.weak = True  # "le Fonds", "la Sécurité", "the Château": a noun, not a name


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
            c for c in members if c is not None and c not in towns and c.known is None
            and c.place is None
            and not c.cues & {"person", "person_name", "armed", "org", "media", "journalist",
                              "region"}
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


_REGION_COUNTRY_NAMES = frozenset(norm(n) for n in SAHEL_COUNTRY_NAMES)


def _group(accepted: list[_Cand], text: str, pairs: list, aliases: AliasTable) -> list[_Group]:
    n = len(accepted)
    uf = _UnionFind(n)
    by_key: dict[str, int] = {}
    by_span = {(c.start, c.end): i for i, c in enumerate(accepted)}
    for i, cand in enumerate(accepted):
        surface = text[cand.start : cand.end]
        # spelling variants of one name in one article are one entity ("N'Golo"/"Ngolo")
        variant = skeleton(surface) or norm(surface)
        key = cand.known.key if cand.known is not None else "n:" + variant
        if key in by_key:
            uf.union(by_key[key], i)
        else:
            by_key[key] = i
    for pair in pairs:
        a = _span_index(by_span, text, pair.long_start, pair.long_end)
        b = _span_index(by_span, text, pair.short_start, pair.short_end)
        if a is not None and b is not None:
            ka, kb = accepted[a].known, accepted[b].known
            # never join two different known entities
            if ka is None or kb is None or ka.key == kb.key:
                uf.union(a, b)

    # "X, plus connu sous le nom de Y": Y names the X just before, in the same sentence
    for phrase_start, ys, ye in alias_phrases(text):
        alias = _span_index(by_span, text, ys, ye)
        if alias is None:
            continue
        owners = [
            i
            for i, c in enumerate(accepted)
            if c.end <= phrase_start
            and "\n" not in text[c.end : phrase_start]
            and not re.search(r"[.;!?]", text[c.end : phrase_start])
            and phrase_start - c.end <= 60
        ]
        if owners:
            owner = max(owners, key=lambda i: accepted[i].end)
            ko, ka = accepted[owner].known, accepted[alias].known
            if ko is None or ka is None or ko.key == ka.key:
                uf.union(owner, alias)

    def members() -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for i in range(n):
            out.setdefault(uf.find(i), []).append(i)
        return out

    # surname -> full name in the same article
    groups = members()
    persons: list[tuple[tuple[str, ...], int, int]] = []  # (tokens, root, first start)
    for root, idx in groups.items():
        if not _person_like(accepted, idx) and not any(
            given_name_person(text[accepted[i].start : accepted[i].end]) for i in idx
        ):
            continue
        for i in idx:
            toks = norm_tokens(text[accepted[i].start : accepted[i].end])
            if len(toks) >= 2:
                persons.append((toks, root, accepted[i].start))
    for root, idx in groups.items():
        cands = [accepted[i] for i in idx]
        if any(c.known is not None for c in cands) or any("town" in c.cues for c in cands):
            continue
        toks_set = {norm_tokens(text[c.start : c.end]) for c in cands}
        if any(len(t) > 2 for t in toks_set) and not all(
            given_name_person(text[c.start : c.end]) or c.labels.count("person")
            for c in cands
        ):
            continue  # longer names join a fuller one only when they are people's names
        matches = {
            p_root
            for toks in toks_set
            for p_toks, p_root, _ in persons
            if p_root != uf.find(root) and len(p_toks) > len(toks) and p_toks[-len(toks) :] == toks
        }
        if len(matches) == 1:
            uf.union(root, matches.pop())
        elif len(matches) > 1:
            # the nearest full name before the first mention
            first = min(c.start for c in cands)
            before = [(s, r) for toks, r, s in persons if r in matches and s < first]
            if before:
                uf.union(root, max(before)[1])
    out: list[_Group] = []
    for idx in members().values():
        cands = [accepted[i] for i in sorted(idx, key=lambda i: accepted[i].start)]
        known = next((c.known for c in cands if c.known is not None), None)
        group = _Group(cands, known)
        if known is None and _surname_candidate(group, text):
            surface = max(group.surfaces(text), key=len)
            person = aliases.resolve_surname(surface)
            if person is not None:
                group.known = person
        out.append(group)
    return out


def _span_index(by_span: dict[tuple[int, int], int], text: str, s: int, e: int) -> int | None:
    for ps, pe, _ in strip_name(text, s, e, titles=False):
        if (ps, pe) in by_span:
            return by_span[(ps, pe)]
    return None


def _person_like(accepted: list[_Cand], idx: list[int]) -> bool:
    cands = [accepted[i] for i in idx]
    if any(
        c.known is not None and not (c.known.kind == "actor" and c.known.subtype == "person")
        for c in cands
    ):
        return False
    labels = Counter(label for c in cands for label in c.labels)
    cues = set().union(*(c.cues for c in cands))
    if cues & {"town", "town_geo", "armed", "org", "acronym"}:
        return False
    return bool(
        labels["person"] >= max(labels["org"], labels["place"], 1)
        or cues & {"person", "person_weak", "person_name"}
        or any(c.known is not None for c in cands)
    )


def _surname_candidate(group: _Group, text: str) -> bool:
    cues = set().union(*(c.cues for c in group.cands))
    if cues & {"town", "town_geo", "armed", "org", "acronym", "region"}:
        return False
    if any(c.place is not None for c in group.cands):
        return False
    labels = {label for c in group.cands for label in c.labels}
    return bool(labels & {"person", "org"} or cues & {"person", "speech", "person_weak"}) and all(
        len(norm_tokens(s)) <= 2 for s in group.surfaces(text)
    )


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
    r"|^(?:(?:the|le|la|l['’])[ \t]*)?(?i:government|gouvernement|porte-parole|spokesman|"
    r"spokesperson)\b"
)
_OPERATION_NAME = re.compile(r"(?i:operation|opération)[ \t]+\S")


def _after_capitalised_word(text: str, start: int) -> bool:
    """Is text[start:] preceded, on the same line, by a capitalised word that is not a
    sentence's first ("Salif Keïta" is not "Keïta" of "Ibrahim Boubacar Keïta")?"""
    m = re.search(r"([^\W\d_][\w'’\-]*)[ \t]+$", text[max(0, start - 40) : start])
    if m is None or not m.group(1)[:1].isupper() or is_title_word(m.group(1)):
        return False
    before = text[: start - len(m.group(0))].rstrip(" \t")
    return bool(before) and before[-1] not in ".!?\n:«\"“"


_PLACE_AND = re.compile(r"[ \t]+(?:and|et|or|ou)[ \t]+(?=[A-ZÀ-Ý])")


def _split_places(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces, pos = [], start
    for m in _PLACE_AND.finditer(text, start, end):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, end))
    return pieces


def _hyphen_glued(text: str, start: int, end: int) -> bool:
    """Is text[start:end] one part of a hyphenated name ("Ogossagou-Peul")?"""
    before = start >= 2 and text[start - 1] in "-‐‑" and text[start - 2].isalpha()
    after = end + 1 < len(text) and text[end] in "-‐‑" and text[end + 1].isalpha()
    return before or after


def _acronym_shape(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= len(letters) - 1


_PARTICLES = frozenset(
    word_list(
        """
        le la les de du des van von der den da di dos al el ag ould ben bin ibn abu abou
        """
    )
)


def _surname(toks: Sequence[str]) -> str:
    """Last name with its particles: ("jean", "yves", "le", "drian") -> "le drian"."""
    i = len(toks) - 1
    while i > 1 and toks[i - 1] in _PARTICLES:
        i -= 1
    return " ".join(toks[i:])


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


def _best_name(group: _Group, kind: str, subtype: str | None, text: str) -> str:
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
        name = _best_name(group, kind, subtype, text)
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


def ner_language(language: str | None) -> str:
    """The model language a text goes through: English or French (None counts as English,
    and so does any other language)."""
    lang = (language or "en").split("-")[0].lower()
    return lang if lang in ("en", "fr") else "en"


def model_spans(articles: Sequence[ArticleInput], model: NerModel) -> list[list[RawSpan]]:
    """The model's spans of each article, in order: one `model.entities` call per language."""
    by_lang: dict[str, list[int]] = {}
    for i, (_, _, language) in enumerate(articles):
        by_lang.setdefault(ner_language(language), []).append(i)
    spans: list[list[RawSpan]] = [[] for _ in articles]
    for lang, idxs in by_lang.items():
        results = model.entities([articles[i][1] for i in idxs], lang)
        for i, result in zip(idxs, results, strict=True):
            spans[i] = result
    return spans


def precompute_spans(
    articles: Sequence[ArticleInput], model: NerModel
) -> dict[str, list[RawSpan]]:
    """{article_id: the model's spans}, for texts that are not empty: what a fetch task can
    compute in parallel so that the writer only runs the rules (`PrecomputedNer`)."""
    readable = [a for a in articles if a[1].strip()]
    return {
        article_id: spans
        for (article_id, _, _), spans in zip(readable, model_spans(readable, model), strict=True)
    }


def extract_entities(
    articles: Sequence[ArticleInput],
    model: NerModel,
    gazetteer: Gazetteer,
    aliases: AliasTable,
) -> dict[str, list[EntityCandidate]]:
    """Entities of each article: {article_id: [EntityCandidate ...]}.

    Texts go through `model.entities` in one batch per language (None counts as English).
    Articles are read in the order given, and what an earlier one establishes (a full name,
    an acronym's expansion, a new town) resolves the later ones: "Hollande" in article 2 is
    "François Hollande" of article 1. `aliases` itself is not changed.
    """
    langs = [ner_language(language) for _, _, language in articles]
    spans = model_spans(articles, model)
    table = aliases.overlay()
    learned: set[str] = set()
    out: dict[str, list[EntityCandidate]] = {}
    for i, (article_id, text, _) in enumerate(articles):
        found = extract_one(
            text, spans[i], gazetteer, table, language=langs[i], learned=frozenset(learned)
        )
        out[article_id] = found
        for cand in found:
            if not cand.known and cand.confidence >= LEARN_CONFIDENCE and cand.key not in table:
                table.add(to_known(cand))
                learned.add(cand.key)
    return out
