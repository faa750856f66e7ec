"""extractors.dedup and warehouse.signatures: exact and near-duplicate detection on real
texts (the seed corpus, reprints of it, invented articles) and a real DuckDB file.

The written corpus and the reprint helpers at the top are shared with test_dedup_flow.py and
bench/bench_dedup.py (the threshold measurements).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.articles import article_from_seed
from extractors.dedup import (
    DedupSettings,
    DuplicateIndex,
    DuplicateMark,
    band_params,
)
from extractors.fingerprints import content_hash
from extractors.models import Article
from extractors.shingles import (
    SignatureParams,
    TextSignature,
    exact_jaccard,
    shingles,
    signature,
    tokens,
)
from warehouse import signatures, store
from warehouse.connection import connect
from warehouse.migrations import migrate
from warehouse.seeds import seed_files

# ------------------------------------------------------------------ written corpus
# Invented texts (written by the team; not real reporting).
# Two outlets' own reports of one event: same facts, names, numbers and one shared official
# quote, different wording. Must NOT be duplicates.
SAME_EVENT_PAIRS: list[tuple[str, str]] = [
    (
        # Kidal, outlet A
        "Malian troops entered the northern town of Kidal on Tuesday after several days of "
        "fighting with Tuareg-led rebels, the army said, taking control of a stronghold the "
        "government had not held for more than a decade.\n\n"
        "Columns of armoured vehicles reached the town centre in the early afternoon, "
        "according to a statement read on state television. \"Our armed and security forces "
        "have taken control of Kidal,\" the statement said.\n\n"
        "The rebel coalition said its fighters had withdrawn to avoid civilian casualties and "
        "would continue to resist from positions in the surrounding mountains.\n\n"
        "Kidal has long been the symbol of northern rebellion against the central government "
        "in Bamako. Government forces were driven out of the town in 2014 after a deadly "
        "visit by the then prime minister.\n\n"
        "Residents reached by telephone described heavy gunfire overnight and said many "
        "families had fled towards the Algerian border. Aid agencies warned that the fighting "
        "could displace thousands more people in a region already short of food.\n\n"
        "The withdrawal of the United Nations peacekeeping mission from its camp near the town "
        "last month had triggered a race between the army and the rebels to control the base.",
        # Kidal, outlet B
        "The army of Mali says it now controls Kidal, the desert town in the far north that "
        "separatist groups had run since 2014, following an offensive that lasted most of the "
        "past week.\n\n"
        "\"Our armed and security forces have taken control of Kidal,\" a military spokesman "
        "said in a message broadcast on national television on Tuesday evening.\n\n"
        "Fighters of the Strategic Framework, an alliance dominated by Tuareg groups, left "
        "before the soldiers arrived, a rebel official told our correspondent. He said the "
        "retreat was tactical and that the war was not over.\n\n"
        "The capture is a major political victory for the junta, which has made the recovery "
        "of the whole national territory its main promise since seizing power. Analysts say "
        "holding the town may prove harder than taking it.\n\n"
        "Humanitarian groups said hundreds of households had left for camps near the border "
        "with Algeria, and that prices for basic goods had doubled in a few days.\n\n"
        "The offensive began soon after the departure of UN peacekeepers, whose bases in the "
        "north have been handed over to the Malian authorities.",
    ),
    (
        # Ségou attack (French), outlet A
        "Au moins quinze civils ont été tués dimanche dans l'attaque d'un village de la "
        "région de Ségou, dans le centre du Mali, ont indiqué lundi des sources locales et "
        "sécuritaires.\n\n"
        "Des hommes armés arrivés à moto ont encerclé le village en fin de journée avant "
        "d'ouvrir le feu sur les habitants, a raconté un élu de la commune joint par "
        "téléphone. Plusieurs maisons et des greniers ont été incendiés.\n\n"
        "L'attaque n'a pas été revendiquée. Le centre du pays est en proie depuis 2015 aux "
        "violences de groupes liés à Al-Qaïda et à l'organisation État islamique, ainsi qu'à "
        "des affrontements intercommunautaires.\n\n"
        "« La situation est très tendue, les gens ont peur de rester », a déclaré un "
        "responsable d'une association de jeunes de la localité.\n\n"
        "L'armée a annoncé l'envoi de renforts dans la zone et l'ouverture d'une enquête.",
        # Ségou attack (French), outlet B
        "Une nouvelle tuerie endeuille le centre du Mali. Dimanche soir, un groupe d'assaillants "
        "a attaqué un village du cercle de Ségou, faisant au moins quinze morts selon un bilan "
        "provisoire communiqué par les autorités locales.\n\n"
        "Selon plusieurs témoignages recueillis par notre rédaction, les assaillants, "
        "nombreux et lourdement armés, ont d'abord bloqué les sorties du village, puis tiré "
        "sur tous ceux qui tentaient de fuir. Le marché et une partie des récoltes ont brûlé.\n\n"
        "« La situation est très tendue, les gens ont peur de rester », confie un jeune "
        "habitant réfugié à Ségou avec sa famille.\n\n"
        "Aucun groupe n'a pour l'instant revendiqué ce massacre, le plus meurtrier dans la "
        "région depuis le début de l'année. Les forces armées maliennes disent avoir dépêché "
        "une unité sur place et promettent de retrouver les auteurs.\n\n"
        "Les organisations de défense des droits humains réclament depuis des mois une "
        "meilleure protection des civils dans cette zone agricole.",
    ),
    (
        # Convoy near Gao, outlet A (wire-style)
        "A roadside bomb hit a supply convoy between Gao and Ansongo in northern Mali on "
        "Thursday, wounding four soldiers, the army said in a statement.\n\n"
        "The convoy was carrying fuel and food to a garrison in the region. The vehicles came "
        "under fire after the explosion, and the soldiers returned fire, the statement said.\n\n"
        "Traffic on the road, the main route between Gao and the border with Niger, was "
        "suspended for several hours while engineers searched for further explosives.\n\n"
        "Improvised explosive devices have become the deadliest weapon of the armed groups "
        "operating in the region, according to United Nations figures.",
        # Convoy near Gao, outlet B (own reporting)
        "Four Malian soldiers were hurt on Thursday when their convoy drove over an explosive "
        "device on the Gao-Ansongo road, military sources told us.\n\n"
        "Witnesses in Ansongo said the trucks, loaded with fuel and rations for a garrison, "
        "were attacked by gunmen hiding in the bush moments after the blast. The attackers "
        "fled on motorbikes when air support arrived.\n\n"
        "Drivers who use the road say it has become one of the most dangerous in the country, "
        "with mines planted at night and ambushes on convoys almost every week.\n\n"
        "The army has not said whether anyone was arrested. Local officials are calling for "
        "more patrols along the route, which links Gao to neighbouring Niger.",
    ),
]

# Short feed summaries (~30 words) sharing phrases ("in central Mali", "the army said",
# "on Sunday", place names). Must NOT be duplicates.
SHORT_SUMMARIES: list[tuple[str, str]] = [
    (
        "Gunmen killed at least 12 civilians in an attack on a village in central Mali's "
        "Mopti region on Sunday, the army said in a statement, adding that reinforcements "
        "had been sent to the area.",
        "At least 12 soldiers were killed in an attack on an army post in central Mali's "
        "Mopti region on Sunday, the army said in a statement, blaming jihadists linked to "
        "al-Qaeda.",
    ),
    (
        "Le gouvernement malien a annoncé dimanche la libération de deux otages enlevés dans "
        "la région de Ségou, dans le centre du Mali, selon un communiqué lu à la télévision "
        "nationale.",
        "Le gouvernement malien a annoncé dimanche la suspension de deux médias étrangers, "
        "accusés de désinformation, selon un communiqué lu à la télévision nationale à Bamako.",
    ),
]


# ------------------------------------------------------------------ reprints
# A story re-published in another site's page frame, with a new headline, a wire dateline
# and credit, and a few words edited.
# Edits an editor makes to a wire story: a synonym, a house style, a tense.
_SYNONYMS = {
    "said": "stated", "says": "states", "told": "informed", "killed": "slain",
    "troops": "soldiers", "soldiers": "troops", "government": "authorities",
    "attack": "assault", "fighting": "clashes", "town": "city", "city": "town",
    "north": "northern region", "president": "head of state", "also": "further",
    "group": "movement", "groups": "movements", "forces": "units", "country": "nation",
    "week": "weekend", "monday": "Tuesday", "military": "army", "army": "military",
    "officials": "authorities", "french": "France's", "about": "around",
    "more": "further", "would": "will", "could": "might", "large": "big",
}
_FILLER = ["reportedly", "notably", "meanwhile", "indeed", "currently", "locally"]


def edit_words(paragraphs: list[str], count: int, *, seed: int) -> list[str]:
    """Replace `count` words, spread over the text, as an editor touching a wire story would."""
    rng = random.Random(seed)
    words = [p.split(" ") for p in paragraphs]
    slots = [(i, j) for i, ws in enumerate(words) for j, w in enumerate(ws) if len(w) >= 3]
    for i, j in rng.sample(slots, min(count, len(slots))):
        word = words[i][j]
        core = word.strip(".,;:!?\"'“”()«»").lower()
        replacement = _SYNONYMS.get(core) or rng.choice(_FILLER)
        words[i][j] = word.replace(word.strip(".,;:!?\"'“”()«»"), replacement, 1) if core else word
    return [" ".join(ws) for ws in words]


def wire_dressing(paragraphs: list[str], *, agency: str = "AFP") -> list[str]:
    """A dateline on the first paragraph and a credit line at the end."""
    first = f"BAMAKO ({agency}) — {paragraphs[0]}"
    credit = f"(Reporting by our correspondent; editing by the {agency} desk)"
    return [first, *paragraphs[1:], credit]


def frame_portal(title: str, paragraphs: list[str], *, site_name: str = "Sahel Wire Portal") -> str:
    """A portal page: cookie banner, mega-menu, share bar, related stories, newsletter box."""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} - {site_name}</title>
<meta property="og:site_name" content="{site_name}">
<meta property="og:title" content="{escape(title)}">
<meta name="date" content="2024-03-05"></head>
<body>
<div class="cookie">We use cookies to improve your experience. <button>Accept</button></div>
<div class="menu"><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/africa">Africa</a></li><li><a href="/business">Business</a></li>
<li><a href="/video">Video</a></li></ul></div>
<div class="content">
<div class="share"><a href="#">Facebook</a> <a href="#">X</a> <a href="#">WhatsApp</a></div>
<h1 class="headline">{escape(title)}</h1>
<div class="meta">Published 5 March 2024 · 4 min read</div>
<div class="story-body">
{body}
</div>
<div class="related"><h3>Related stories</h3><ul>
<li><a href="/a">Niger junta expels ambassador</a></li>
<li><a href="/b">Burkina Faso: new transition charter signed</a></li></ul></div>
<div class="newsletter"><h3>Newsletter</h3>
<p>Get the Sahel briefing in your inbox every morning.</p>
<form><input type="email"><button>Subscribe</button></form></div>
</div>
<div class="footer"><p>About us · Contact · Terms · Privacy</p><p>© 2024 {site_name}</p></div>
</body></html>"""


