"""The task runner chosen in `[run]` changes where pages are fetched, extracted and read by
the NER model, never what the warehouse holds: the same site ingested on threads, with NER
in a helper process, and on a local Dask cluster of two worker processes gives the same
articles, duplicates, entities, mentions and alerts (compared by content: run ids and
timestamps differ)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from corpus import BAMAKO_TALKS_FR, FOOTBALL, GAO_CONVOY, MOPTI_ATTACK
from feedsite import Site, article_page, atom, rss
from test_dedup import SAME_EVENT_PAIRS, edit_words, frame_portal, paragraphs, seed_articles

from flows import runners
from flows.ingest import ingest
from flows.settings import ConfigError, load_settings
from flows.setup import initialise

pytestmark = pytest.mark.usefixtures("prefect_harness")

# What is compared: every content column, with the run-specific ones left out.
SNAPSHOT = {
    "articles": "select article_id, url, canonical_url, feed_url, source, title, author, "
                "published_at, language, text, content_hash, is_seed, duplicate_of, "
                "round(similarity, 6), text_origin from articles order by article_id",
    "entities": "select entity_id, kind, subtype, name, list_sort(coalesce(aliases, [])), "
                "first_article_id, in_seed_baseline, latitude, longitude, country_code "
                "from entities order by entity_id",
    "mentions": "select article_id, entity_id, surface, sentence, start_char from mentions "
                "order by all",
    "alerts": "select alert_id, entity_id, article_id, channel, status from alerts order by all",
    "seen": "select canonical_url, decision, reason from seen_entries order by all",
    "signatures": "select article_id, token_count, shingle_count, hashvalues "
                  "from article_signatures order by article_id",
}


def publish(site: Site) -> list[str]:
    """Two feeds, 13 entries: English and French pages, an off-topic one, two reports of one
    event per pair, a reprint of a seed and an edited copy of a page of the same run."""
    seed = seed_articles()[2]
    reprint = "France widens its Mali war"
    copy = MOPTI_ATTACK[0] + " (update)"
    pages = [
        ("/news/mopti", MOPTI_ATTACK[0], article_page(*MOPTI_ATTACK, author="Awa Diallo")),
        ("/news/gao", GAO_CONVOY[0], article_page(*GAO_CONVOY)),
        ("/sport/derby", FOOTBALL[0], article_page(*FOOTBALL)),
        ("/news/mopti-copy", copy, article_page(copy, edit_words(MOPTI_ATTACK[1], 3, seed=1))),
        ("/world/reprint", reprint,
         frame_portal(reprint, edit_words(paragraphs(seed.text), 5, seed=2))),
    ]
    for i, pair in enumerate(SAME_EVENT_PAIRS):
        for side, text in enumerate(pair):
            title = f"Mali report {i}{'ab'[side]}"
            pages.append((f"/reports/{i}/{side}", title, article_page(title, paragraphs(text))))
    items = []
    for path, title, html in pages:
        url = site.add(path, html)
        items.append({"title": title, "link": url, "description": "Mali: " + title})
    talks = site.add("/fr/dialogue", article_page(*BAMAKO_TALKS_FR, lang="fr",
                                                  site_name="Le Test"))
    return [
        site.add_feed("/rss.xml", rss("Sahel Test Daily", items)),
        site.add_feed("/atom.xml", atom("Le Test", [{"title": BAMAKO_TALKS_FR[0],
                                                      "link": talks,
                                                      "summary": "Dialogue au Mali."}]),
                      content_type="application/atom+xml"),
    ]


def snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {name: con.execute(sql).fetchall() for name, sql in SNAPSHOT.items()}


def run_with(tmp_path: Path, name: str, feeds: list[str], run_section: str) -> Path:
    db = tmp_path / f"{name}.duckdb"
    config = tmp_path / f"{name}.toml"
    config.write_text(
        "[fetch]\nallow_private_addresses = true\nper_host_delay_s = 0\ntimeout_s = 5\n"
        "retries = 0\nbatch_size = 3\n\n[alerts]\nchannels = [\"email\"]\n\n"
        "[alerts.email]\nrecipients = [\"analyst@example.org\"]\n\n" + run_section,
        encoding="utf-8",
    )
    initialise(db)
    summary = ingest(str(config), str(db), feeds, deliver_alerts=False)
    assert summary.errors == 0
    return db


@pytest.mark.slow  # a NER helper process and two runs: 13 s
def test_threads_and_a_ner_helper_process_store_the_same_warehouse(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds = publish(site)
    threads = snapshot(run_with(tmp_path, "threads", feeds, "[run]\nner_processes = 0\n"))
    # Any run sends NER to the helper process, not only large ones.
    monkeypatch.setattr(runners, "NER_PROCESS_MIN_ENTRIES", 0)
    helper = snapshot(run_with(tmp_path, "helper", feeds, "[run]\nner_processes = 1\n"))

    assert len(threads["articles"]) == 5 + 12  # seeds + 12 on topic (the derby is skipped)
    duplicates = [row for row in threads["articles"] if row[12] is not None]
    assert len(duplicates) == 2  # the seed reprint and the edited Mopti copy
    assert threads["mentions"] and threads["alerts"]
    for table in SNAPSHOT:
        assert helper[table] == threads[table], table


@pytest.mark.slow  # a local Dask cluster of worker processes, each loading spaCy
def test_a_local_dask_cluster_stores_the_same_warehouse_as_threads(
    site: Site, tmp_path: Path
) -> None:
    pytest.importorskip("prefect_dask")
    feeds = publish(site)
    threads = snapshot(run_with(tmp_path, "threads", feeds, ""))
    dask = snapshot(
        run_with(tmp_path, "dask", feeds, '[run]\ntask_runner = "dask"\nworkers = 2\n')
    )
    for table in SNAPSHOT:
        assert dask[table] == threads[table], table


def test_run_section_is_checked_before_anything_runs(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[run]\ntask_runner = "threads"\ndask_address = "tcp://10.0.0.5:8786"\n',
                      encoding="utf-8")
    with pytest.raises(ConfigError, match="dask_address"):
        load_settings(config, require_feeds=False)
    config.write_text('[run]\ntask_runner = "spark"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="task_runner"):
        load_settings(config, require_feeds=False)


def test_the_default_runner_is_threads_with_the_fetch_workers(tmp_path: Path) -> None:
    settings = load_settings(None, require_feeds=False)
    runner = runners.build_task_runner(settings)
    assert type(runner).__name__ == "ThreadPoolTaskRunner"
    assert runner._max_workers == settings.fetch.max_workers
    assert runners.ner_mode(settings, 10) == "local"
    assert runners.ner_mode(settings, 500) == "processes:1"
