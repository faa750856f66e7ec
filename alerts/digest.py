"""What a digest says, as plain data: built from the rows of one warehouse query
(`warehouse.outbox.alert_rows`, made items by `item_from_row`) and rendered by each channel
(`alerts.channels`).

A digest is one message on one channel: the new actors and the new towns of a run, each with
its evidence (the article, the sentence, how many articles and sources named it in that run,
why the extractor believes it and how confidently: `alerts.evidence`).
Its id is a hash of its alert ids, so the same alerts always make the same digest id (the
email's Message-ID is derived from it).

Titles, sentences and names come from the web: untrusted. This module only makes them single
clean lines; escaping belongs to each renderer.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from alerts.evidence import CUE_KINDS, country_name, cue_words, place_text, why_line

if TYPE_CHECKING:
    from warehouse.outbox import AlertRow

KINDS = ("actor", "town")
KIND_TITLES = {"actor": "Actors", "town": "Towns"}
MAX_NAME_CHARS = 200
MAX_TITLE_CHARS = 300
MAX_SENTENCE_CHARS = 1000
MAX_URL_CHARS = 2000
ELLIPSIS = "…"


def single_line(text: str | None, limit: int | None = None) -> str:
    """Untrusted text as one line: control and format characters (newlines, CR, NUL, bidi
    overrides) become spaces, runs of whitespace one space; longer than `limit`, it is cut
    at a word and ends with a visible '…' (never silently)."""
    if not text:
        return ""
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )
    cleaned = " ".join(cleaned.split())
    if limit is not None and len(cleaned) > limit:
        cut = cleaned[: limit - 1]
        space = cut.rfind(" ")
        if space > limit // 2:
            cut = cut[:space]
        cleaned = cut.rstrip() + ELLIPSIS
    return cleaned


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL fit to link to, else None (never javascript:,
    data: or a relative path)."""
    if not url:
        return None
    url = url.strip()
    if len(url) > MAX_URL_CHARS or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname  # raises on a malformed port or bracket
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url


@dataclass(frozen=True)
class ArticleRef:
    """The article that first named the entity: the evidence an analyst opens."""

    article_id: str
    title: str
    url: str | None  # http(s) only; None when the stored URL is not linkable
    source: str
    published_at: datetime | None


@dataclass(frozen=True)
class AlertItem:
    """One new actor or town, as one alert of one channel."""

    alert_id: str
    entity_id: str
    kind: str  # 'actor' | 'town'
    subtype: str | None
    name: str
    article: ArticleRef | None
    sentence: str  # where the entity appears; "" when no mention was stored
    highlights: tuple[tuple[int, int], ...]  # spans of the name in `sentence`
    article_count: int  # articles of the discovering run naming it (copies excluded)
    source_count: int  # distinct sources of those articles
    region: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    country_code: str | None = None
    evidence: tuple[str, ...] = ()  # the extractor's codes: ("gazetteer",), ("model",) ...
    confidence: float | None = None  # 0..1
    cue: str | None = None  # the words of its cue in `sentence`: 'the village of …'

    @property
    def country(self) -> str | None:
        """The country's name ('Mali' for 'ML'); the code when it is not known."""
        return country_name(self.country_code)

    @property
    def place(self) -> str:
        """Where a town is: 'Mopti region, Mali'."""
        return place_text(self.region, self.country_code)

    @property
    def why(self) -> str | None:
        """'why: in the gazetteer (Mopti region, Mali) · confidence 0.85'; None when the
        entity was stored without evidence."""
        return why_line(self.evidence, self.confidence, kind=self.kind, region=self.region,
                        country_code=self.country_code, cue=self.cue)

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def map_url(self) -> str | None:
        """An OpenStreetMap link for a town with coordinates."""
        if not self.has_coordinates:
            return None
        lat, lon = f"{self.latitude:.5f}", f"{self.longitude:.5f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=11/{lat}/{lon}"

    @property
    def coordinates(self) -> str | None:
        if not self.has_coordinates:
            return None
        assert self.latitude is not None and self.longitude is not None
        ns = "N" if self.latitude >= 0 else "S"
        ew = "E" if self.longitude >= 0 else "W"
        return f"{abs(self.latitude):.4f}°{ns} {abs(self.longitude):.4f}°{ew}"

    def sentence_parts(self) -> list[tuple[str, bool]]:
        """The sentence cut into (text, is_the_name) pieces, for highlighting."""
        parts: list[tuple[str, bool]] = []
        at = 0
        for start, end in self.highlights:
            if start > at:
                parts.append((self.sentence[at:start], False))
            parts.append((self.sentence[start:end], True))
            at = end
        if at < len(self.sentence):
            parts.append((self.sentence[at:], False))
        return parts


def find_highlights(sentence: str, names: Iterable[str | None]) -> tuple[tuple[int, int], ...]:
    """Non-overlapping spans of any of `names` in `sentence` (case-insensitive, whole words
    where the name starts or ends with a letter), longest names first."""
    spans: list[tuple[int, int]] = []
    wanted = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    for name in wanted:
        pattern = re.escape(name)
        if name[0].isalnum():
            pattern = r"(?<!\w)" + pattern
        if name[-1].isalnum():
            pattern += r"(?!\w)"
        for match in re.finditer(pattern, sentence, re.IGNORECASE):
            start, end = match.span()
            if all(end <= s or start >= e for s, e in spans):
                spans.append((start, end))
    return tuple(sorted(spans))


