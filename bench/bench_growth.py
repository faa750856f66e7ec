"""Growth: a 100-article run against a warehouse that already holds 10,000 and 100,000
articles, beside the same run against a fresh one (the seeds only).

The synthetic warehouses are written in bulk through the warehouse's own functions and
Arrow tables: articles (`store.insert_articles`), their MinHash signatures
(`signatures.insert_signatures`, signed from synthetic texts on every core), the entries
they came from, entities (one new entity per 5 articles: people, groups, organisations,
towns, with aliases), 20 mentions per article, and one sent alert per entity. They are
cached (`--cache`, default /tmp/mali-bench-cache) and copied before each run, which runs
in a fresh process (peak memory is that process's).

    python bench/bench_growth.py                    # ~8 minutes the first time, ~4 after
    python bench/bench_growth.py --sizes 0 10000    # quicker
    python bench/bench_growth.py --articles 10 --sizes 0 100000  # a quiet hour's run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import common  # noqa: F401  (sets PREFECT_HOME before prefect is imported)
from common import ROOT, collect, emit, init_warehouse, machine, peak_rss_mb

SCRIPT = Path(__file__).resolve()
ENTITIES_PER_ARTICLE = 0.2
MENTIONS_PER_ARTICLE = 20


# --------------------------------------------------------------------------- building


def _sign(bounds: tuple[int, int]) -> list[tuple[str, int, int, bytes]]:
    """(text, token_count, shingle_count, hashvalues) of synthetic texts bounds[0]..[1]."""
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    from bench_dedup import TextMaker

    from extractors.dedup import DedupSettings
    from extractors.shingles import signature

    maker = TextMaker()
    params = DedupSettings().params
    out = []
    for n in range(*bounds):
        text = maker.text(n + 1_000_000)  # other texts than bench_dedup's
        sig = signature(text, params)
        out.append((text, sig.token_count, sig.shingle_count, sig.hashvalues.tobytes()))
    return out


def build_warehouse(path: Path, n: int) -> dict[str, float]:
    import numpy as np
    import pyarrow as pa
    from bench_dedup import vocabulary
    from newsgen import FIRST_NAMES, LAST_NAMES

    from extractors.dedup import ArticleSignature, DedupSettings
    from extractors.entities.normalize import canonical_key
    from extractors.fingerprints import content_hash
    from extractors.models import Article
    from extractors.shingles import HASH_DTYPE, TextSignature
    from extractors.urls import url_key
    from warehouse import signatures, store
    from warehouse.arrow import registered
    from warehouse.connection import connect, transaction

    timings: dict[str, float] = {}
    started = time.perf_counter()
    init_warehouse(path)
    if n == 0:
        return timings
    chunk = 5000
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        parts = list(pool.map(_sign, [(i, min(n, i + chunk)) for i in range(0, n, chunk)]))
    signed = [row for part in parts for row in part]
    timings["sign"] = time.perf_counter() - started

    started = time.perf_counter()
    rng = random.Random(n)
    params = DedupSettings().params
    base = datetime(2020, 1, 1, tzinfo=UTC)
    articles, sigs, entries = [], [], []
    for i, (text, tokens, shingles, raw) in enumerate(signed):
        canonical = f"https://archive.example/{i // 1000}/story-{i}"
        article = Article(
            article_id=url_key(canonical), url=canonical, canonical_url=canonical,
            feed_url=f"https://archive.example/feed-{i % 40}.xml", source=f"Outlet {i % 40}",
            title=f"Archived story {i}", author=None,
            published_at=base + timedelta(minutes=30 * i), fetched_at=base + timedelta(
                minutes=30 * i), language="en" if i % 3 else "fr", text=text,
            content_hash=content_hash(text), text_origin="page", run_id="bench-history",
        )
        articles.append(article)
        sigs.append(ArticleSignature(article.article_id, TextSignature(
            params, tokens, shingles, np.frombuffer(raw, dtype=HASH_DTYPE))))
        entries.append((canonical, article.feed_url, canonical, article.title))
    syllables = vocabulary(4000, rng)
    n_entities = int(n * ENTITIES_PER_ARTICLE)
    rows: dict[str, list] = {k: [] for k in (
        "entity_id", "kind", "subtype", "name", "aliases", "first_seen_at",
        "first_article_id", "in_seed_baseline", "latitude", "longitude", "country_code",
        "confidence")}
    seen_keys: set[str] = set()
    while len(rows["entity_id"]) < n_entities:
        roll = rng.random()
        word, other = rng.choice(syllables).title(), rng.choice(syllables).title()
        aliases: list[str] = []
        if roll < 0.55:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name, kind, subtype = f"{first} {word} {last}", "actor", "person"
            aliases = [f"{first} {last}"]
        elif roll < 0.75:
            group = rng.choice(["Brigade", "Front", "Katiba", "Movement"])
            name, kind, subtype = f"{word} {group}", "actor", "armed_group"
        elif roll < 0.85:
            name, kind, subtype = f"{word} Association for {other}", "actor", "organisation"
        else:
            name = word + rng.choice(["bougou", "dougou", "ré", "ko"])
            kind, subtype = "town", None
        key = canonical_key(name, kind)
        if key in seen_keys:
            continue
        seen_keys.add(key)
        first_article = articles[rng.randrange(n)]
        rows["entity_id"].append(key)
        rows["kind"].append(kind)
        rows["subtype"].append(subtype)
        rows["name"].append(name)
        rows["aliases"].append(aliases)
        rows["first_seen_at"].append(first_article.fetched_at)
        rows["first_article_id"].append(first_article.article_id)
        rows["in_seed_baseline"].append(False)
        rows["latitude"].append(14.0 + rng.random() if kind == "town" else None)
        rows["longitude"].append(-4.0 + rng.random() if kind == "town" else None)
        rows["country_code"].append("ML" if kind == "town" else None)
        rows["confidence"].append(0.9)
    entities = pa.table(rows)
    ids = rows["entity_id"]
    names = rows["name"]
    m_article, m_entity, m_surface, m_sentence, m_start = [], [], [], [], []
    for a in articles:
        for j in range(MENTIONS_PER_ARTICLE):
            e = rng.randrange(len(ids))
            m_article.append(a.article_id)
            m_entity.append(ids[e])
            m_surface.append(names[e])
            m_sentence.append(f"{names[e]} was named in this archived story.")
            m_start.append(40 * j)
    mentions = pa.table({"article_id": m_article, "entity_id": m_entity, "surface": m_surface,
                         "sentence": m_sentence,
                         "start_char": pa.array(m_start, pa.int32())})
    stamp = datetime.now(UTC)
    alerts = pa.table({
        "alert_id": [f"{k}:email" for k in ids], "entity_id": ids,
        "article_id": rows["first_article_id"], "channel": ["email"] * len(ids),
        "status": ["sent"] * len(ids), "attempts": pa.array([1] * len(ids), pa.int32()),
        "created_at": pa.array([stamp] * len(ids), pa.timestamp("us", tz="UTC")),
        "sent_at": pa.array([stamp] * len(ids), pa.timestamp("us", tz="UTC")),
    })
    timings["prepare"] = time.perf_counter() - started

    started = time.perf_counter()
    con = connect(path, create=False)
    try:
        with transaction(con):
            store.insert_articles(con, articles)
            signatures.insert_signatures(con, sigs)
            store.insert_stored_entries(con, entries, "bench-history")
        with transaction(con):
            with registered(con, "bench_entities", entities):
                con.execute(f"INSERT INTO entities ({', '.join(entities.column_names)}) "
                            f"SELECT * FROM bench_entities")
            with registered(con, "bench_mentions", mentions):
                con.execute("INSERT INTO mentions (article_id, entity_id, surface, sentence, "
                            "start_char) SELECT * FROM bench_mentions")
            with registered(con, "bench_alerts", alerts):
                con.execute(f"INSERT INTO alerts ({', '.join(alerts.column_names)}) "
                            f"SELECT * FROM bench_alerts")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    timings["insert"] = time.perf_counter() - started
    return timings


# --------------------------------------------------------------------------- one run


def part_run(db: Path, replay_root: Path) -> dict:
    import duckdb
    from common import replay_server_process, warm_prefect, write_config
    from newsgen import load_replay
    from timings import STAGE_ORDER, Timings, ingest_stages

    replay = load_replay(replay_root)
    prefect_s = warm_prefect()
    rss_before = peak_rss_mb()
    with replay_server_process(replay_root) as base:
        config = write_config(db.parent / "growth.toml", db,
                              [f"{base}/{p}" for p in replay.feed_paths], slack=False)
        from flows.ingest import ingest

        timings = Timings()
        with timings.instrument(ingest_stages()):
            started = time.perf_counter()
            summary = ingest(str(config), str(db), None, True)
            wall = time.perf_counter() - started
    with duckdb.connect(str(db), read_only=True) as con:
        stored = con.execute("select count(*) from articles").fetchall()[0][0]
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "wall_s": wall, "prefect_s": prefect_s, "articles_new": summary.articles_new,
        "duplicates": summary.duplicates, "entities_new": summary.entities_new,
        "errors": summary.errors, "stored_after": stored,
        "peak_rss_mb": peak_rss_mb(), "rss_before_run_mb": rss_before,
        "children_peak_rss_mb": children,
        "busy": dict(timings.busy), "cpu": dict(timings.cpu),
        "table": timings.table(STAGE_ORDER, wall),
    }


def _child_run(db: Path, replay: Path) -> dict:
    done = subprocess.run([sys.executable, str(SCRIPT), "--part", "run", "--db", str(db),
                           "--replay", str(replay)], capture_output=True, text=True, cwd=ROOT,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"run failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return collect(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--articles", type=int, default=100, help="new articles per run")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/mali-bench-cache"))
    parser.add_argument("--part", choices=["all", "run"], default="all")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--replay", type=Path)
    args = parser.parse_args()
    if args.part == "run":
        emit(part_run(args.db, args.replay))
        return 0
    from newsgen import write_replay

    args.cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="mali-bench-growth-"))
    replay = tmp / "replay"
    write_replay(replay, articles=args.articles, feeds=5, seed=23)
    results: dict[int, list[dict]] = {}
    builds: dict[int, dict[str, float]] = {}
    for n in args.sizes:
        cached = args.cache / f"warehouse-{n}.duckdb"
        if not cached.exists():
            started = time.perf_counter()
            building = cached.with_suffix(".building")
            building.unlink(missing_ok=True)
            builds[n] = build_warehouse(building, n)
            building.rename(cached)
            builds[n]["total"] = time.perf_counter() - started
        for attempt in range(args.repeat):
            db = tmp / f"run-{n}-{attempt}" / "warehouse.duckdb"
            db.parent.mkdir()
            shutil.copyfile(cached, db)
            results.setdefault(n, []).append(_child_run(db, replay))
            db.unlink()

    print(f"Machine: {machine()}\n")
    for n, b in builds.items():
        print(f"built the {n:,}-article warehouse in {b.get('total', 0):.0f} s "
              f"({', '.join(f'{k} {v:.0f} s' for k, v in b.items() if k != 'total')})")
    base = min(r["wall_s"] for r in results[args.sizes[0]])
    print(f"\n{args.articles} new articles (5 feeds) per run; best of {args.repeat} runs (all "
          f"runs in brackets); memory: peak RSS of the flow's process, and of its largest "
          f"child (the NER helper)\n")
    print("| articles stored | run (s) | vs. fresh | dedup index load (s) | entities load (s) "
          "| entity rules (s) | store (s) | peak RSS (MB) | largest child (MB) | file size (MB) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        runs = results[n]
        best = min(runs, key=lambda r: r["wall_s"])
        size = (args.cache / f"warehouse-{n}.duckdb").stat().st_size / 1e6
        all_runs = ", ".join(f"{r['wall_s']:.1f}" for r in runs)
        print(f"| {n:,} | {best['wall_s']:.1f} ({all_runs}) | "
              f"{100 * (best['wall_s'] / base - 1):+.0f}% | "
              f"{best['busy'].get('dedup index load', 0):.2f} | "
              f"{best['busy'].get('entities load', 0):.2f} | "
              f"{best['busy'].get('entity rules', 0):.2f} | "
              f"{best['busy'].get('store', 0):.2f} | {max(r['peak_rss_mb'] for r in runs):.0f} | "
              f"{max(r['children_peak_rss_mb'] for r in runs):.0f} | {size:.0f} |")
    last = min(results[args.sizes[-1]], key=lambda r: r["wall_s"])
    print(f"\nstage split of the best run at {args.sizes[-1]:,} articles "
          f"({last['articles_new']} new, {last['duplicates']} duplicates, "
          f"{last['entities_new']} new entities, {last['errors']} errors):\n")
    print(last["table"])
    print("\n" + json.dumps({n: [round(r["wall_s"], 2) for r in rs] for n, rs in results.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
