"""Replay throughput: 1,000 new articles on 20 feeds served on 127.0.0.1, a cold warehouse,
one `ingest` run; articles per second end to end and where the time goes, beside the
compute floor (the same pages through trafilatura and spaCy NER alone, in one process).

    python bench/bench_throughput.py                    # both parts, ~5 minutes on 2 cores
    python bench/bench_throughput.py --part pipeline    # the ingest run only
    python bench/bench_throughput.py --part floor       # trafilatura + NER only
    python bench/bench_throughput.py --replay DIR       # reuse a replay (bench/newsgen.py)

Each part runs in its own process, so that neither inherits the other's loaded models.
The stage split comes from timers wrapped around the stage functions for the run
(`bench/timings.py`); nothing in production code is instrumented.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common  # noqa: F401  (sets PREFECT_HOME before prefect is imported)
from common import (
    ROOT,
    WebhookSink,
    children_cpu_s,
    collect,
    emit,
    init_warehouse,
    machine,
    peak_rss_mb,
    replay_server_process,
    warm_prefect,
    write_config,
)

SCRIPT = Path(__file__).resolve()


def _replay(args: argparse.Namespace, tmp: Path) -> Path:
    from newsgen import write_replay

    if args.replay:
        return Path(args.replay)
    root = tmp / "replay"
    write_replay(root, articles=args.articles, feeds=args.feeds, seed=args.seed)
    return root


def part_pipeline(replay_root: Path, args: argparse.Namespace) -> dict:
    import duckdb
    from newsgen import load_replay
    from timings import STAGE_ORDER, CpuSampler, Timings, ingest_stages

    replay = load_replay(replay_root)
    prefect_start = warm_prefect()
    tmp = Path(tempfile.mkdtemp(prefix="mali-bench-run-"))
    db = tmp / "warehouse.duckdb"
    with replay_server_process(replay_root) as base, WebhookSink() as sink:
        init_s = init_warehouse(db)
        config = write_config(tmp / "bench.toml", db, [f"{base}/{p}" for p in replay.feed_paths])
        if args.batch_size or args.runner_extra:
            text = config.read_text()
            if args.batch_size:
                text = text.replace("[fetch]\n", f"[fetch]\nbatch_size = {args.batch_size}\n")
            config.write_text(text + "\n" + (args.runner_extra or "") + "\n")
        from flows.ingest import ingest

        timings = Timings()
        sampler = CpuSampler()
        with sampler, timings.instrument(ingest_stages() if not args.no_timers else []):
            started, cpu_started = time.perf_counter(), time.process_time()
            children_started = children_cpu_s()
            summary = ingest(str(config), str(db), None, True)
            wall = time.perf_counter() - started
            process_cpu = time.process_time() - cpu_started
            helpers_cpu = children_cpu_s() - children_started
        posts = sink.posts
    with duckdb.connect(str(db), read_only=True) as con:
        counts = {
            name: con.execute(sql).fetchall()[0][0]
            for name, sql in {
                "articles": "select count(*) from articles where not is_seed",
                "duplicates": "select count(*) from articles where duplicate_of is not null "
                              "and not is_seed",
                "entities": "select count(*) from entities where not in_seed_baseline",
                "mentions": "select count(*) from mentions",
                "alerts_sent": "select count(*) from alerts where status = 'sent'",
                "errors": "select count(*) from fetch_errors",
            }.items()
        }
    return {
        "prefect_start_s": prefect_start,
        "init_s": init_s,
        "wall_s": wall,
        "process_cpu_s": process_cpu,
        "helpers_cpu_s": helpers_cpu,
        "articles_new": summary.articles_new,
        "summary_errors": summary.errors,
        "counts": counts,
        "slack_posts": posts,
        "table": timings.table(
            STAGE_ORDER, wall,
            {"ner (helper processes, CPU)": helpers_cpu} if helpers_cpu > 0.5 else None,
        ),
        "busy": dict(timings.busy),
        "cpu_timeline": sampler.table(),
        "missing_probes": timings.missing,
        "peak_rss_mb": peak_rss_mb(),
    }


def part_floor(replay_root: Path) -> dict:
    """trafilatura (as `extract_page` calls it) on every page read from disk, then spaCy NER
    (NER only, as `SpacyNerModel` runs it) on the texts, one batch per language."""
    from newsgen import load_replay

    from extractors.entities.model import SpacyNerModel
    from extractors.extraction import extract_page

    replay = load_replay(replay_root)
    pages = [
        (p, (replay_root / p).read_text(encoding="utf-8").replace("{base}", "http://127.0.0.1"))
        for p in replay.page_paths
    ]
    model = SpacyNerModel()
    started = time.perf_counter()
    model.pipeline("en")
    model.pipeline("fr")
    load_s = time.perf_counter() - started

    started = time.perf_counter()
    texts: dict[str, list[str]] = {"en": [], "fr": []}
    for path, html in pages:
        page = extract_page(html, url=f"http://127.0.0.1/{path}")
        texts["fr" if replay.languages[path] == "fr" else "en"].append(page.text)
    extract_s = time.perf_counter() - started

    started = time.perf_counter()
    spans = 0
    for language, batch in texts.items():
        spans += sum(len(s) for s in model.entities(batch, language))
    ner_s = time.perf_counter() - started
    chars = sum(len(t) for batch in texts.values() for t in batch)
    return {
        "pages": len(pages),
        "chars": chars,
        "load_s": load_s,
        "extract_s": extract_s,
        "ner_s": ner_s,
        "floor_s": extract_s + ner_s,
        "spans": spans,
        "peak_rss_mb": peak_rss_mb(),
    }


def _child(part: str, replay: Path, args: argparse.Namespace) -> dict:
    command = [sys.executable, str(SCRIPT), "--part", part, "--replay", str(replay)]
    if args.batch_size:
        command += ["--batch-size", str(args.batch_size)]
    if args.runner_extra:
        command += ["--runner-extra", args.runner_extra]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{part} failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    return collect(done.stdout)


def report(pipeline: dict | None, floor: dict | None, n_articles: int) -> None:
    print(f"Machine: {machine()}\n")
    if pipeline:
        c = pipeline["counts"]
        wall = pipeline["wall_s"]
        print(f"Prefect start-up (empty flow, ephemeral API): {pipeline['prefect_start_s']:.1f} s;"
              f" init (cold warehouse, seeds): {pipeline['init_s']:.1f} s")
        print(f"ingest run: {wall:.1f} s for {pipeline['articles_new']} new articles = "
              f"**{pipeline['articles_new'] / wall:.1f} articles/s**; "
              f"{c['duplicates']} duplicates, {c['entities']} new entities, {c['mentions']} "
              f"mentions, {c['alerts_sent']} alerts sent in {pipeline['slack_posts']} Slack "
              f"posts, {c['errors']} errors; CPU: flow's process "
              f"{pipeline['process_cpu_s']:.1f} s, NER helper processes "
              f"{pipeline['helpers_cpu_s']:.1f} s; peak RSS of the flow's process "
              f"{pipeline['peak_rss_mb']:.0f} MB")
        if pipeline["missing_probes"]:
            print(f"(probes not found in this version: {', '.join(pipeline['missing_probes'])})")
        print()
        print(pipeline["table"])
        print()
        print("Cores used, by process, through the run:\n")
        print(pipeline["cpu_timeline"])
        print()
    if floor:
        print(f"floor: {floor['pages']} pages ({floor['chars'] / 1e6:.2f} M characters of text): "
              f"trafilatura {floor['extract_s']:.1f} s + spaCy NER {floor['ner_s']:.1f} s = "
              f"**{floor['floor_s']:.1f} s** ({floor['pages'] / floor['floor_s']:.1f} "
              f"articles/s); model load {floor['load_s']:.2f} s (not counted); peak RSS "
              f"{floor['peak_rss_mb']:.0f} MB")
    if pipeline and floor:
        print(f"\nratio pipeline / floor: {pipeline['wall_s'] / floor['floor_s']:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["all", "pipeline", "floor"], default="all")
    parser.add_argument("--replay", help="a replay folder written by bench/newsgen.py")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=0, help="[fetch] batch_size")
    parser.add_argument("--runner-extra", default="", help="TOML appended to the config")
    parser.add_argument("--no-timers", action="store_true", help="run without stage timers")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mali-bench-"))
    if args.part == "pipeline":
        emit(part_pipeline(_replay(args, tmp), args))
        return 0
    if args.part == "floor":
        emit(part_floor(_replay(args, tmp)))
        return 0
    replay = _replay(args, tmp)
    pipeline = _child("pipeline", replay, args)
    floor = _child("floor", replay, args)
    report(pipeline, floor, args.articles)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