def frame_blog(title: str, paragraphs: list[str], *, site_name: str = "Bamako Daily Blog") -> str:
    """A blog theme: sidebar first, the article in <div class=entry>, tags and a comment form."""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} | {site_name}</title></head>
<body class="single">
<div id="sidebar"><h4>Categories</h4><ul><li>Politics</li><li>Security</li><li>Culture</li></ul>
<h4>Archives</h4><ul><li>March 2024</li><li>February 2024</li></ul></div>
<div id="main"><div class="post">
<h2 class="entry-title">{escape(title)}</h2>
<span class="posted-on">Posted on March 6, 2024 by admin</span>
<div class="entry">
{body}
</div>
<p class="tags">Tags: Mali, Sahel, Security</p>
<div id="respond"><h3>Leave a Reply</h3>
<form><textarea></textarea><button>Post Comment</button></form></div>
</div></div>
<div id="footer">Powered by WordPress | Theme by Example</div>
</body></html>"""


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def reprint_text(text: str, edits: int, *, seed: int) -> str:
    """A seed's text as a reprint would read after extraction: dateline, credit, edits."""
    return "\n\n".join(wire_dressing(edit_words(paragraphs(text), edits, seed=seed)))


# ------------------------------------------------------------------ helpers

NOW = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)


def make_article(key: str, text: str, *, minutes: int = 0) -> Article:
    url = f"https://example.org/{key}"
    return Article(
        article_id=key, url=url, canonical_url=url, feed_url="https://example.org/rss",
        source="Example", title=key, author=None, published_at=None,
        fetched_at=NOW + timedelta(minutes=minutes), language="en", text=text,
        content_hash=content_hash(text), text_origin="page",
    )


