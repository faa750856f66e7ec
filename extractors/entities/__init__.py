"""New actors and towns: entity extraction, gazetteer and alias resolution.

Plain functions and small classes over strings and dataclasses: no database, no network.

    from extractors.entities import (
        AliasTable, Gazetteer, SpacyNerModel, extract_entities, load_alias_file,
        load_geonames_extract,
    )

    model = SpacyNerModel()                                    # spaCy loaded once per process
    gazetteer = Gazetteer.baseline().with_places(load_geonames_extract("ML.txt"))
    aliases = AliasTable.builtin().merged(load_alias_file("aliases.toml"))
    found = extract_entities([(article_id, text, "fr"), ...], model, gazetteer, aliases)
    for candidate in found[article_id]:
        candidate.key, candidate.kind, candidate.subtype, candidate.name, candidate.mentions
"""

from extractors.entities.aliases import (
    AliasFileError,
    AliasTable,
    guess_subtype,
    load_alias_file,
)
from extractors.entities.extract import extract_entities, extract_one, to_known
from extractors.entities.gazetteer import (
    REGION_COUNTRIES,
    Gazetteer,
    GazetteerError,
    baseline_places,
    load_geonames_extract,
)
from extractors.entities.model import (
    NerModel,
    NerModelError,
    NoModel,
    SpacyNerModel,
    load_pipeline,
)
from extractors.entities.normalize import canonical_key, norm
from extractors.entities.records import (
    ACTOR_SUBTYPES,
    EntityCandidate,
    KnownEntity,
    Mention,
    Place,
    RawSpan,
)

__all__ = [
    "ACTOR_SUBTYPES",
    "REGION_COUNTRIES",
    "AliasFileError",
    "AliasTable",
    "EntityCandidate",
    "Gazetteer",
    "GazetteerError",
    "KnownEntity",
    "Mention",
    "NerModel",
    "NerModelError",
    "NoModel",
    "Place",
    "RawSpan",
    "SpacyNerModel",
    "baseline_places",
    "canonical_key",
    "extract_entities",
    "extract_one",
    "guess_subtype",
    "load_alias_file",
    "load_geonames_extract",
    "load_pipeline",
    "norm",
    "to_known",
]
