"""Is an entry or article about Mali? A weighted term score, English and French.

Strong terms (the country and its demonyms, Malian towns, Mali-specific armed groups,
missions and leaders) are enough alone; weak terms (the Sahel, the Tuareg, ambiguous town
names such as Gao, regional operations) count only together. Matching ignores accents and,
for names, needs the capitalised form so that "mali" inside other words or languages does
not match. Users add terms or change weights in `[topic]`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from extractors.text import strip_accents

# term -> weight; 1.0 alone is enough at the default threshold.
DEFAULT_TERMS: Mapping[str, float] = {
    # the country and its people
    "Mali": 1.0, "Malian": 1.0, "Malians": 1.0, "Malien": 1.0, "Malienne": 1.0,
    "Maliens": 1.0, "Maliennes": 1.0,
    # towns and regions whose names are not common elsewhere
    "Bamako": 1.0, "Timbuktu": 1.0, "Tombouctou": 1.0, "Kidal": 1.0, "Mopti": 1.0,
    "Sevare": 1.0, "Menaka": 1.0, "Tessalit": 1.0, "Aguelhok": 1.0, "Aguelhoc": 1.0,
    "Douentza": 1.0, "Bandiagara": 1.0, "Djenne": 1.0, "Diabaly": 1.0, "Konna": 1.0,
    "Niono": 1.0, "Koulikoro": 1.0, "Sikasso": 1.0, "Segou": 1.0, "Ansongo": 1.0,
    "Bourem": 1.0, "Anefis": 1.0, "Hombori": 1.0, "Goundam": 1.0, "Niafunke": 1.0,
    "Ogossagou": 1.0, "Sobane Da": 1.0, "Kati": 0.5, "Gao": 0.5, "Kayes": 0.5,
    "Macina": 0.5, "Massina": 0.5, "Azawad": 1.0, "Liptako": 0.5, "Gourma": 0.5,
    # armed groups, missions and operations
    "MINUSMA": 1.0, "MNLA": 1.0, "JNIM": 1.0, "GSIM": 1.0, "Ansar Dine": 1.0,
    "Ansar Eddine": 1.0, "Ansar al-Din": 1.0, "MUJAO": 1.0, "MUJWA": 1.0,
    "Katiba Macina": 1.0, "EUTM": 0.5, "Operation Serval": 1.0, "operation Serval": 1.0,
    "Barkhane": 0.5, "Takuba": 0.5, "AQIM": 0.5, "AQMI": 0.5, "FAMa": 1.0,
    "Islamic State in the Greater Sahara": 0.5, "Etat islamique au Grand Sahara": 0.5,
    "EIGS": 0.5, "ISGS": 0.5, "Dan Na Ambassagou": 1.0,
    # people
    "Goita": 1.0, "Assimi": 1.0, "Keita": 0.5, "Iyad Ag Ghaly": 1.0, "Ag Ghali": 1.0,
    "Amadou Koufa": 1.0, "Dioncounda": 1.0, "Choguel": 1.0, "Maiga": 0.5,
    # the wider region
    "Sahel": 0.5, "Sahelian": 0.5, "sahelien": 0.5, "Tuareg": 0.5, "Tuaregs": 0.5,
    "Touareg": 0.5, "Touaregs": 0.5, "Dogon": 0.5, "Fulani": 0.25, "Peul": 0.25,
    "Peuls": 0.25, "Wagner": 0.25,
}

# Places and names that contain "Mali" without being about the country.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    "Mali Losinj", "Mali Idjos", "Mali Idos", "Mali Zvornik", "Mali Iz", "Mali Music",
)


@dataclass(frozen=True)
class TopicSettings:
    terms: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_TERMS))
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    min_score: float = 1.0


@dataclass(frozen=True)
class TopicDecision:
    relevant: bool
    score: float
    matched: tuple[str, ...]

    @property
    def reason(self) -> str:
        if self.relevant:
            return f"on topic (score {self.score:g}: {', '.join(self.matched)})"
        if not self.matched:
            return "off topic: no Mali term in title or summary"
        return f"off topic: score {self.score:g} below threshold ({', '.join(self.matched)})"


class TopicFilter:
    """Compiled once per settings; `assess` is called for every entry and article."""

    def __init__(self, settings: TopicSettings | None = None) -> None:
        self.settings = settings or TopicSettings()
        self._patterns = [
            (term, weight, _term_pattern(term)) for term, weight in self.settings.terms.items()
        ]
        self._exclude = [_term_pattern(term) for term in self.settings.exclude]

    def assess(self, *parts: str | None) -> TopicDecision:
        text = strip_accents(" \n ".join(p for p in parts if p))
        for pattern in self._exclude:
            text = pattern.sub(" ", text)
        matched: list[str] = []
        score = 0.0
        for term, weight, pattern in self._patterns:
            if weight > 0 and pattern.search(text):
                matched.append(term)
                score += weight
        score = round(score, 3)
        return TopicDecision(score >= self.settings.min_score, score, tuple(matched))


def _term_pattern(term: str) -> re.Pattern[str]:
    """Capitalised and upper-case forms of a term, between word boundaries, accents ignored."""
    plain = strip_accents(term)
    forms = {plain, plain.upper()}
    if plain[:1].islower():
        forms.add(plain[:1].upper() + plain[1:])
    alternatives = "|".join(re.escape(f).replace(r"\ ", r"[\s\-]+") for f in sorted(forms))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def merged_terms(extra: Mapping[str, float] | Iterable[str] | None) -> dict[str, float]:
    """Defaults plus a user's terms (a list gets weight 1.0; a weight of 0 disables one)."""
    terms = dict(DEFAULT_TERMS)
    if extra is None:
        return terms
    if isinstance(extra, Mapping):
        terms.update({str(k): float(v) for k, v in extra.items()})
    else:
        terms.update({str(k): 1.0 for k in extra})
    return terms