def seed_articles() -> list[Article]:
    return [article_from_seed(name, raw, loaded_at=NOW) for name, raw in seed_files()]


def save(con: duckdb.DuckDBPyConnection, index: DuplicateIndex, batch: Sequence[Article]) -> None:
    marked = index.mark(batch)
    store.save_batch(con, run_id="r1", articles=marked.apply(batch), entry_keys=[], skipped=[],
                     errors=[], signatures=marked.signatures)


@pytest.fixture
def con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(db_path)
    migrate(connection)
    store.start_run(connection, "r1")
    yield connection
    connection.close()


# ------------------------------------------------------------------ the seed corpus


def test_the_five_seeds_are_not_duplicates_of_each_other() -> None:
    seeds = seed_articles()
    outcome = DuplicateIndex().mark(seeds)
    assert [s.duplicate_of for s in outcome.apply(seeds)] == [None] * 5
    assert list(outcome.marks) == [s.article_id for s in seeds]
    assert outcome.duplicates == 0 and len(outcome.signatures) == 5


def test_a_reprint_of_each_seed_is_a_near_copy_of_that_seed() -> None:
    seeds = seed_articles()
    index = DuplicateIndex()
    index.mark(seeds)
    reprints = [make_article(f"r{i}", reprint_text(s.text, 5, seed=i)) for i, s in enumerate(seeds)]
    outcome = index.mark(reprints)
    marked = outcome.apply(reprints)
    assert [r.duplicate_of for r in marked] == [s.article_id for s in seeds]
    assert all(0.75 <= (r.similarity or 0) < 1.0 for r in marked)
    assert (outcome.exact, outcome.near) == (0, 5)


