"""One run's entity recognizer: the model, the gazetteer and the alias table together,
reading batches in order and learning what each batch stores."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from extractors.entities.aliases import AliasTable, load_alias_file
from extractors.entities.extract import extract_entities, ner_language, to_known
from extractors.entities.gazetteer import Gazetteer
from extractors.entities.model import NerModel, PrecomputedNer, SpacyNerModel
from extractors.entities.novelty import EntityWrites
from extractors.entities.records import EntityCandidate, KnownEntity, Place, RawSpan
from extractors.entities.stopwords import stop_words
from extractors.models import Article


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
        readable = [
            (a.article_id, a.text, a.language)
            for a in articles
            if a.duplicate_of is None and a.text.strip()
        ]
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
        return extract_entities(readable, model, self.gazetteer, self.aliases)

    def remember(self, writes: EntityWrites) -> None:
        """What a batch stored becomes known to the next batches of the run."""
        for entity in writes.new_entities:
            self.aliases.add(to_known(entity.candidate))
            self.known_keys.add(entity.candidate.key)
