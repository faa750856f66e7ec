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

The steps live in their own modules: candidate spans and their filters (candidates.py),
grouping (grouping.py), places (places.py), the decision (decide.py), building the results
(build.py); the context rules in context.py, spans.py, acronyms.py, credits.py and names.py.
This module runs them over one text (`extract_one`) and over a batch (`extract_entities`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from extractors.entities.acronyms import acronym_pairs
from extractors.entities.aliases import AliasTable, guess_subtype
from extractors.entities.build import _build, _merge_into, _propagate, to_known
from extractors.entities.candidates import (
    _LABELS,
    _REGION_NOUNS,
    _after_capitalised_word,
    _Cand,
    _hyphen_glued,
    _in_zones,
    _is_noise,
    _resolve_overlaps,
    _scan_ok,
    _split_places,
    _surname,
    _weak_openers,
)
from extractors.entities.context import context_cues
from extractors.entities.credits import credit_zones, journalist_names
from extractors.entities.decide import _decide
from extractors.entities.gazetteer import Gazetteer
from extractors.entities.grouping import _Group, _group
from extractors.entities.knowledge import common_english_words
from extractors.entities.model import NerModel
from extractors.entities.names import (
    demonym_shaped,
    name_shape_ok,
    sentence_bounds,
    strip_name,
    title_case_zones,
)
from extractors.entities.normalize import norm, norm_tokens, tokenize
from extractors.entities.places import _coordinated_towns, _derive_cues, _place_of
from extractors.entities.records import EntityCandidate, Place, RawSpan
from extractors.entities.spans import (
    french_body_spans,
    group_spans,
    operation_spans,
    org_spans,
    person_appos_spans,
    person_name_spans,
    person_title_spans,
    town_list_spans,
)
from extractors.entities.stopwords import stop_words

__all__ = [
    "ArticleInput",
    "extract_entities",
    "extract_one",
    "model_spans",
    "ner_language",
    "precompute_spans",
]

ArticleInput = tuple[str, str, str | None]  # (article_id, text, language)


# Learned within a batch (so later articles resolve to it) only above this confidence.
LEARN_CONFIDENCE = 0.6


_HYPHEN_TAIL = re.compile(r"[-‐‑][A-ZÀ-Ý][\w'’]*")
_HYPHEN_HEAD = re.compile(r"[A-ZÀ-Ý][\w'’]*[-‐‑]$")


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """A model span grown over the hyphenated parts of its first and last words: the model
    cuts "Siéla-Bozo" or "Massantola-Koura" where the tokenizer splits them."""
    while m := _HYPHEN_TAIL.match(text, end):
        end = m.end()
    while m := _HYPHEN_HEAD.search(text, max(0, start - 30), start):
        start = m.start()
    return start, end


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
        start, end = _whole_words(text, span.start, span.end)
        pieces = [(start, end)]
        if label in ("place", "area"):  # "Bourem and Tarkint": two places, not one
            pieces = _split_places(text, start, end)
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
            cands.append(_Cand(rs, re_, "rule", 3, cues={"org", "fr_body"}))
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
            # French names of bodies may end in lower case: "Action contre la faim"
            shape_ok = "fr_body" in c.cues or name_shape_ok(surface, strict=strict)
            if noise or not shape_ok:
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
    _derive_cues(accepted, aliases, gazetteer)
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