# ------------------------------------------------------------------ what is not a copy


@pytest.mark.parametrize("pair", SAME_EVENT_PAIRS, ids=["kidal", "segou-fr", "gao"])
def test_two_reports_of_one_event_are_not_duplicates(pair: tuple[str, str]) -> None:
    first, second = make_article("a", pair[0]), make_article("b", pair[1], minutes=1)
    outcome = DuplicateIndex().mark([first, second])
    assert outcome.marks[second.article_id] == DuplicateMark(None, None)
    assert exact_jaccard(*pair, DedupSettings.shingle_size) < 0.1  # far below the threshold


@pytest.mark.parametrize("pair", SHORT_SUMMARIES, ids=["en", "fr"])
def test_short_summaries_sharing_phrases_are_not_duplicates(pair: tuple[str, str]) -> None:
    first, second = make_article("a", pair[0]), make_article("b", pair[1], minutes=1)
    outcome = DuplicateIndex().mark([first, second])
    assert outcome.marks[second.article_id].duplicate_of is None
    assert len(tokens(pair[0])) < DedupSettings.min_tokens


def test_a_short_text_matches_only_an_exact_copy() -> None:
    summary = SHORT_SUMMARIES[0][0]
    edited = summary.replace("Sunday", "Saturday")
    batch = [make_article("a", summary), make_article("b", edited),
             make_article("c", summary.upper() + "!")]  # same normalised text
    outcome = DuplicateIndex().mark(batch)
    assert [(a.duplicate_of, a.similarity) for a in outcome.apply(batch)] == [(None, None),
                                                                              (None, None),
                                                               ("a", 1.0)]
    assert (outcome.exact, outcome.near) == (1, 0)


