"""Name shape: cleaning a span into a name and telling a name by its form.

Headline-case lines (`title_case_zones`), capitalisation of a name (`name_shape_ok`),
sentence bounds, `strip_name` (determiners, titles, possessives, "attaque de" ... cut off a
span), title words and demonyms ("President", "l'Algérien", "Mauritaniens"), and people
recognised by a given name (`given_name_person`).
"""

from __future__ import annotations

import re

from extractors.entities.knowledge import DEMONYMS, GIVEN_NAMES
from extractors.entities.normalize import norm
from extractors.entities.patterns import _CONNECT, _NAME_PARTICLE
from extractors.text import word_list

# ----------------------------------------------------------------------------- titles
_TITLE_WORDS = frozenset(
    word_list(
        """
        president vice-president prime premier minister secretary secretary-general general gen
        colonel col lieutenant lt captain capt major sergeant sgt commander cmdr admiral marshal
        spokesman spokeswoman spokesperson ambassador envoy senator sen governor gov mayor judge
        prosecutor chancellor emir imam sheikh shaykh king queen prince pope mr mrs ms dr prof
        professor president présidente président ministre général colonel commandant capitaine
        sergent adjudant m mme mlle docteur cheikh roi reine gouverneur maire préfet juge
        procureur leader chief head chef dirigeant porte-parole sultan me maître maitre
        avocat lawyer attorney bishop archbishop cardinal abbé père sœur hadj el-hadj elhadj
        """
    )
)
_MODIFIER_WORDS = frozenset(
    word_list(
        """
        former ex acting interim transitional deputy vice then late foreign defence defense
        interior justice finance security army junta rebel jihadist militant opposition state
        senior top military assistant chief self-proclaimed regional local tribal religious
        french malian u.s. us un u.n. eu american british russian nigerien burkinabe ancien
        ancienne nouveau nouvelle actuel actuelle affairs étrangères etrangeres défense l'ancien
        of de du des la
        """
    )
)
_DETERMINERS = frozenset(["the", "le", "la", "les", "l", "l'", "l’", "un", "une", "a", "an", "des"])
# Capitalised "Le", "La", "Les" start names ("Le Drian", "La Tour"): kept.
_NAME_ARTICLES = frozenset(["Le", "La", "Les", "De", "Du", "Des"])


# ----------------------------------------------------------------------------- headline case
_TITLE_FUNCTION = frozenset(
    word_list(
        """
        a an the of in on at to for and or but with by from as is are was be vs via over into
        after amid against about de la le les du des et à en au aux sur pour par dans avec un
        une l d s
        """
    )
)
_ALPHA_WORD = re.compile(r"[^\W\d_][\w'’\-]*")


def title_case_zones(text: str) -> list[tuple[int, int]]:
    """Lines Written In Headline Case, where a capital says nothing about a name."""
    zones: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        words = [w for w in _ALPHA_WORD.findall(line) if w.casefold() not in _TITLE_FUNCTION]
        if len(words) >= 4 and sum(1 for w in words if w[0].isupper()) >= 0.8 * len(words):
            zones.append((pos, pos + len(line)))
        pos += len(line) + 1
    return zones


def name_shape_ok(name: str, strict: bool = True) -> bool:
    """Every word capitalised, or a connector inside the name ("Bank of Africa", "Ag").
    Not strict (organisations): inner words may be lower case, as in French names ("Front
    de libération du Macina"), but the first and last words are capitalised."""
    words = name.split()
    if not words:
        return False
    for i, word in enumerate(words):
        if word[:1].isupper() or word[:1].isdigit():
            continue
        bare = word.casefold().strip("'’")
        inner = 0 < i < len(words) - 1
        if inner and (bare in _TITLE_FUNCTION or re.fullmatch(_CONNECT, bare)):
            continue
        if inner and not strict and len(words) >= 3:
            continue
        if (
            i == 0
            and re.fullmatch(r"(?:al|el|ag|ould|de|van|von|bin|ben|ibn)-?", bare)
            and len(words) > 1
        ):
            continue
        if re.fullmatch(r"(?:al|el|ad|ash|as|an|ar|at|az)-\w+", bare):  # "al-Qaeda", "ash-Shabaab"
            continue
        return False
    return True


