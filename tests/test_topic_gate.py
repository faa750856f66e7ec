"""The topic gate of issue 15: on topic, in doubt (the page decides), off topic; feeds about
Mali; one source of names; a budget for doubt. Pure functions first, then the flow on the
local HTTP server with the warehouse checked afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from feedsite import Site, article_page, rss

from extractors.articles import select_entries
from extractors.entities import knowledge
from extractors.models import FeedEntry
from extractors.topic import TopicFilter, TopicSettings, knowledge_terms, merged_terms
from extractors.urls import canonical_url

FIXTURES = Path(__file__).parent / "topic_gate"
MAX_DOUBT_RATE = 0.02
topic = TopicFilter()


def load(name: str) -> list[dict[str, str]]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def entries(rows: list[dict[str, str]], feed: str) -> list[FeedEntry]:
    return [
        FeedEntry(feed, f"https://news.example.org/{feed}/{i}", r["title"], r["summary"])
        for i, r in enumerate(rows)
    ]


# --- outcomes on written fixtures -------------------------------------------------------


def test_no_mali_entry_of_the_fixtures_is_lost() -> None:
    rows = load("mali_entries.json")
    outlet = [r for r in rows if r["kind"].startswith("Malian outlet")]
    general = [r for r in rows if not r["kind"].startswith("Malian outlet")]
    chosen = select_entries(
        entries(general, "world") + entries(outlet, "outlet"), set(), topic,
        feed_topics={"world": "filter", "outlet": "mali"},
    )
    assert chosen.skipped == [] and chosen.deferred == []
    assert len(chosen.to_fetch) == len(rows)
    assert {r["lang"] for r in rows} == {"en", "fr"}


def test_off_topic_entries_are_rarely_in_doubt_and_never_on_topic() -> None:
    rows = load("off_topic_entries.json")
    chosen = select_entries(entries(rows, "world"), set(), topic)
    assert chosen.on_topic == 0
    assert len(chosen.doubts) / len(rows) <= MAX_DOUBT_RATE, chosen.doubts
    assert len(rows) >= 50 and {r["lang"] for r in rows} == {"en", "fr"}


@pytest.mark.parametrize(
    ("text", "outcome", "reason"),
    [
        ("Attaque entre Boni et Gao", "in_doubt", "in doubt (Gao 0.5)"),
        ("Mali junta extends transition", "on_topic", "on topic"),
        ("Football: derby ends in a draw", "off_topic", "off topic: no Mali term"),
        ("Le Jamaat Nosrat al-Islam wal-Mouslimine revendique", "in_doubt", "like Jama"),
        ("French-Malian singer on tour", "in_doubt", "-Malian"),
        ("Le groupe Etat islamique revendique un attentat à Kaboul", "off_topic", "off topic"),
    ],
)
def test_three_outcomes_with_reasons(text: str, outcome: str, reason: str) -> None:
    decision = topic.assess(text)
    assert decision.outcome == outcome
    assert reason in decision.reason


def test_mali_focused_and_all_feeds() -> None:
    rows = [{"title": "Hausse du prix du riz", "summary": "Les consommateurs inquiets."},
            {"title": "Football: Les Aigles qualifiés", "summary": "Victoire 2-0."}]
    for mode, doubts, trusted in (("filter", 0, 0), ("mali", 2, 0), ("all", 0, 2)):
        chosen = select_entries(entries(rows, "f"), set(), topic, feed_topics={"f": mode})
        assert (len(chosen.doubts), len(chosen.trusted)) == (doubts, trusted), mode
        assert len(chosen.to_fetch) == (0 if mode == "filter" else 2)
    chosen = select_entries(entries(rows, "f"), set(), topic, feed_topics={"f": "mali"})
    assert set(chosen.doubts.values()) == {"in doubt (Mali-focused feed)"}


def test_budget_defers_the_excess_per_feed_and_per_run() -> None:
    rows = [{"title": f"Attaque près de Gao, jour {i}", "summary": "Des blessés."}
            for i in range(5)]
    both = entries(rows, "a") + entries(rows, "b")
    chosen = select_entries(both, set(), topic, doubt_per_feed=2, doubt_per_run=3)
    assert len(chosen.doubts) == 3 and len(chosen.deferred) == 7
    assert chosen.skipped == []  # deferred entries are not decided
    assert [e.feed_url for e in chosen.to_fetch] == ["a", "a", "b"]
    again = select_entries(
        both, {canonical_url(e.url) for e in chosen.to_fetch}, topic, doubt_per_feed=2
    )
    assert len(again.doubts) == 4 and again.already_known == 3


# --- one source of names ---------------------------------------------------------------


def test_terms_come_from_the_entity_knowledge_and_the_gazetteer() -> None:
    terms = TopicSettings().terms
    assert terms["Katiba Serma"] == 1.0  # knowledge.py, not DEFAULT_TERMS
    assert terms["Koutiala"] == 1.0 and 0 < terms["Tenenkou"] < 1.0  # gazetteer
    assert "San" not in terms and "Dire" not in terms  # a city abroad, a word
    assert "Boko Haram" not in terms and "CMA" not in terms
    user = merged_terms({"Koutiala": 0.25, "Léré": 1.0})
    assert user["Koutiala"] == 0.25 and user["Léré"] == 1.0  # the user's [topic] wins


def test_a_group_added_to_knowledge_is_seen_by_the_topic_filter(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # knowledge.py itself changes in real life, and with it the disk cache's key; here it is
    # patched in memory, so the table is built afresh in an empty cache folder
    from extractors.topic import CACHE_ENV

    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(
        knowledge, "_ARMED_GROUPS",
        [*knowledge._ARMED_GROUPS, ("Front Imaginaire du Gourma", ["Katiba Tinzawaten"])],
    )
    for cached in (knowledge.builtin_entities, knowledge_terms):
        cached.cache_clear()
    try:
        fresh = TopicFilter(TopicSettings())
        assert fresh.assess("La Katiba Tinzawaten revendique une attaque").outcome != "off_topic"
    finally:
        monkeypatch.undo()
        for cached in (knowledge.builtin_entities, knowledge_terms):
            cached.cache_clear()
    assert "Katiba Tinzawaten" not in knowledge_terms()


# --- the flow -------------------------------------------------------------------------

MALI_PAGE = (
    "Convoy ambushed between Boni and Gao",
    ["Gunmen ambushed a convoy of lorries on the road between Boni and Gao in northern Mali "
     "on Wednesday, local officials said.",
     "The Malian army sent reinforcements and said it had opened an investigation."],
)
MARATHON_PAGE = (
    "Gao Xiang wins the Beijing marathon",
    ["Gao Xiang won the Beijing marathon on Sunday in two hours and six minutes.",
     "The runner said he had trained for months in Yunnan province, running twice a day "
     "at altitude, and that he hoped to compete at the world championships next year.",
     "Thousands of amateur runners followed the elite field through the city centre."],
)
RICE_PAGE = (
    "Hausse du prix du riz",
    ["Le sac de 50 kg a atteint un niveau record sur les marchés de la capitale, selon "
     "les commerçants interrogés samedi.", "Les associations de consommateurs s'inquiètent "
     "et demandent aux autorités de suspendre les taxes sur les produits de première "
     "nécessité jusqu'à la prochaine récolte, attendue en novembre."],
)


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def with_feeds(config: Path, extra: str) -> str:
    config.write_text(config.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return str(config)


def test_flow_fetches_in_doubt_and_the_page_decides(
    prefect_harness: None, site: Site, db_path: Path, config_file: Path
) -> None:
    from flows.ingest import ingest
    from flows.setup import initialise

    site.add("/mali", article_page(*MALI_PAGE))
    site.add("/marathon", article_page(*MARATHON_PAGE))
    site.add("/derby", article_page("Derby", ["A draw in the derby on Saturday night."]))
    feed = site.add_feed("/world.xml", rss("World", [
        {"title": "Attaque entre Boni et Gao", "link": site.url("/mali"),
         "description": "Un convoi pris pour cible."},
        {"title": "Gao Xiang wins the Beijing marathon", "link": site.url("/marathon"),
         "description": "A record time."},
        {"title": "Derby ends in a draw", "link": site.url("/derby"), "description": "0-0."},
    ]))
    initialise(db_path)
    summary = ingest(with_feeds(config_file, f'\n[[feeds]]\nurl = "{feed}"\n'), str(db_path))

    assert (summary.in_doubt, summary.deferred, summary.articles_new) == (2, 0, 1)
    assert site.requests_to("/derby") == []
    assert rows(db_path, "select url from articles where not is_seed") == [(site.url("/mali"),)]
    decided = dict(rows(db_path, "select url, reason from seen_entries where decision = "
                                 "'off_topic'"))
    assert decided[site.url("/marathon")].startswith("in doubt (Gao 0.5); page off topic")
    assert decided[site.url("/derby")] == "off topic: no Mali term in title or summary"


def test_flow_all_feed_fetches_and_stores_everything_and_auto_learns(
    prefect_harness: None, site: Site, db_path: Path, config_file: Path
) -> None:
    from flows.ingest import ingest
    from flows.setup import initialise
    from warehouse import store

    for name in ("outlet", "learnt", "general"):
        site.add(f"/{name}/rice", article_page(*RICE_PAGE, lang="fr"))
        site.add_feed(f"/{name}.xml", rss(name, [
            {"title": "Hausse du prix du riz", "link": site.url(f"/{name}/rice"),
             "description": "Les consommateurs inquiets."}], language="fr"))
    initialise(db_path)
    learnt = site.url("/learnt.xml")
    with duckdb.connect(str(db_path)) as con:  # the feed's history: mostly stored
        store.insert_stored_entries(
            con, [(f"https://old.example.org/{i}", learnt, f"https://old.example.org/{i}",
                   "old") for i in range(12)], "earlier-run")
    config = with_feeds(config_file, "".join(
        f'\n[[feeds]]\nurl = "{site.url(f"/{n}.xml")}"\n{t}\n'
        for n, t in (("outlet", 'topic = "all"'), ("learnt", ""), ("general", ""))
    ))
    summary = ingest(config, str(db_path))

    assert summary.mali_focused_feeds == (learnt,)
    assert len(site.requests_to("/outlet/rice")) == 1 and site.requests_to("/general/rice") == []
    stored = {r[0] for r in rows(db_path, "select feed_url from articles where not is_seed")}
    assert site.url("/outlet.xml") in stored  # topic = "all": stored whatever the text says
    assert site.url("/general.xml") not in stored
    reason = rows(db_path, f"select reason from seen_entries where url = "
                           f"'{site.url('/learnt/rice')}'")[0][0]
    assert reason.startswith("in doubt (Mali-focused feed); page off topic")


@pytest.mark.slow  # two flow runs: 8 s
def test_flow_budget_defers_to_the_next_run_and_stores_nothing_twice(
    prefect_harness: None, site: Site, db_path: Path, config_file: Path
) -> None:
    from flows.ingest import ingest
    from flows.output import run_summary
    from flows.setup import initialise

    items = []
    for i in range(3):
        site.add(f"/gao/{i}", article_page(f"Convoi attaqué près de Gao ({i})", MALI_PAGE[1]))
        items.append({"title": f"Convoi attaqué près de Gao ({i})", "link": site.url(f"/gao/{i}"),
                      "description": "Des blessés."})
    feed = site.add_feed("/gao.xml", rss("Gao", items))
    config = with_feeds(config_file, f'\n[topic]\ndoubt_per_feed = 2\ndoubt_per_run = 1\n'
                                     f'\n[[feeds]]\nurl = "{feed}"\n')
    initialise(db_path)

    done = [ingest(config, str(db_path)) for _ in range(4)]

    assert [(s.in_doubt, s.deferred, s.articles_new) for s in done] == [
        (1, 2, 1), (1, 1, 1), (1, 0, 1), (0, 0, 0)]
    assert "1 deferred" in run_summary(done[1], 1.0)
    assert [h.status for h in site.requests_to("/gao.xml")] == [200, 200, 200, 304]
    assert rows(db_path, "select count(*), count(distinct canonical_url) from articles "
                         "where not is_seed") == [(3, 3)]
    assert all(len(site.requests_to(f"/gao/{i}")) == 1 for i in range(3))
    assert rows(db_path, "select count(*) from seen_entries") == [(3,)]


def test_the_term_table_read_back_from_its_cache_is_the_one_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from extractors import topic

    monkeypatch.setenv(topic.CACHE_ENV, str(tmp_path))
    topic.knowledge_terms.cache_clear()
    try:
        built = topic.knowledge_terms()
        groups = dict(topic._FORM_GROUPS)
        (cache,) = tmp_path.glob("topic-terms-*.json")
        topic.knowledge_terms.cache_clear()
        topic._FORM_GROUPS.clear()
        assert topic.knowledge_terms() == built
        assert {f: topic._FORM_GROUPS[f] for f in built if f in topic._FORM_GROUPS} == {
            f: groups[f] for f in built if f in groups
        }
        cache.write_text("not json", encoding="utf-8")  # damaged: rebuilt, not trusted
        topic.knowledge_terms.cache_clear()
        assert topic.knowledge_terms() == built
    finally:
        topic.knowledge_terms.cache_clear()