# ------------------------------------------------------------------ the index


def test_in_batch_copies_point_to_the_first_article_of_the_batch() -> None:
    text = seed_articles()[3].text
    batch = [
        make_article("orig", text),
        make_article("edited", reprint_text(text, 5, seed=1)),
        make_article("other", SAME_EVENT_PAIRS[0][0]),
        make_article("exact", text.replace("\n\n", "\n")),
        make_article("copy-of-copy", reprint_text(text, 8, seed=2)),
    ]
    outcome = DuplicateIndex().mark(batch)
    marked = outcome.apply(batch)
    assert [a.duplicate_of for a in marked] == [None, "orig", None, "orig", "orig"]
    assert marked[3].similarity == 1.0
    assert (outcome.exact, outcome.near) == (1, 2)
    assert [s.article_id for s in outcome.signatures] == [a.article_id for a in batch]


def test_marking_returns_decisions_and_leaves_the_articles_as_they_were() -> None:
    seed = seed_articles()[0]
    copy = make_article("copy", reprint_text(seed.text, 5, seed=1))
    index = DuplicateIndex()
    index.mark([seed])
    outcome = index.mark([copy])
    assert copy.duplicate_of is None and copy.similarity is None  # not written into
    mark = outcome.marks["copy"]
    assert mark.duplicate_of == seed.article_id and 0.75 <= (mark.similarity or 0) < 1.0
    (marked,) = outcome.apply([copy])
    assert marked is not copy and (marked.duplicate_of, marked.similarity) == (
        mark.duplicate_of, mark.similarity)
    assert outcome.apply([seed]) == [seed]  # no mark (already indexed): the same object
    assert outcome.apply([seed])[0] is seed


def test_an_upgrade_is_never_a_copy_of_its_own_summary() -> None:
    seeds = seed_articles()
    index = DuplicateIndex()
    index.mark(seeds[:2])
    own = replace(seeds[0], text=seeds[0].text + "\n\nOne more paragraph of the page.",
                  content_hash="page-of-seed-0")
    copy_of_other = make_article(seeds[0].article_id, reprint_text(seeds[1].text, 5, seed=3))
    outcome = index.mark_upgrades([own])
    assert outcome.marks == {own.article_id: DuplicateMark(None, None)}
    assert (outcome.exact, outcome.near, len(outcome.signatures)) == (0, 0, 1)
    outcome = index.mark_upgrades([copy_of_other])
    assert outcome.marks[copy_of_other.article_id].duplicate_of == seeds[1].article_id
    assert copy_of_other.duplicate_of is None  # not written into


def test_copies_of_copies_point_to_the_earliest_original() -> None:
    seeds = seed_articles()
    index = DuplicateIndex()
    index.mark(seeds[:1])
    copy = make_article("copy", reprint_text(seeds[0].text, 5, seed=1))
    (copy,) = index.mark([copy]).apply([copy])
    exact_of_copy = make_article("exact-of-copy", copy.text)
    near_of_copy = make_article("near-of-copy", reprint_text(copy.text, 5, seed=9))
    exact_of_copy, near_of_copy = index.mark([exact_of_copy, near_of_copy]).apply(
        [exact_of_copy, near_of_copy]
    )
    assert copy.duplicate_of == seeds[0].article_id
    assert exact_of_copy.duplicate_of == near_of_copy.duplicate_of == seeds[0].article_id
    assert exact_of_copy.similarity == 1.0


