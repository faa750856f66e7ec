"""One run's entity recognizer: the model, the gazetteer and the alias table together,
reading batches in order and learning what each batch stores."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from extractors.entities.aliases import AliasTable, load_alias_file
from extractors.entities.extract import ArticleInput, extract_entities, ner_language, to_known
from extractors.entities.gazetteer import Gazetteer
from extractors.entities.model import NerModel, PrecomputedNer, SpacyNerModel
from extractors.entities.novelty import EntityWrites
from extractors.entities.records import EntityCandidate, KnownEntity, Place, RawSpan
from extractors.entities.stopwords import stop_words
from extractors.models import Article


def _headline(article: Article) -> str:
    title = " ".join((article.title or "").split())
    if not title or " ".join(article.text[: len(title) * 2].split()).startswith(title):
        return ""  # no headline, or the text starts with it already
    return title


def headline_length(article: Article) -> int:
    """How many characters of the read text come before the article's own text: the
    headline and the blank line after it (0 when the headline is not read apart)."""
    title = _headline(article)
    return len(title) + 2 if title else 0


def reading_input(article: Article) -> ArticleInput:
    """(article_id, text, language) as entities are read: the headline, a blank line, then
    the body. A full name often appears only in the headline ("Mali junta names Colonel
    Abdoulaye Maïga prime minister" over "Maïga said ..."). Mentions found in the headline
    get negative offsets: offsets stay relative to the article's own text."""
    title = _headline(article)
    text = f"{title}\n\n{article.text}" if title else article.text
    return article.article_id, text, article.language


class EntityRecognizer:
    def __init__(
        self,
        model: NerModel,
        gazetteer: Gazetteer,
        aliases: AliasTable,
        stored_keys: Iterable[str] = (),
    ) -> None:
        self.model = model
        self.gazetteer = gazetteer
        self.aliases = aliases
        self.known_keys: set[str] = set(stored_keys)

    @classmethod
    def build(
        cls,
        stored: Sequence[KnownEntity],
        *,
        places: Sequence[Place] = (),
        alias_file: str | Path | None = None,
        model: NerModel | None = None,
    ) -> EntityRecognizer:
        """Built-in knowledge, then the user's alias file, then every stored entity."""
        aliases = AliasTable.builtin()
        if alias_file:
            aliases = aliases.merged(load_alias_file(alias_file))
        aliases = aliases.merged(stored)
        gazetteer = Gazetteer.baseline()
        if places:
            gazetteer = gazetteer.with_places(places)
        return cls(model or SpacyNerModel(), gazetteer, aliases, (e.key for e in stored))

    def prepare(self) -> None:
        """Build what the rules look names up in (gazetteer and alias indexes, stop words).

        Each is otherwise built on first use, which is the first batch: seconds spent after
        that batch's pages are in, on the run's critical path. The flow calls this while
        the pages are still being fetched."""
        self.gazetteer.prepare()
        self.aliases.prepare()
        stop_words()

    def extract(
        self,
        articles: Sequence[Article],
        spans: Mapping[str, list[RawSpan]] | None = None,
    ) -> dict[str, list[EntityCandidate]]:
        """Entities of the originals among `articles`, in order; copies are skipped (their
        original was read already) and so are empty texts. `spans`: the model's spans
        computed beforehand ({article_id: spans}, `precompute_spans`); an article without
        them goes through the model here."""
        originals = [a for a in articles if a.duplicate_of is None and a.text.strip()]
        readable = [reading_input(a) for a in originals]
        if not readable:
            return {}
        model = self.model
        if spans:
            model = PrecomputedNer(
                {
                    (ner_language(language), text): spans[article_id]
                    for article_id, text, language in readable
                    if article_id in spans
                },
                fallback=self.model,
            )
        found = extract_entities(readable, model, self.gazetteer, self.aliases)
        for article in originals:
            shift = headline_length(article)
            if shift:
                for candidate in found.get(article.article_id, []):
                    candidate.mentions = [
                        replace(m, start_char=m.start_char - shift, end_char=m.end_char - shift)
                        for m in candidate.mentions
                    ]
        return found

    def remember(self, writes: EntityWrites) -> None:
        """What a batch stored becomes known to the next batches of the run."""
        for entity in writes.new_entities:
            self.aliases.add(to_known(entity.candidate))
            self.known_keys.add(entity.candidate.key)