# ----------------------------------------------------------------------------- sentences
_ABBREV = frozenset(
    word_list(
        """
        mr mrs ms dr st gen col lt sgt capt cmdr maj sen rep gov prof no vs etc e.g i.e jan feb
        mar apr jun jul aug sep sept oct nov dec u.s u.n u.k m mme mlle av approx inc ltd co
        corp jr sr
        """
    )
)
_BOUNDARY = re.compile(r"[.!?…]+[\"”’»)\]]*\s+(?=[\"“«(\[]?[^\W_])|\n+")


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; lines are sentences too (headlines, captions)."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.group()[0] != "\n":
            before = text[start : m.start()].rsplit(None, 1)
            word = before[-1].casefold().rstrip(".") if before else ""
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                continue
            nxt = text[m.end() : m.end() + 1]
            if nxt and nxt.islower():
                continue
        end = m.start() + len(m.group().rstrip())
        if text[start:end].strip():
            bounds.append((start, end))
        start = m.end()
    if text[start:].strip():
        bounds.append((start, len(text.rstrip())))
    return bounds


# ----------------------------------------------------------------------------- names
_SPLIT_SPAN = re.compile(r"[\n()\[\]:;|\"“”«»,/]|['’]s[ \t]+|[ \t][–—][ \t]")
_POSSESSIVE_END = re.compile(r"['’]s?$")


def strip_name(
    text: str, start: int, end: int, titles: bool = True, lead_lower: bool = False
) -> list[tuple[int, int, bool]]:
    """Clean a model span into name pieces: split at line breaks, brackets and "'s ",
    strip determiners, titles ("President", "French Foreign Minister") and possessives.
    Returns (start, end, had_title) for each piece left."""
    pieces: list[tuple[int, int]] = []
    pos = start
    for m in _SPLIT_SPAN.finditer(text, start, end):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, end))
    out: list[tuple[int, int, bool]] = []
    for s, e in pieces:
        # trim edges
        while s < e and not text[s].isalnum():
            s += 1
        while e > s and not (text[e - 1].isalnum() or text[e - 1] == "."):
            e -= 1
        poss = _POSSESSIVE_END.search(text, s, e)
        if poss and poss.start() > s and text[poss.start() - 1].isalnum() and poss.group():
            e = poss.start()
        if e > s and text[e - 1] == "." and not re.search(r"\b[A-Z]\.$", text[s:e]):
            e -= 1
        had_title = False
        # strip leading determiners / title words, word by word
        while s < e:
            first = re.match(r"[^\s]+", text[s:e])
            if not first:
                break
            word = first.group()
            w = word.casefold().rstrip(".")
            rest = text[s + len(word) : e].lstrip()
            if not rest:
                break
            if word in _NAME_ARTICLES and rest[:1].isupper():
                break
            if (
                lead_lower
                and word[:1].islower()
                and not re.fullmatch(r"(?:al|el|ag|ould|bin|ben|ibn|de|van|von)(?:-\w+)?", word)
            ):
                s = e - len(rest)
                continue
            lead = _DESCRIPTOR_OF.match(text, s, e)
            if lead and text[lead.end() : e][:1].isupper():
                s = lead.end()  # "Attaque de Tessit", "Axe Ségou-San", "Grand Marché de X"
                continue
            if w in _LEAD_PREPOSITIONS and word[:1].isupper() and rest[:1].isupper():
                s = e - len(rest)  # "Depuis Dakar", "À Abuja" at a sentence start
                continue
            if titles and _is_demonym(word) and rest[:1].isupper():
                s = e - len(rest)  # "l'Algérien Abdelhamid Abou Zeid" (people only)
                continue
            if w in _DETERMINERS or (
                titles and (w in _TITLE_WORDS or (w in _MODIFIER_WORDS and _title_follows(rest)))
            ):
                if w in _TITLE_WORDS:
                    had_title = True
                s = e - len(rest)
                continue
            break
        piece = text[s:e]
        if s < e and any(c.isupper() for c in piece):
            if titles and piece.casefold().rstrip(".") in _TITLE_WORDS:
                continue  # a title alone ("Col.")
            out.append((s, e, had_title))
    return out