def test_stored_chains_are_followed_and_a_match_with_a_copy_names_its_original() -> None:
    """Rows written by older code may chain copy -> copy -> original; a text matching the
    last copy is still filed under the original."""
    seeds = seed_articles()
    texts = [s.text for s in seeds[:3]]
    sigs = np.stack([signature(t, SignatureParams(shingle_size=3)).hashvalues for t in texts])
    index = DuplicateIndex()
    index.load(["A", "B", "C"], [content_hash(t) for t in texts], [None, "A", "B"],
               [500, 500, 500], sigs)
    match = index.find(signature(reprint_text(texts[2], 5, seed=3), index.params), "new")
    assert match is not None
    assert (match.original_id, match.matched_id, match.exact) == ("A", "C", False)
    assert index.original_of("C") == "A"


def test_a_cycle_in_stored_links_does_not_hang() -> None:
    index = DuplicateIndex()
    empty = np.zeros((2, index.settings.num_perm), dtype=np.uint32)
    index.load(["A", "B"], ["h1", "h2"], ["B", "A"], [0, 0], empty)
    assert index.original_of("A") in {"A", "B"}


def test_the_most_similar_candidate_wins_and_ties_go_to_the_earliest() -> None:
    text = seed_articles()[2].text
    close = reprint_text(text, 40, seed=1)  # a second, independent story version
    index = DuplicateIndex()
    params = index.params
    rows = [signature(t, params).hashvalues for t in (text, close, close)]
    index.load(["first", "second", "third"], ["h1", "h2", "h3"], [None, None, None],
               [900, 900, 900], np.stack(rows))
    probe = signature(reprint_text(close, 2, seed=5), params)
    match = index.find(probe, "h4")
    assert match is not None and match.original_id == "second"  # "third" ties, but is later
    assert match.similarity > (rows[0] == probe.hashvalues).mean()  # "first" matches too


def test_band_table_finds_copies_after_its_tail_is_merged() -> None:
    """More single inserts than the unsorted tail holds: answers must not change."""
    rng = np.random.default_rng(7)
    index = DuplicateIndex()
    rows = rng.integers(0, 2**32, size=(2500, index.settings.num_perm), dtype=np.uint32)
    for i, row in enumerate(rows):
        index.add(f"a{i}", f"h{i}", _sig(index, row), None)
    for target in (0, 1500, 2499):
        probe = rows[target].copy()
        probe[rng.choice(len(probe), 20, replace=False)] = 0  # 108/128 values kept
        match = index.find(_sig(index, probe), "new")
        assert match is not None and match.original_id == f"a{target}"
        assert match.similarity == pytest.approx(108 / 128, abs=0.01)
    assert index.find(_sig(index, rng.integers(0, 2**32, 128, dtype=np.uint32)), "x") is None


def _sig(index: DuplicateIndex, row: np.ndarray) -> TextSignature:
    return TextSignature(index.params, 500, 500, row.astype(np.uint32))


def test_band_parameters_give_the_wanted_recall_at_the_threshold() -> None:
    bands, rows = band_params(0.5, 128)
    assert bands * rows <= 128
    assert 1 - (1 - 0.5**rows) ** bands >= 0.98
    assert 1 - (1 - 0.5 ** (rows + 1)) ** (128 // (rows + 1)) < 0.98  # the longest such bands


# ------------------------------------------------------------------ shingles


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzéàç", min_size=1, max_size=8),
                min_size=1, max_size=40))
def test_signature_ignores_case_punctuation_and_spacing(words: list[str]) -> None:
    plain = " ".join(words)
    decorated = "  ".join(w.upper() + ("," if i % 3 else "") for i, w in enumerate(words))
    params = SignatureParams()
    assert (signature(plain, params).hashvalues == signature(decorated, params).hashvalues).all()


def test_shingles_of_a_text_shorter_than_the_shingle_size() -> None:
    assert shingles(["mali"], 3) == {b"mali"}
    assert shingles([], 3) == set()
    assert len(shingles(["a", "b", "c", "d", "e"], 3)) == 3


# ------------------------------------------------------------------ the warehouse


