"""Name normalisation, canonical keys and a token trie for matching known names in text.

Matching works on word tokens (runs of letters/digits) compared accent- and case-insensitively,
so "Sévaré" = "Sevare", "al-Qaeda" = "al Qaeda" and "U.N." = "UN". Only spaces, hyphens,
apostrophes and full stops may separate the tokens of one match: a name never spans a comma,
a bracket or a line break.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from extractors.text import strip_accents

__all__ = [
    "PhraseIndex",
    "Token",
    "canonical_key",
    "find_phrases",
    "has_upper",
    "norm",
    "norm_tokens",
    "skeleton",
    "slug",
    "tokenize",
]

T = TypeVar("T")

# "U.N." and "U.S." are one token each ("un", "us"), like "UN" and "US".
_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W_]+")
# What may stand between two tokens of one name.
_JOINER = re.compile(r"[ \t\u00a0\u202f\-\u2010\u2011\u2013'’.]{1,3}")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O"})


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    norm: str
    start: int
    end: int


def _fold(text: str) -> str:
    return strip_accents(text.translate(_LIGATURES)).casefold().replace(".", "")


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), _fold(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def norm_tokens(name: str) -> tuple[str, ...]:
    return tuple(_fold(t) for t in _TOKEN.findall(name))


def norm(name: str) -> str:
    """Accent-, case- and punctuation-insensitive form: "Mali’s Sévaré" -> "mali s sevare"."""
    return " ".join(norm_tokens(name))


# Transliterations of one Arabic, Tamasheq or Fulfulde name in French and English spelling.
_ARABIC_ARTICLES = frozenset(["al", "el", "ad", "ed", "as", "es", "ash", "an", "ar", "at", "az"])
_CONSTRUCT = {"katibat": "katiba", "jamaat": "jamaa", "harakat": "haraka", "sarayat": "saraya"}
_ASSIMILATED = re.compile(r"^[aeu]([bcdfghjklmnpqrstvwxz])\1|^[aeu](?=din)")  # "Eddine", "Edine"
_DIGRAPHS = (
    ("ae", "ai"), ("ou", "u"), ("kh", "k"), ("gh", "g"), ("dh", "d"), ("th", "t"), ("ph", "f"),
    ("sh", "s"), ("ch", "s"), ("q", "k"), ("y", "i"), ("ee", "i"), ("ei", "i"), ("w", "u"),
    ("c", "k"),
)
_LEADING_ARTICLES = frozenset(["the", "le", "la", "les", "l"])
_DOUBLED = re.compile(r"(.)\1+")


def skeleton(name: str) -> str:
    """A spelling-blind form, to tell variants of one name apart from different names:
    apostrophes, hyphens and spaces ("N'Golo" = "Ngolo", "Dinangourou-Peul" = "Dinangourou
    Peul"), accents, doubled letters and the usual transliteration pairs ("Ansar Eddine" =
    "Ançar Dine", "Ag Ghaly" = "Ag Ghali", "Katiba Macina" = "Katibat Macina")."""
    tokens = norm_tokens(name.replace("ç", "s").replace("Ç", "S"))
    while len(tokens) > 1 and tokens[0] in _LEADING_ARTICLES:
        tokens = tokens[1:]  # "La Comanav" = "Comanav", "the Wagner Group" = "Wagner Group"
    kept = []
    for i, token in enumerate(tokens):
        if token in _ARABIC_ARTICLES and i + 1 < len(tokens):
            continue
        token = _CONSTRUCT.get(token, token)
        if i > 0:
            token = _ASSIMILATED.sub(r"\1", token)
        kept.append(token)
    folded = "".join(kept)
    for digraph, single in _DIGRAPHS:
        folded = folded.replace(digraph, single)
    folded = _DOUBLED.sub(r"\1", folded)
    return folded.removesuffix("e") if len(folded) > 4 else folded


def slug(name: str) -> str:
    return "-".join(norm_tokens(name))


def canonical_key(name: str, kind: str) -> str:
    """The stable key of an entity: its kind and its canonical name, normalised.

    >>> canonical_key("François Hollande", "actor")
    'actor:francois-hollande'
    """
    return f"{kind}:{slug(name)}"


def has_upper(text: str) -> bool:
    return any(c.isupper() for c in text)


class PhraseIndex(Generic[T]):
    """Leftmost-longest matching of many phrases over the word tokens of a text."""

    def __init__(self) -> None:
        self._root: dict[str, Any] = {}
        self.size = 0

    def add(self, phrase: str, payload: T) -> None:
        tokens = norm_tokens(phrase)
        if not tokens:
            return
        node = self._root
        for tok in tokens:
            node = node.setdefault(tok, {})
        payloads: list[T] = node.setdefault("", [])
        if payload not in payloads:
            payloads.append(payload)
            self.size += 1

    def lookup(self, phrase: str) -> list[T]:
        node = self._root
        for tok in norm_tokens(phrase):
            nxt = node.get(tok)
            if nxt is None:
                return []
            node = nxt
        return list(node.get("", []))

    def find(
        self, text: str, tokens: list[Token] | None = None
    ) -> Iterator[tuple[int, int, list[T]]]:
        """(start, end, payloads) of each match, leftmost-longest, not overlapping."""
        return find_phrases([self], text, tokens)


def find_phrases(
    indexes: Sequence[PhraseIndex[T]],
    text: str,
    tokens: list[Token] | None = None,
    accept: Callable[[T], bool] | None = None,
) -> Iterator[tuple[int, int, list[T]]]:
    """(start, end, payloads) of each match in any of `indexes`, leftmost-longest, not
    overlapping, as if they were one index (payloads in the order of `indexes`).

    Layers let a short-lived table add names on top of a large shared one without copying
    it. A payload `accept` rejects counts as absent: a longer phrase whose payloads are all
    rejected does not hide a shorter one.
    """
    toks = tokens if tokens is not None else tokenize(text)
    roots = [index._root for index in indexes]
    i, n = 0, len(toks)
    while i < n:
        best_end = -1
        best: list[T] = []
        for root in roots:
            node = root.get(toks[i].norm)
            j = i
            while node is not None:
                payloads = node.get("")
                if payloads and accept is not None:
                    payloads = [p for p in payloads if accept(p)]
                if payloads:
                    if j > best_end:
                        best_end, best = j, list(payloads)
                    elif j == best_end:
                        best.extend(payloads)
                j += 1
                if j >= n or not _JOINER.fullmatch(text[toks[j - 1].end : toks[j].start]):
                    break
                node = node.get(toks[j].norm)
        if best_end < 0:
            i += 1
            continue
        yield toks[i].start, toks[best_end].end, best
        i = best_end + 1
