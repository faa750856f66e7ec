"""Score the entity alerts against the team's labelled texts.

Each text is read as the pipeline reads a fetched article (headline + body), with the
warehouse baseline built from the shipped seed corpus, and its alerts are the new entities
`assess_novelty` would put in the outbox. An alert is right when one of its names (display
name, aliases, surfaces) is one of a label's spellings, folded for case, accents and
punctuation; a second alert for an entity already alerted in the same text is noise, so
is an alert for a seed entity, a town abroad or anything unlabelled. Labels marked
`optional` count neither way.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from extractors.articles import article_from_seed
from extractors.entities import EntityCandidate
from extractors.entities.extract import to_known
from extractors.entities.normalize import norm
from extractors.entities.novelty import NoveltySettings, assess_novelty
from extractors.entities.recognizer import EntityRecognizer
from extractors.models import Article
from warehouse.seeds import seed_files

HERE = Path(__file__).resolve().parent
TEXT_FILES = tuple(sorted(HERE.glob("texts_*.toml")))
_LEADING = re.compile(r"^(?:the|le|la|les|l|operation|operations|opération|opérations)\s+")


@dataclass(frozen=True)
class LabelledText:
    id: str
    language: str
    title: str
    body: str
    actors: tuple[tuple[str, ...], ...]
    towns: tuple[tuple[str, ...], ...]
    abroad: tuple[tuple[str, ...], ...]
    optional: tuple[tuple[str, ...], ...]


@dataclass
class TextScore:
    id: str
    hits: list[str] = field(default_factory=list)  # labels found
    misses: list[str] = field(default_factory=list)  # labels not alerted
    noise: list[str] = field(default_factory=list)  # alerts that are wrong or repeated
    ignored: list[str] = field(default_factory=list)  # alerts on optional labels


@dataclass
class Score:
    texts: list[TextScore]

    @property
    def found(self) -> int:
        return sum(len(t.hits) for t in self.texts)

    @property
    def expected(self) -> int:
        return self.found + sum(len(t.misses) for t in self.texts)

    @property
    def wrong(self) -> int:
        return sum(len(t.noise) for t in self.texts)

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        alerted = self.found + self.wrong
        return self.found / alerted if alerted else 1.0

    def report(self) -> str:
        """Every miss and every noise alert, one per line, then the figures."""
        lines = []
        for t in self.texts:
            lines += [f"  miss   {t.id}: {m}" for m in t.misses]
            lines += [f"  noise  {t.id}: {n}" for n in t.noise]
        lines.append(
            f"recall {self.recall:.3f} ({self.found}/{self.expected}), "
            f"precision {self.precision:.3f} ({self.found}/{self.found + self.wrong}), "
            f"{len(self.texts)} texts"
        )
        return "\n".join(lines)


def _spellings(label: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in label.split("|") if s.strip())


def load_texts(paths: Iterable[Path] = TEXT_FILES) -> list[LabelledText]:
    texts = []
    for path in paths:
        with open(path, "rb") as f:
            data = tomllib.load(f)
        for row in data["text"]:
            texts.append(
                LabelledText(
                    id=row["id"],
                    language=row["language"],
                    title=row.get("title", ""),
                    body=row["body"],
                    **{
                        k: tuple(_spellings(label) for label in row.get(k, []))
                        for k in ("actors", "towns", "abroad", "optional")
                    },
                )
            )
    return texts


def _article(text: LabelledText) -> Article:
    return Article(
        article_id=text.id,
        url=f"https://eval.invalid/{text.id}",
        canonical_url=f"https://eval.invalid/{text.id}",
        feed_url=None,
        source="eval",
        title=text.title,
        author=None,
        published_at=None,
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        language=text.language,
        text=text.body.strip(),
        content_hash=text.id,
        text_origin="page",
    )


@cache
def baseline_recognizer() -> EntityRecognizer:
    """The recognizer of a warehouse holding only the seed corpus, as `init` builds it."""
    recognizer = EntityRecognizer.build([])
    loaded_at = datetime(2026, 1, 1, tzinfo=UTC)
    seeds = [article_from_seed(name, raw, loaded_at=loaded_at) for name, raw in seed_files()]
    writes = assess_novelty(
        recognizer.extract(seeds),
        known_keys=recognizer.known_keys,
        seen_at=loaded_at,
        baseline=True,
    )
    stored = [to_known(e.candidate) for e in writes.new_entities]
    return EntityRecognizer.build(stored, model=recognizer.model)


def _fold(name: str) -> str:
    return _LEADING.sub("", norm(name))


def _names(candidate: EntityCandidate) -> set[str]:
    names = {candidate.name, *candidate.aliases, *(m.surface for m in candidate.mentions)}
    return {_fold(n) for n in names} - {""}


def alerts_of(
    texts: Sequence[LabelledText], settings: NoveltySettings | None = None
) -> dict[str, list[EntityCandidate]]:
    """{text id: the candidates the pipeline would alert on}, each text read on its own
    against the seed baseline."""
    recognizer = baseline_recognizer()
    out: dict[str, list[EntityCandidate]] = {}
    now = datetime(2026, 1, 2, tzinfo=UTC)
    for text in texts:
        found = recognizer.extract([_article(text)])  # one at a time: nothing learned across
        writes = assess_novelty(
            {text.id: found.get(text.id, [])},
            known_keys=recognizer.known_keys,
            seen_at=now,
            settings=settings,
        )
        out[text.id] = [e.candidate for e in writes.new_entities if e.alert]
    return out


def _describe(c: EntityCandidate) -> str:
    kind = c.subtype or c.kind
    where = f" {c.country_code}" if c.kind == "town" and c.country_code else ""
    return f"{c.name} ({kind}{where}; {', '.join(c.evidence)}; {c.confidence:.2f})"


def score_text(text: LabelledText, alerts: Sequence[EntityCandidate]) -> TextScore:
    result = TextScore(text.id)
    wanted = [(label, {_fold(s) for s in label}) for label in text.actors + text.towns]
    optional = [{_fold(s) for s in label} for label in text.optional]
    abroad = [{_fold(s) for s in label} for label in text.abroad]
    hit: set[int] = set()
    for alert in alerts:
        names = _names(alert)
        match = next((i for i, (_, forms) in enumerate(wanted) if forms & names), None)
        if match is not None and match not in hit:
            hit.add(match)
            result.hits.append(" | ".join(wanted[match][0]))
        elif match is not None:
            result.noise.append(f"{_describe(alert)} again")
        elif any(forms & names for forms in optional):
            result.ignored.append(_describe(alert))
        elif any(forms & names for forms in abroad):
            result.noise.append(f"{_describe(alert)} is abroad")
        else:
            result.noise.append(_describe(alert))
    result.misses = [" | ".join(label) for i, (label, _) in enumerate(wanted) if i not in hit]
    return result


def evaluate(
    texts: Sequence[LabelledText] | None = None, settings: NoveltySettings | None = None
) -> Score:
    texts = load_texts() if texts is None else texts
    alerts = alerts_of(texts, settings)
    return Score([score_text(t, alerts[t.id]) for t in texts])