def test_signatures_round_trip_through_the_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    seeds = seed_articles()
    live = signatures.load_index(con)
    save(con, live, seeds)
    reprints = [make_article(f"r{i}", reprint_text(s.text, 5, seed=i), minutes=i)
                for i, s in enumerate(seeds)]
    save(con, live, reprints[:3])

    rebuilt = signatures.load_index(con)

    assert len(rebuilt) == len(live) == 8 and rebuilt.indexed == live.indexed
    stored = dict(con.execute("SELECT article_id, hashvalues FROM article_signatures").fetchall())
    first = seeds[0].article_id
    assert stored[first] == signature(seeds[0].text, live.params).hashvalues.tolist()
    probes = [reprint_text(r.text, 3, seed=11) for r in reprints] + list(SAME_EVENT_PAIRS[0])
    probes += [seeds[1].text, reprints[0].text]
    for text in probes:
        sig, digest = signature(text, live.params), content_hash(text)
        assert rebuilt.find(sig, digest) == live.find(sig, digest)
    assert rebuilt.find(signature(reprints[4].text, live.params), "x").original_id == \
        seeds[4].article_id
    rows = con.execute("SELECT article_id, duplicate_of FROM articles WHERE duplicate_of "
                       "IS NOT NULL ORDER BY article_id").fetchall()
    assert rows == [(f"r{i}", seeds[i].article_id) for i in range(3)]


def test_a_batch_with_one_canonical_url_twice_stores_one_row_and_signature(
    con: duckdb.DuckDBPyConnection,
) -> None:
    text = seed_articles()[0].text
    batch = [make_article("same", text), make_article("same", text + " More.")]
    index = signatures.load_index(con)
    marked = index.mark(batch)
    saved = store.save_batch(con, run_id="r1", articles=marked.apply(batch), entry_keys=[],
                             skipped=[], errors=[], signatures=marked.signatures)
    assert (saved.articles_new, saved.duplicates) == (1, 0)
    assert signatures.signature_count(con) == 1


def test_old_articles_are_signed_once_and_re_signed_after_a_settings_change(
    con: duckdb.DuckDBPyConnection,
) -> None:
    seeds = seed_articles()
    with_signature, without = seeds[:2], seeds[2:]
    save(con, signatures.load_index(con), with_signature)
    store.insert_articles(con, without)  # as stored before migration 002
    before = dict(con.execute("SELECT article_id, seq FROM article_signatures").fetchall())

    assert signatures.backfill(con, DedupSettings().params) == 3
    assert signatures.backfill(con, DedupSettings().params) == 0
    assert len(signatures.load_index(con)) == 5

    changed = DedupSettings(shingle_size=4)
    assert signatures.backfill(con, changed.params) == 5
    after = dict(con.execute("SELECT article_id, seq FROM article_signatures").fetchall())
    assert {k: after[k] for k in before} == before  # arrival order kept
    assert con.execute("SELECT DISTINCT shingle_size FROM article_signatures").fetchall() == [(4,)]
    reprint = make_article("r", reprint_text(seeds[2].text, 5, seed=1))
    outcome = signatures.load_index(con, changed).mark([reprint])
    assert outcome.marks[reprint.article_id].duplicate_of == seeds[2].article_id


def test_story_copies_lists_each_original_with_its_copies(
    con: duckdb.DuckDBPyConnection,
) -> None:
    seeds = seed_articles()
    index = signatures.load_index(con)
    save(con, index, seeds)
    save(con, index, [make_article("near", reprint_text(seeds[1].text, 5, seed=1)),
                      make_article("exact", seeds[1].text)])
    rows = con.execute(
        "SELECT original_id, original_is_seed, copy_id, copy_url, match, copies, "
        "similarity = 1.0 FROM story_copies ORDER BY copy_id"
    ).fetchall()
    original = seeds[1].article_id
    assert rows == [
        (original, True, "exact", "https://example.org/exact", "exact", 2, True),
        (original, True, "near", "https://example.org/near", "near", 2, False),
    ]


def test_reprints_are_reproducible() -> None:
    """The measurements in BENCHMARKS.md rely on edit_words being deterministic."""
    text = seed_articles()[0].text
    assert reprint_text(text, 5, seed=3) == reprint_text(text, 5, seed=3)
    assert reprint_text(text, 5, seed=3) != reprint_text(text, 5, seed=4)
