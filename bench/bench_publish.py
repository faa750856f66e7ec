"""Read copy and export: what `publish_read_copy` and `export_tables` cost at 10,000 and
100,000 stored articles (issue 18).

The warehouses are bench_growth's (`build_warehouse`: articles, signatures, entries, one
entity per 5 articles, 20 mentions per article, alerts), built once and cached under
`--work` (default /tmp/mali-bench-publish), then copied to a scratch file for each size.
On that copy, with the writer's connection open:

- publish once right after opening (the build already checkpointed);
- "after a run": the writes of a typical 100-article run (100 articles, their signatures,
  entries and 2,000 mentions, copied from stored ones under new ids, and a `runs` row) in
  one transaction, then a publish, whose CHECKPOINT writes them into the file;
- "nothing changed": publish again with no write in between;
- open the read copy read-only and count its articles;
- `export_tables` of the read copy to Parquet (everything, and `since` the simulated runs).

Figures are best and median of `--repeat` (3). The files are in the page cache (they were
just written): a cold cache would add the read of the whole file to each copy.

    python bench/bench_publish.py                        # ~10 min the first time, ~1.5 after
    python bench/bench_publish.py --sizes 10000          # quicker
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import common  # noqa: F401  (sets PREFECT_HOME before prefect is imported)
from bench_growth import MENTIONS_PER_ARTICLE, build_warehouse
from common import machine

RUN_ARTICLES = 100


def cached_warehouse(work: Path, n: int) -> tuple[Path, float | None]:
    """bench_growth's warehouse of n articles under `work`; (path, build seconds or None)."""
    cached = work / f"warehouse-{n}.duckdb"
    if cached.exists():
        return cached, None
    started = time.perf_counter()
    building = work / f"building-{n}.duckdb"
    for stray in (building, work / f"building-{n}.read.duckdb", Path(f"{building}.wal")):
        stray.unlink(missing_ok=True)
    build_warehouse(building, n)
    building.rename(cached)
    (work / f"building-{n}.read.duckdb").unlink(missing_ok=True)  # init published one
    return cached, time.perf_counter() - started


def simulate_run(con, tag: str) -> None:
    """What a 100-article run writes: articles, signatures, entries, mentions, a run row."""
    from warehouse.connection import transaction

    with transaction(con):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE pick AS SELECT article_id AS old_id, "
            "$tag || '-' || row_number() OVER () AS new_id, row_number() OVER () AS rn "
            "FROM (SELECT article_id FROM articles WHERE run_id = 'bench-history') "
            f"USING SAMPLE {RUN_ARTICLES} ROWS",  # (the sample is taken before a WHERE)
            {"tag": tag},
        )
        con.execute(
            "INSERT INTO runs (run_id, started_at, finished_at, status, articles_new) "
            "VALUES ($tag, now(), now(), 'completed', $k)", {"tag": tag, "k": RUN_ARTICLES},
        )
        con.execute(
            "INSERT INTO articles SELECT a.* REPLACE (p.new_id AS article_id, "
            "a.url || '#' || p.new_id AS url, a.canonical_url || '#' || p.new_id AS "
            "canonical_url, now() AS fetched_at, $tag AS run_id) "
            "FROM articles a JOIN pick p ON a.article_id = p.old_id", {"tag": tag},
        )
        con.execute(
            "INSERT INTO article_signatures SELECT s.* REPLACE (p.new_id AS article_id, "
            "(SELECT max(seq) FROM article_signatures) + p.rn AS seq, now() AS computed_at) "
            "FROM article_signatures s JOIN pick p ON s.article_id = p.old_id"
        )
        con.execute(
            "INSERT INTO seen_entries (canonical_url, feed_url, url, title, decision, run_id, "
            "decided_at) SELECT canonical_url, feed_url, url, title, 'stored', run_id, now() "
            "FROM articles WHERE run_id = $tag", {"tag": tag},
        )
        con.execute(
            "INSERT INTO mentions SELECT m.* REPLACE (p.new_id AS article_id) "
            "FROM mentions m JOIN pick p ON m.article_id = p.old_id"
        )


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def measure(cached: Path, scratch: Path, repeat: int) -> dict:
    import duckdb

    from warehouse.connection import connect
    from warehouse.export import export_tables
    from warehouse.publish import publish_read_copy, read_copy_path

    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    db = scratch / "warehouse.duckdb"
    shutil.copyfile(cached, db)
    copy = read_copy_path(db)
    result: dict = {"warehouse_bytes_before": db.stat().st_size}
    con = connect(db, create=False)
    try:
        result["first"] = timed(lambda: publish_read_copy(con, db))
        runs_started = datetime.now(UTC)
        after_run, run_writes = [], []
        for i in range(repeat):
            run_writes.append(timed(lambda i=i: simulate_run(con, f"bench-publish-{i}")))
            wal = Path(f"{db}.wal")
            result.setdefault("wal_bytes", []).append(wal.stat().st_size if wal.exists() else 0)
            after_run.append(timed(lambda: publish_read_copy(con, db)))
        result["after_run"], result["run_writes"] = after_run, run_writes
        result["unchanged"] = [timed(lambda: publish_read_copy(con, db)) for _ in range(repeat)]
        row = con.execute("SELECT count(*) FROM articles").fetchone()
        result["articles"] = int(row[0]) if row else 0
        row = con.execute("SELECT count(*) FROM mentions").fetchone()
        result["mentions"] = int(row[0]) if row else 0
    finally:
        con.close()
    result["warehouse_bytes"] = db.stat().st_size
    result["copy_bytes"] = copy.stat().st_size

    started = time.perf_counter()
    with duckdb.connect(str(copy), read_only=True) as reader:
        row = reader.execute("SELECT count(*) FROM articles").fetchone()
        result["copy_articles"] = int(row[0]) if row else -1
    result["copy_open_count_s"] = time.perf_counter() - started

    out = scratch / "export"
    exports = []
    for _ in range(repeat):
        done = export_tables(copy, out, fmt="parquet")
        exports.append(done.seconds)
    result["export"] = exports
    result["export_bytes"] = folder_bytes(out)
    result["export_rows"] = {t.name: t.rows for t in done.tables}
    result["export_table_bytes"] = {
        t.name: folder_bytes(t.path) if t.path.is_dir() else t.path.stat().st_size
        for t in done.tables
    }
    since_out = scratch / "export-since"
    since = export_tables(copy, since_out, fmt="parquet", since=runs_started)
    result["export_since"] = since.seconds
    result["export_since_rows"] = next(t.rows for t in since.tables if t.name == "articles")
    return result


