"""Acronyms defined in the text: "Long Name (ACR)", "ACR [Long Name]", "Long Name, known as
ACR", "Société des mines de Loulo (Somilo)" (`acronym_pairs`).

The extractor joins both forms into one entity and names it by the long form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.text import strip_accents, word_list


# ----------------------------------------------------------------------------- acronyms
@dataclass(frozen=True)
class AcronymPair:
    long_start: int
    long_end: int
    short_start: int
    short_end: int


_ACRONYM = r"[A-Z][A-Za-z0-9&\-]{1,11}"
_PAREN_AFTER = re.compile(
    rf"[ \t]*[(\[][ \t]*(?:[^()\[\]]{{0,40}}?acronym[ \t]*,?[ \t]*)?(?P<acr>{_ACRONYM})[ \t]*[)\]]"
)
_KNOWN_AS = re.compile(
    rf",?[ \t]+(?:known as|or|also known as|dit|connu sous le nom de)[ \t]+(?P<acr>{_ACRONYM})\b"
)
_PAREN_LONG = re.compile(rf"\b(?P<acr>{_ACRONYM})[ \t]*[(\[](?P<long>[^()\[\]\n]{{6,120}})[)\]]")
_FUNCTION_WORDS = frozenset(
    word_list(
        """
        of for the and in on to at de du des la le les l d et en pour au aux à a wal al el
        """
    )
)


def _is_acronym(token: str) -> bool:
    upper = sum(1 for c in token if c.isupper())
    return upper >= 2 and upper >= (len([c for c in token if c.isalpha()]) + 1) // 2


def _initials_match(acr: str, words: list[str]) -> bool:
    """Schwartz-Hearst-like check: the acronym's letters appear, in order, at word starts
    or inside words, and its first letter starts the first word."""
    letters = [c.lower() for c in acr if c.isalpha()]
    if not letters or not words or words[0][0].lower() != letters[0]:
        return False
    text = " ".join(w.lower() for w in words)
    pos = 0
    for letter in letters:
        pos = text.find(letter, pos)
        if pos < 0:
            return False
        pos += 1
    return True


_WORD = re.compile(r"[^\W_][\w'’\-]*")


def _expansion_before(text: str, end: int, acr: str) -> tuple[int, int] | None:
    """The long form ending at `end` (just before "(ACR)"): the shortest run of preceding
    words whose initials spell the acronym, or else a run of capitalised words."""
    line_start = text.rfind("\n", 0, end) + 1
    window = text[line_start:end]
    words = list(_WORD.finditer(window))
    if not words:
        return None
    n_letters = sum(1 for c in acr if c.isalpha())
    max_words = min(len(words), max(n_letters + 5, n_letters * 2))
    for count in range(1, max_words + 1):
        chosen = words[len(words) - count :]
        # do not cross a sentence or clause boundary
        gap_text = window[chosen[0].start() : chosen[-1].end()]
        if re.search(r"[.;:!?]\s", gap_text):
            break
        tokens = [w.group() for w in chosen]
        if tokens[0].lower() in _FUNCTION_WORDS:
            continue
        if _initials_match(acr, tokens) and count >= 2:
            return line_start + chosen[0].start(), line_start + chosen[-1].end()
    # writing convention: "Capitalised Long Name (ACR)" even when the initials differ
    # (a French acronym after an English name)
    run: list[re.Match[str]] = []
    for w in reversed(words):
        tok = w.group()
        if tok[0].isupper() or tok.lower() in _FUNCTION_WORDS and run:
            run.insert(0, w)
        else:
            break
        gap = window[w.end() : run[1].start()] if len(run) > 1 else ""
        if gap and not re.fullmatch(r"[ \t]+", gap):
            run.pop(0)
            break
    while run and run[0].group().lower() in _FUNCTION_WORDS:
        run.pop(0)
    capitals = sum(1 for w in run if w.group()[0].isupper())
    if capitals >= 2:
        return line_start + run[0].start(), line_start + run[-1].end()
    return None


_SYLLABIC = re.compile(r"[ \t]*\([ \t]*(?P<acr>[A-ZÀ-Ý][a-zà-ÿ]{2,11})[ \t]*\)")
_WORD_BEFORE = re.compile(r"[^\W\d_][\w'’\-]*")


def syllabic(acr: str, long: str) -> bool:
    """ "Somilo" of "Société des mines de Loulo", "Comanav" of "Compagnie malienne de
    navigation": the short name's letters in order through the long name's words."""
    letters, words = strip_accents(acr).casefold(), strip_accents(long).casefold().split()
    if not words or words[0][:2] != letters[:2]:
        return False
    pos, joined = 0, " ".join(words)
    for ch in letters:
        pos = joined.find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    return True


def _syllabic_expansion(text: str, end: int, acr: str) -> tuple[int, int] | None:
    """The long name before "(Comanav)": the longest run of up to eight words in the same
    clause that starts with a capitalised word and spells the short name in order."""
    window_start = max(0, end - 120)
    clause = re.split(r"[.;:!?()\n,«»\"]", text[window_start:end])[-1]
    base = end - len(clause)
    words = list(_WORD_BEFORE.finditer(clause))[-8:]
    for w in words:
        long = clause[w.start() :].rstrip()
        if w.group()[:1].isupper() and len(long.split()) >= 2 and syllabic(acr, long):
            return base + w.start(), base + w.start() + len(long)
    return None


def acronym_pairs(text: str) -> list[AcronymPair]:
    """Acronyms defined in the text: "Long Name (ACR)", "ACR [Long Name]", "Long, known as ACR",
    "Société des mines de Loulo (Somilo)"."""
    pairs: list[AcronymPair] = []
    for m in _SYLLABIC.finditer(text):
        span = _syllabic_expansion(text, m.start(), m.group("acr"))
        if span:
            pairs.append(AcronymPair(span[0], span[1], m.start("acr"), m.end("acr")))
    for pattern in (_PAREN_AFTER, _KNOWN_AS):  # "Long Name (ACR)", "Long, known as ACR"
        for m in pattern.finditer(text):
            acr = m.group("acr")
            if not _is_acronym(acr):
                continue
            span = _expansion_before(text, m.start(), acr)
            if span:
                pairs.append(AcronymPair(span[0], span[1], m.start("acr"), m.end("acr")))
    for m in _PAREN_LONG.finditer(text):
        acr, long = m.group("acr"), m.group("long").strip()
        if not _is_acronym(acr) or not long[:1].isupper():
            continue
        words = long.split()
        if not 2 <= len(words) <= 14:
            continue
        if sum(1 for w in words if w[:1].isupper()) < 2 and not _initials_match(acr, words):
            continue
        s = m.start("long") + (len(m.group("long")) - len(m.group("long").lstrip()))
        pairs.append(AcronymPair(s, s + len(long), m.start("acr"), m.end("acr")))
    return pairs