def make_item(
    *,
    alert_id: str,
    entity_id: str,
    kind: str,
    subtype: str | None,
    name: str,
    article: ArticleRef | None,
    surface: str | None,
    sentence: str | None,
    article_count: int,
    source_count: int,
    region: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    country_code: str | None = None,
    evidence: Iterable[str] = (),
    confidence: float | None = None,
) -> AlertItem:
    """An AlertItem from raw warehouse values: text made single-line and bounded, the name
    found in the sentence, the words of its first cue found there."""
    clean_name = single_line(name, MAX_NAME_CHARS) or entity_id
    clean_sentence = single_line(sentence, MAX_SENTENCE_CHARS)
    highlights = find_highlights(clean_sentence, [single_line(surface), clean_name])
    codes = tuple(dict.fromkeys(c for c in (single_line(e, 40) for e in evidence) if c))
    cue = next(
        (w for code in codes if code in CUE_KINDS
         if (w := cue_words(code, clean_sentence, highlights))),
        None,
    )
    return AlertItem(
        alert_id=alert_id,
        entity_id=entity_id,
        kind=kind if kind in KINDS else "actor",
        subtype=single_line(subtype, 60) or None,
        name=clean_name,
        article=article,
        sentence=clean_sentence,
        highlights=highlights,
        article_count=article_count,
        source_count=source_count,
        region=single_line(region, 100) or None,
        latitude=latitude,
        longitude=longitude,
        country_code=single_line(country_code, 8) or None,
        evidence=codes,
        confidence=_confidence(confidence),
        cue=cue,
    )


def _confidence(value: float | None) -> float | None:
    """A stored confidence as a number in 0..1; None when absent or not a number."""
    if value is None or not math.isfinite(value):
        return None
    return min(max(float(value), 0.0), 1.0)


def make_article(
    article_id: str,
    title: str | None,
    url: str | None,
    source: str | None,
    published_at: datetime | None,
) -> ArticleRef:
    return ArticleRef(
        article_id=article_id,
        title=single_line(title, MAX_TITLE_CHARS) or "(untitled article)",
        url=safe_url(url),
        source=single_line(source, 100) or "unknown source",
        published_at=published_at,
    )


def item_from_row(row: AlertRow) -> AlertItem:
    """An alert as the warehouse stored it, made fit for a message."""
    article = (
        make_article(row.article_id, row.title, row.url, row.source, row.published_at)
        if row.article_id
        else None
    )
    return make_item(
        alert_id=row.alert_id,
        entity_id=row.entity_id,
        kind=row.kind or "actor",
        subtype=row.subtype,
        name=row.name or row.entity_id,
        article=article,
        surface=row.surface,
        sentence=row.sentence,
        article_count=row.article_count,
        source_count=row.source_count,
        region=row.region,
        latitude=row.latitude,
        longitude=row.longitude,
        country_code=row.country_code,
        evidence=row.evidence,
        confidence=row.confidence,
    )


def digest_id_for(channel: str, alert_ids: Iterable[str]) -> str:
    """The same alerts on the same channel always give the same id."""
    key = "\x1f".join([channel, *sorted(set(alert_ids))])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class Digest:
    """One message on one channel: items sorted actors first, then towns, then by name."""

    channel: str
    items: tuple[AlertItem, ...]
    digest_id: str
    run_id: str | None = None
    part: int = 1  # this message's number when a digest is split (Slack's limits)
    parts: int = 1
    test: bool = False  # a test alert from `mali-monitor alerts test`

    @property
    def alert_ids(self) -> list[str]:
        return [item.alert_id for item in self.items]

    def of_kind(self, kind: str) -> list[AlertItem]:
        return [item for item in self.items if item.kind == kind]

    def groups(self) -> list[tuple[str, list[AlertItem]]]:
        """(kind, items) for each kind present, actors first."""
        return [(kind, found) for kind in KINDS if (found := self.of_kind(kind))]

    def counts_text(self) -> str:
        """'2 new actors, 1 new town' (fixed text and numbers only: safe in any header)."""
        words = []
        for kind, items in self.groups():
            n = len(items)
            words.append(f"{n} new {kind}{'s' if n != 1 else ''}")
        return ", ".join(words) or "nothing new"

    def part_suffix(self) -> str:
        return f" (part {self.part} of {self.parts})" if self.parts > 1 else ""

    def split(self, sizes: Sequence[int]) -> list[Digest]:
        """This digest cut into consecutive parts of the given item counts, each with its
        own id (a hash of its own alert ids) and its number."""
        parts: list[Digest] = []
        at = 0
        for size in sizes:
            chunk = self.items[at : at + size]
            at += size
            parts.append(
                replace(
                    self,
                    items=chunk,
                    digest_id=digest_id_for(self.channel, [i.alert_id for i in chunk]),
                )
            )
        assert at == len(self.items), "split sizes must cover every item"
        return [
            replace(part, part=n, parts=len(parts)) for n, part in enumerate(parts, start=1)
        ]


def build_digest(
    channel: str, items: Iterable[AlertItem], *, run_id: str | None = None, test: bool = False
) -> Digest:
    ordered = sorted(
        items, key=lambda i: (KINDS.index(i.kind), i.name.casefold(), i.alert_id)
    )
    return Digest(
        channel=channel,
        items=tuple(ordered),
        digest_id=digest_id_for(channel, [i.alert_id for i in ordered]),
        run_id=run_id,
        test=test,
    )


def describe_subtype(item: AlertItem) -> str:
    """'armed group' from 'armed_group'; the kind when no subtype is known."""
    return (item.subtype or item.kind).replace("_", " ")


def date_text(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "date unknown"
