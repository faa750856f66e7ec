"""Context rules, English and French: what the words around a name say about it.

The small NER models label unknown names unreliably (a town as PERSON, an armed group as
PERSON or NORP), so the type of a name nobody listed comes from its context:

- towns: "the town of X", "the villages of X and Y", "X, a town in ...", "X, in the Mopti
  region", "X, 40 km north of Y", "la ville de X", "la commune rurale de X", "X, une localité
  du centre" ...; region forms ("the X region", "région de X", "cercle de X") are not towns;
- people: titles and roles before the name ("President", "Col.", "junta leader", "le ministre",
  "M."), appositions after it ("X, a spokesman for ..."), reported speech ("said X");
- armed groups: "the jihadist group X", "X, an al-Qaeda affiliate", "X fighters", "le groupe
  armé X", "la katiba X"; organisations: "the rights group X", "l'ONG X";
- noise: media ("state broadcaster X", "X television"), journalists ("FRANCE 24's X",
  "correspondent X"), bylines and photo credits (whole zones of the text);
- acronyms defined in the text: "Long Name (ACR)", "ACR [Long Name]", "Long Name, known as ACR".

Every function takes the article text and offsets; nothing here knows a particular name.

They live in modules by subject; this module gathers them so importers keep one name:

- patterns.py: shared name patterns (`CAP`, `NAME`, connectors) and cue vocabularies;
- context.py: `context_cues` and `Cues`, the left and right context regexes;
- spans.py: span finders ("the town of X", "President X", "the jihadist group X" ...);
- acronyms.py: `acronym_pairs`;
- credits.py: `credit_zones`, `journalist_names` (bylines, photo credits, related stories);
- names.py: `strip_name`, `name_shape_ok`, `sentence_bounds`, `title_case_zones`, title
  words, demonyms, given names.
"""

from __future__ import annotations

from extractors.entities.acronyms import AcronymPair, acronym_pairs
from extractors.entities.context import Cues, context_cues
from extractors.entities.credits import credit_zones, journalist_names, related_zones
from extractors.entities.names import (
    demonym_shaped,
    given_name_person,
    is_title_word,
    name_shape_ok,
    sentence_bounds,
    strip_name,
    title_case_zones,
)
from extractors.entities.patterns import CAP, NAME, UP
from extractors.entities.spans import (
    alias_phrases,
    coordinated_spans,
    french_body_spans,
    group_spans,
    operation_spans,
    org_spans,
    person_appos_spans,
    person_name_spans,
    person_title_spans,
    town_list_spans,
)

__all__ = [
    "CAP",
    "NAME",
    "UP",
    "AcronymPair",
    "Cues",
    "acronym_pairs",
    "alias_phrases",
    "context_cues",
    "coordinated_spans",
    "credit_zones",
    "demonym_shaped",
    "french_body_spans",
    "given_name_person",
    "group_spans",
    "is_title_word",
    "journalist_names",
    "name_shape_ok",
    "operation_spans",
    "org_spans",
    "person_appos_spans",
    "person_name_spans",
    "person_title_spans",
    "related_zones",
    "sentence_bounds",
    "strip_name",
    "title_case_zones",
    "town_list_spans",
]