def _bm(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/mali-bench-publish"))
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results: dict[int, dict] = {}
    for n in args.sizes:
        cached, built = cached_warehouse(args.work, n)
        if built is not None:
            print(f"built the {n:,}-article warehouse in {built:.0f} s", flush=True)
        scratch = args.work / f"scratch-{n}"
        results[n] = measure(cached, scratch, args.repeat)
        print(f"measured {n:,}: {results[n]}", flush=True)
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)

    mb = 1e6
    print(f"\nMachine: {machine()}\n")
    print(f"publish_read_copy (CHECKPOINT + copy + fsync + rename) and export_tables (Parquet, "
          f"zstd), seconds, best / median of {args.repeat}; 'after a run' follows the writes "
          f"of a {RUN_ARTICLES}-article run ({RUN_ARTICLES * MENTIONS_PER_ARTICLE:,} mentions)"
          f"\n")
    print("| articles stored | warehouse (MB) | read copy (MB) | publish, first | publish after "
          "a run | publish, nothing changed | read copy opens, articles | export (s) | "
          "export (MB) | export since the runs (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, r in results.items():
        same = "same" if r["copy_articles"] == r["articles"] else "DIFFERENT"
        print(f"| {n:,} | {r['warehouse_bytes'] / mb:.0f} | {r['copy_bytes'] / mb:.0f} | "
              f"{r['first']:.2f} | {_bm(r['after_run'])} | {_bm(r['unchanged'])} | "
              f"{r['copy_articles']:,} ({same}; {r['copy_open_count_s']:.2f} s) | "
              f"{_bm(r['export'])} | {r['export_bytes'] / mb:.0f} | "
              f"{r['export_since']:.2f} ({r['export_since_rows']} articles) |")
    print("\nthe simulated runs' writes (s) and the WAL they left (MB):")
    for n, r in results.items():
        print(f"  {n:,}: writes {_bm(r['run_writes'])}; WAL "
              f"{', '.join(f'{w / mb:.1f}' for w in r['wal_bytes'])}")
    print("\nexport by table (rows, MB):")
    for n, r in results.items():
        print(f"  {n:,}: " + ", ".join(
            f"{t} {rows:,} / {r['export_table_bytes'][t] / mb:.1f}"
            for t, rows in r["export_rows"].items()))
    ok = all(r["copy_articles"] == r["articles"] for r in results.values())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
