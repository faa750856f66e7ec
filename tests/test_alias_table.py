"""The alias table's name indexes: kept up to date as entities are learned, and layered for
one batch's overlay, with the same answers as a table built from scratch.

The names below are invented; no model is loaded.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.entities import AliasTable, KnownEntity
from extractors.entities.normalize import PhraseIndex, find_phrases, tokenize


def _find(table: AliasTable, text: str) -> list[tuple[int, int, str]]:
    return [(s, e, entity.key) for s, e, entity in table.find(text, tokenize(text))]


def _surnames(table: AliasTable, text: str) -> list[tuple[int, int, str]]:
    return [(s, e, entity.key) for s, e, entity in table.find_surnames(text, tokenize(text))]


PERSON = KnownEntity("Amadou Kessely Tembiné", "actor", "person")
NAMESAKE = KnownEntity("Oumar Tembiné", "actor", "person")
GROUP = KnownEntity("Front de Libération du Wagadou", "actor", "armed_group", frozenset({"FLW"}))
TOWN = KnownEntity("Dialakoro", "town")


def test_an_entity_added_after_the_first_search_is_found():
    table = AliasTable([TOWN])
    text = "FLW fighters entered Dialakoro; Tembiné spoke."
    assert _find(table, text) == [(21, 30, TOWN.key)]  # builds the index
    table.add(GROUP)
    table.add(PERSON)
    assert _find(table, text) == [(0, 3, GROUP.key), (21, 30, TOWN.key)]
    assert _surnames(table, text) == [(32, 39, PERSON.key)]


def test_a_surname_shared_by_two_people_is_no_longer_matched():
    table = AliasTable([PERSON])
    assert _surnames(table, "Tembiné said") == [(0, 7, PERSON.key)]
    table.add(NAMESAKE)
    assert _surnames(table, "Tembiné said") == []
    assert table.resolve_surname("Tembiné") is None


def test_an_overlay_keeps_its_additions_and_sees_the_base():
    base = AliasTable([TOWN, PERSON])
    _find(base, "Dialakoro")  # the base's indexes exist before the overlay
    _surnames(base, "Tembiné")
    overlay = base.overlay()
    overlay.add(GROUP)
    overlay.add(NAMESAKE)
    text = "Front de Libération du Wagadou near Dialakoro, said Tembiné"
    assert [key for *_, key in _find(overlay, text)] == [GROUP.key, TOWN.key]
    assert _surnames(overlay, text) == []  # two Tembinés in the overlay
    # the base is untouched
    assert GROUP.key not in base and len(base) == 2
    assert [key for *_, key in _find(base, text)] == [TOWN.key]
    assert _surnames(base, text) == [(52, 59, PERSON.key)]
    assert base.resolve("FLW") is None and overlay.resolve("FLW").key == GROUP.key
    # what the base learns later shows through
    base.add(KnownEntity("Sirakoro", "town"))
    assert _find(overlay, "Sirakoro")[0][2] == "town:sirakoro"


def test_an_overlay_merges_aliases_into_a_base_entity():
    base = AliasTable([GROUP])
    overlay = base.overlay()
    overlay.add(KnownEntity(GROUP.name, "actor", "armed_group", frozenset({"Wagadou Front"})))
    assert _find(overlay, "the Wagadou Front and FLW") == [(4, 17, GROUP.key), (22, 25, GROUP.key)]
    assert _find(base, "the Wagadou Front") == []
    assert base.get(GROUP.key).aliases == frozenset({"FLW"})


def test_a_shared_name_goes_to_the_earliest_entity_however_the_index_was_built():
    alpha = KnownEntity("Alpha Group", "actor", "organisation")
    beta = KnownEntity("Beta Group", "actor", "organisation", frozenset({"Fooland"}))
    alpha_too = KnownEntity("Alpha Group", "actor", "organisation", frozenset({"Fooland"}))
    text = "Fooland said today."
    lazy = AliasTable([alpha, beta, alpha_too])
    eager = AliasTable([alpha, beta])
    eager.prepare()
    eager.add(alpha_too)
    base = AliasTable([alpha, beta])
    base.prepare()
    overlay = base.overlay()
    overlay.add(alpha_too)
    for table in (lazy, eager, eager.copy(), overlay):
        assert _find(table, text) == [(0, 7, alpha.key)]


def test_the_longest_match_wins_across_layers():
    low: PhraseIndex[str] = PhraseIndex()
    high: PhraseIndex[str] = PhraseIndex()
    low.add("Wagadou", "low")
    high.add("Wagadou Front", "high")
    low.add("Front", "front")
    text = "Wagadou Front"
    assert list(find_phrases([low, high], text)) == [(0, 13, ["high"])]
    assert list(find_phrases([low], text)) == [(0, 7, ["low"]), (8, 13, ["front"])]
    # a rejected longer phrase does not hide the shorter one
    accept = lambda payload: payload != "high"  # noqa: E731
    assert list(find_phrases([low, high], text, accept=accept)) == [
        (0, 7, ["low"]),
        (8, 13, ["front"]),
    ]


WORDS = ["Kessely", "Tembiné", "Dialakoro", "Wagadou", "Front", "FLW", "Ag", "Sidi", "Koro"]
_name = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
_entity = st.builds(
    KnownEntity,
    name=_name,
    kind=st.sampled_from(["actor", "town"]),
    subtype=st.just("person"),
    aliases=st.frozensets(_name, max_size=2),
)
_text = st.lists(st.sampled_from([*WORDS, "kessely", "flw", ",", "and"]), max_size=12).map(
    " ".join
)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)  # CI: no flaky replays
@given(
    base=st.lists(_entity, max_size=6),
    extra=st.lists(_entity, max_size=6),
    texts=st.lists(_text, min_size=1, max_size=3),
)
def test_learning_gives_the_same_answers_as_a_table_built_from_scratch(base, extra, texts):
    """Including entities learned twice, and entities of the base learned again with more
    names."""
    scratch = AliasTable([*base, *extra])
    learned = AliasTable(base)
    layered = AliasTable(base)
    for text in texts:  # indexes built before the additions
        _find(learned, text), _surnames(learned, text)
        _find(layered, text), _surnames(layered, text)
    overlay = layered.overlay()
    for entity in extra:
        learned.add(entity)
        overlay.add(entity)
    for text in texts:
        expected = (_find(scratch, text), _surnames(scratch, text))
        assert (_find(learned, text), _surnames(learned, text)) == expected
        assert (_find(overlay, text), _surnames(overlay, text)) == expected
