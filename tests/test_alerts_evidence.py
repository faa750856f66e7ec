"""The plain words of an alert's evidence (alerts.evidence): one phrase for every code the
extractor writes, unknown codes shown as themselves, towns with their country, and the cue's
own words quoted only when the sentence shows them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.digest import make_article, make_item
from alerts.evidence import (
    CUE_KINDS,
    MAX_CUE_CHARS,
    PHRASES,
    country_name,
    cue_words,
    phrase,
    place_text,
    reasons,
    why_line,
)

# Every evidence tuple extractors/entities/decide.py and extract.py write (issue 17).
EXTRACTOR_EVIDENCE = [
    ("known",), ("earlier-article",), ("title-or-role",), ("given-name",), ("operation-cue",),
    ("town-cue",), ("location-cue",), ("armed-group-cue",), ("armed-group-cue", "name-words"),
    ("organisation-cue",), ("name-words",), ("gazetteer",), ("acronym",), ("role",),
    ("model",), ("model", "speech"), ("model", "locative"), ("group-cue",),
]


@pytest.mark.parametrize("evidence", EXTRACTOR_EVIDENCE, ids="+".join)
def test_every_code_the_extractor_writes_has_a_phrase(evidence: tuple[str, ...]) -> None:
    for code in evidence:
        assert code in PHRASES
        assert PHRASES[code] and PHRASES[code] != code
    line = why_line(evidence, 0.8, kind="actor")
    assert line is not None and line.startswith("why: ") and line.endswith(" · confidence 0.80")
    assert all(PHRASES[code] in line for code in evidence)


def test_an_unknown_code_is_shown_as_itself() -> None:
    assert phrase("satellite-image") == "satellite-image"
    assert why_line(("satellite-image",), 0.5, kind="town") == (
        "why: satellite-image · confidence 0.50"
    )


def test_nothing_stored_says_nothing_and_confidence_alone_stands() -> None:
    assert why_line((), None, kind="actor") is None
    assert why_line((), 0.7, kind="actor") == "confidence 0.70"
    assert why_line(("model",), None, kind="actor") == "why: model only"


def test_the_examples_of_the_issue() -> None:
    assert why_line(("gazetteer",), 0.85, kind="town", region="Mopti", country_code="ML") == (
        "why: in the gazetteer (Mopti region, Mali) · confidence 0.85"
    )
    assert why_line(("given-name",), 0.8, kind="actor") == "why: a given name · confidence 0.80"
    assert why_line(("model",), 0.6, kind="town") == "why: model only · confidence 0.60"
    assert why_line(("acronym",), 0.6, kind="actor") == (
        "why: acronym defined in the text · confidence 0.60"
    )
    assert reasons(("town-cue",), kind="town", cue="the village of …") == (
        'named as a town in the text ("the village of …")'
    )


def test_countries_by_name_with_the_code_as_fallback() -> None:
    assert country_name("ML") == "Mali"
    assert country_name("bf") == "Burkina Faso"
    assert country_name("NE") == "Niger"
    assert country_name("LY") == "Libya"  # from the knowledge files
    assert country_name("XX") == "XX"
    assert country_name(None) is None and country_name("") is None
    assert place_text("Mopti", "ML") == "Mopti region, Mali"
    assert place_text("Région de Kidal", "ML") == "Région de Kidal, Mali"
    assert place_text(None, None) == "region unknown, country unknown"


def _spans(sentence: str, name: str) -> list[tuple[int, int]]:
    start = sentence.index(name)
    return [(start, start + len(name))]


def test_the_words_of_a_cue_are_those_of_the_sentence() -> None:
    before = "Gunmen attacked the village of Boni on Sunday."
    assert cue_words("town-cue", before, _spans(before, "Boni")) == "the village of …"
    after = "They reached Léré, a town in the Timbuktu region, at dawn."
    assert cue_words("town-cue", after, _spans(after, "Léré")) == (
        "… a town in the Timbuktu region"
    )
    group = "Fighters of the Katiba Test ambushed a convoy."
    assert cue_words("armed-group-cue", group, _spans(group, "Katiba Test")) == (
        "Fighters of the …"
    )
    plain = "The army left Boni after the attack."
    assert cue_words("town-cue", plain, _spans(plain, "Boni")) is None  # no cue here
    assert cue_words("gazetteer", before, _spans(before, "Boni")) is None  # not a cue


def test_an_item_carries_its_evidence_country_and_cue() -> None:
    when = datetime(2025, 3, 1, tzinfo=UTC)
    town = make_item(
        alert_id="al1", entity_id="e1", kind="town", subtype="town", name="Boni",
        article=make_article("a1", "Title", "https://news.example.org/a", "RFI", when),
        surface="Boni", sentence="Gunmen attacked the village of Boni\non Sunday.",
        article_count=1, source_count=1, region="Mopti", country_code="ML",
        evidence=["town-cue", "town-cue", ""], confidence=0.9,
    )
    assert town.evidence == ("town-cue",) and town.confidence == 0.9
    assert town.country == "Mali" and town.place == "Mopti region, Mali"
    assert town.why == 'why: named as a town in the text ("the village of …") · confidence 0.90'
    odd = make_item(
        alert_id="al2", entity_id="e2", kind="actor", subtype=None, name="X", article=None,
        surface=None, sentence=None, article_count=0, source_count=0,
        evidence=["model"], confidence=float("nan"),
    )
    assert odd.confidence is None and odd.why == "why: model only"


@given(before=st.text(max_size=120), after=st.text(max_size=120),
       code=st.sampled_from(sorted(CUE_KINDS)))
@settings(max_examples=200, deadline=None)
def test_cue_words_from_any_sentence_are_short_and_from_the_sentence(
    before: str, after: str, code: str
) -> None:
    sentence = f"{before} Kanda {after}"
    start = len(before) + 1
    words = cue_words(code, sentence, [(start, start + len("Kanda"))])
    if words is not None:
        assert len(words) <= MAX_CUE_CHARS and "…" in words
        assert all(w in sentence for w in words.replace("…", " ").split())