# Words that describe a place or an event named after a town: the town is the name.
_DESCRIPTOR_OF = re.compile(
    r"(?i:attaque|attaques|attack|attacks|attentat|massacre|prise|bataille|battle|siège|siege|"
    r"chute|fall|embuscade|ambush|axe|route|road|grand marché|marché|market|quartier|aéroport|"
    r"airport|stade|stadium|pont|bridge|port|mairie|gare|hôpital|hospital|barrage|dam|"
    r"poste|post|base|camp|garnison|garrison)"
    r"[ \t]*(?:(?:de|du|des|d['’]|of)(?:[ \t]+(?:la|le|les|the)|[ \t]*l['’])?)[ \t]*(?=\S)"
    r"|(?i:axe)[ \t]+(?=\S)"
)
_LEAD_PREPOSITIONS = frozenset(
    word_list(
        """
        à a au aux de depuis selon pour dans en après avant chez vers sur par avec sans contre
        entre pendant durant malgré outre in at from after before for since during with without
        against near outside inside despite under over across through via
        """
    )
)
_DEMONYM_SHAPE = re.compile(r"[A-ZÀ-Ý][a-zà-ÿ]+(?:ien|ienne|iens|iennes|ian|ians)$")
_PLURAL_DEMONYM_SHAPE = re.compile(
    r"(?:[A-ZÀ-Ý][a-zà-ÿ]+-)?[A-ZÀ-Ý][a-zà-ÿ]+"
    r"(?:ien|ienne|iens|iennes|ian|ians|ais|aise|aises|ain|ains|aine|aines|ois|oise|oises)$"
)


def demonym_shaped(word: str) -> bool:
    """A nationality as a noun ("Mauritaniens", "Néerlandais", "Sud-Africain"), not a name."""
    if norm(word) in GIVEN_NAMES:
        return False
    return norm(word) in DEMONYMS or bool(_PLURAL_DEMONYM_SHAPE.fullmatch(word))


def is_title_word(word: str) -> bool:
    """ "President", "Colonel", "Me", "Foreign": words that come before a person's name."""
    w = word.casefold().rstrip(".")
    return w in _TITLE_WORDS or w in _MODIFIER_WORDS or _is_demonym(word)


def _is_demonym(word: str) -> bool:
    """ "Algérien", "Mauritanian", "l'Ivoirien": a nationality before a person's name."""
    bare = re.sub(r"^[lL]['’]", "", word)
    if norm(bare) in GIVEN_NAMES:
        return False  # "Damien", "Christian", "Julien"
    return norm(bare) in DEMONYMS or bool(_DEMONYM_SHAPE.fullmatch(bare))


def given_name_person(name: str) -> bool:
    """A person's name by its shape: two or more capitalised words, the first a given name
    ("Soumaïla Cissé", "Almahdi Ag Mohamed"), whatever the model's label said."""
    words = name.split()
    if len(words) < 2 or name.isupper():
        return False
    first = norm(words[0]).split(" ")[0]  # "Jean-Yves" -> "jean"
    if first not in GIVEN_NAMES:
        return False
    return all(w[:1].isupper() or re.fullmatch(_NAME_PARTICLE + r"(?:-\S+)?", w) for w in words)


def _title_follows(rest: str) -> bool:
    """Is a title word among the next words (after modifiers)? "Foreign Minister X"."""
    for word in rest.split()[:3]:
        w = word.casefold().rstrip(".")
        if w in _TITLE_WORDS:
            return True
        if w not in _MODIFIER_WORDS:
            return False
    return False
