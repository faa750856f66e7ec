"""Why the monitor believes an alert, in plain words: the one mapping from the extractor's
evidence codes (`entities.evidence`, e.g. ("gazetteer",), ("model", "speech")) to phrases,
the names of the countries a town is in, and the "why" line every channel shows:

    why: in the gazetteer (Mopti region, Mali) · confidence 0.85
    why: named as a town in the text ("the village of …") · confidence 0.90
    why: model only · confidence 0.60

An unknown code (a newer extractor) is shown as itself, never dropped. The quoted words of a
cue come from the alert's sentence, and only when the extractor's own context rules find
that cue there (`extractors.entities.context.context_cues`); otherwise the phrase goes alone.
Everything here returns plain text: escaping belongs to each renderer.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

# One phrase per evidence code of extractors/entities/decide.py (`_decide`) and build.py.
PHRASES: dict[str, str] = {
    "known": "in the knowledge files",
    "earlier-article": "found in an earlier article",
    "title-or-role": "named with a title or role",
    "given-name": "a given name",
    "operation-cue": "named as a military operation",
    "town-cue": "named as a town in the text",
    "location-cue": "placed by the text (distance or direction from a place)",
    "armed-group-cue": "named as an armed group in the text",
    "organisation-cue": "named as an organisation in the text",
    "name-words": "the words of its name",
    "gazetteer": "in the gazetteer",
    "acronym": "acronym defined in the text",
    "role": "named next to a role",
    "model": "model only",
    "speech": "quoted as speaking",
    "locative": "after a place word (in, near, à)",
    "group-cue": "called a group in the text",
}

# The context cues (`extractors.entities.context.Cues.kinds`) behind each cue code: their
# words are quoted when the alert's sentence shows them.
CUE_KINDS: dict[str, frozenset[str]] = {
    "town-cue": frozenset({"town"}),
    "location-cue": frozenset({"town_geo"}),
    "armed-group-cue": frozenset({"armed"}),
    "organisation-cue": frozenset({"org"}),
    "title-or-role": frozenset({"person"}),
    "role": frozenset({"person_weak"}),
    "group-cue": frozenset({"group"}),
    "locative": frozenset({"loc", "loc_strict"}),
    "speech": frozenset({"speech"}),
}

# The Sahel and its neighbours, so the usual names never depend on the knowledge files;
# any other code is looked up in extractors/entities/data/countries.toml, else shown as is.
SAHEL_COUNTRIES: dict[str, str] = {
    "ML": "Mali",
    "NE": "Niger",
    "BF": "Burkina Faso",
    "MR": "Mauritania",
    "DZ": "Algeria",
    "SN": "Senegal",
    "GN": "Guinea",
    "CI": "Côte d'Ivoire",
    "TD": "Chad",
    "NG": "Nigeria",
}

CUE_WORDS_BEFORE = 4  # words quoted from a cue before the name, at most
CUE_WORDS_AFTER = 6  # ... and after it ("… a town in the Timbuktu region")
MAX_CUE_CHARS = 60
_STOPS = ".,;:!?()[]{}\"“”«»"
_DETERMINERS = frozenset({"the", "a", "an", "le", "la", "les", "l'", "un", "une", "des"})


def phrase(code: str) -> str:
    """The plain words for one evidence code; an unknown code is itself."""
    return PHRASES.get(code, code)


@functools.cache
def _known_countries() -> dict[str, str]:
    from extractors.entities.knowledge_files import KnowledgeFileError, load_knowledge

    try:
        return {c.iso.upper(): c.name for c in load_knowledge().countries}
    except (KnowledgeFileError, OSError):  # a broken knowledge folder: codes are shown
        return {}


def country_name(code: str | None) -> str | None:
    """'Mali' for 'ML'; an unknown code is itself; None for none."""
    if not code or not code.strip():
        return None
    key = code.strip().upper()
    return SAHEL_COUNTRIES.get(key) or _known_countries().get(key) or code.strip()


def region_text(region: str | None) -> str:
    """'Mopti region' from 'Mopti' (a name saying region already is kept as is)."""
    if not region:
        return "region unknown"
    low = region.casefold()
    return region if "region" in low or "région" in low else f"{region} region"


def place_text(region: str | None, country_code: str | None) -> str:
    """Where a town is, in words: 'Mopti region, Mali'."""
    return f"{region_text(region)}, {country_name(country_code) or 'country unknown'}"


def cue_words(
    code: str, sentence: str, spans: Sequence[tuple[int, int]]
) -> str | None:
    """The words of `sentence` that make cue `code` around the name at one of `spans`, as
    few as the extractor's context rules need before the name ('the village of …'), the cue
    and the rest of its clause after it ('… a town in the Timbuktu region'); None when the
    code is no cue or the sentence does not show it."""
    kinds = CUE_KINDS.get(code)
    if not kinds or not sentence:
        return None
    for start, end in spans:
        name = sentence[start:end]
        before = _clause_words(sentence[:start], last=True)
        for n in range(1, min(len(before), CUE_WORDS_BEFORE) + 1):
            words = " ".join(before[-n:])
            if _cue_kinds(words + " " + name, len(words) + 1) & kinds:
                if n < len(before) and before[-n - 1].casefold() in _DETERMINERS:
                    words = f"{before[-n - 1]} {words}"  # "the village of", not "village of"
                return _bounded(f"{words} …")
        after = _clause_words(sentence[end:], last=False)
        gap = sentence[end:][: len(sentence[end:]) - len(sentence[end:].lstrip(" \t,"))]
        for n in range(1, min(len(after), CUE_WORDS_AFTER) + 1):
            words = " ".join(after[:n])
            if _cue_kinds(name + gap + words, 0, len(name)) & kinds:
                # the cue with the rest of its clause: "… 50 km north of Mopti"
                return _bounded("… " + " ".join(after[:CUE_WORDS_AFTER]))
    return None


def _cue_kinds(text: str, start: int, end: int | None = None) -> frozenset[str]:
    """The context cues of the name at text[start:end] (end: the text's end)."""
    from extractors.entities.context import context_cues

    return context_cues(text, start, len(text) if end is None else end).kinds


def _clause_words(text: str, *, last: bool) -> list[str]:
    """The words of `text` up to the nearest punctuation (from its end when `last`)."""
    if last:
        for stop in _STOPS:
            text = text.rsplit(stop, 1)[-1]
    else:
        text = text.lstrip(" \t,")
        for stop in _STOPS:
            text = text.split(stop, 1)[0]
    return text.split()


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_CUE_CHARS else text[: MAX_CUE_CHARS - 1] + "…"


def reasons(
    evidence: Iterable[str],
    *,
    kind: str,
    region: str | None = None,
    country_code: str | None = None,
    cue: str | None = None,
) -> str:
    """The phrases of an entity's evidence codes, joined: the gazetteer's with the town's
    place, the first cue's with its quoted words (`cue`)."""
    parts: list[str] = []
    quoted = False
    for code in dict.fromkeys(c for c in evidence if c):
        text = phrase(code)
        if code == "gazetteer" and kind == "town":
            text += f" ({place_text(region, country_code)})"
        elif cue and not quoted and code in CUE_KINDS:
            text += f' ("{cue}")'
            quoted = True
        parts.append(text)
    return ", ".join(parts)


def why_line(
    evidence: Sequence[str],
    confidence: float | None,
    *,
    kind: str,
    region: str | None = None,
    country_code: str | None = None,
    cue: str | None = None,
) -> str | None:
    """'why: in the gazetteer (Mopti region, Mali) · confidence 0.85'; None when nothing was
    recorded (entities stored before evidence was)."""
    why = reasons(evidence, kind=kind, region=region, country_code=country_code, cue=cue)
    conf = f"confidence {confidence:.2f}" if confidence is not None else ""
    if not why and not conf:
        return None
    if not why:
        return conf
    return f"why: {why}" + (f" · {conf}" if conf else "")
