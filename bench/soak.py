"""The soak (issue 13): `mali-monitor serve` on a 1-minute schedule for 60 runs against a
local web whose behaviour changes run by run, then SIGTERM.

Every run new Mali articles appear (bench/newsgen.py); in every cycle of 10 runs some pages
answer 500 or stall past the timeout and recover, one feed answers 500 for three runs (and
is backed off), the SMTP server is down for three runs and the Slack webhook stand-in answers
500 for one; the last run of a cycle has nothing new. Everything is on 127.0.0.1; serve gets
an isolated PREFECT_HOME and its Slack webhook URL from $MALI_MONITOR_SLACK_WEBHOOK. The
scenario, the process watch and the checks are in tests/soak_site.py (tests/test_soak.py runs
a short version).

At the end: every alert delivered exactly once per channel (messages received by the SMTP
server and the webhook vs the `alerts` table), nothing stored twice, serve's RSS growth after
warm-up (run 5) to the end, and no process started under serve left after SIGTERM.

    python bench/soak.py                                 # 60 runs at 1 minute: ~62 minutes
    python bench/soak.py --runs 10 --interval-minutes 0.1   # a short trial: ~3 minutes

Exit code 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import common  # noqa: F401  (sets PREFECT_HOME for this process; serve gets its own)
from common import ROOT, machine

sys.path.insert(0, str(ROOT / "tests"))

from soak_site import check, run_soak, warehouse_runs  # noqa: E402

MAX_GROWTH_MB = 50.0


def verdicts(f: dict, runs: int) -> list[tuple[str, bool]]:
    """(what, passed) for each check of the issue."""
    every_sent = all(k.endswith(":sent") for k in f["alerts_by_status"])
    return [
        (f"{runs} scheduled runs ended, all Completed",
         f["runs_ended"] == runs and f["run_states"] == {"Completed": runs}),
        ("each run polled the first feed once (site phase in step with the runs)",
         f["clock_polls_per_run"] == {1: runs}),
        ("every alert sent (none pending or failed at the end)", f["alerts"] > 0 and every_sent),
        ("every alert received exactly once per channel (SMTP, webhook)", f["exactly_once"]),
        ("no entity alerted twice on a channel", f["entities_alerted_twice_on_a_channel"] == 0),
        ("nothing stored twice (canonical URL, content hash)",
         f["duplicate_canonical_urls"] == 0 and f["duplicate_content_hashes"] == 0),
        ("every published story stored", f["published_not_stored"] == 0),
        (f"serve RSS growth after run 5 < {MAX_GROWTH_MB:.0f} MB",
         f.get("serve_rss_growth_mb", 1e9) < MAX_GROWTH_MB),
        ("serve exited on SIGTERM (code 0)", f["serve_exit_code"] == 0),
        ("no process started under serve left alive",
         not f["left_alive"] and not f["marked_left"]),
    ]


def print_report(records: list[dict], f: dict, rows: list[dict]) -> None:
    """The per-run table (serve's side from `records`, the warehouse's from `rows`: its
    `runs`, in order), the same per cycle of 10 runs, and the figures."""

    def mb(kb: int) -> str:
        return f"{kb / 1024:.0f}"

    def server_mb(r: dict) -> str:
        kb = (r.get("parts_kb") or {}).get("prefect server")
        return "?" if kb is None else mb(kb)

    def alerts(r: dict, channel: str) -> str:
        items = r.get(f"{channel}_alerts")
        count = r["emails"] if channel == "email" else r["slack_posts"]
        return f"{count}" + (f" ({items})" if items is not None else "")

    print()
    print("| run | what the web did | state | s | new articles | errors | feeds 304 | "
          "backed off | new entities | alerts queued | mails (alerts) | Slack posts (alerts) "
          "| serve RSS MB | Prefect server RSS MB | tree RSS MB | tree peak MB | procs |")
    print("|" + "---|" * 17)
    for i, r in enumerate(records):
        w = rows[i] if i < len(rows) else {}
        print(f"| {r['number']} | {r['events']} | {r['state']} | {w.get('seconds', '?')} | "
              f"{w.get('articles_new', '?')} | {w.get('errors', '?')} | "
              f"{w.get('not_modified', '?')} | {w.get('backed_off', '?')} | "
              f"{w.get('entities_new', '?')} | {w.get('alerts_queued', '?')} | "
              f"{alerts(r, 'email')} | {alerts(r, 'slack')} | {mb(r['serve_rss_kb'])} | "
              f"{server_mb(r)} | "
              f"{mb(r['tree_rss_kb'])} | {mb(r['tree_peak_kb'])} | {r['tree_processes']} |")
    print()
    print("| runs | new articles | errors | new entities | alerts queued | mails | Slack posts "
          "| serve RSS MB at the end | tree RSS MB at the end | tree peak MB (max) |")
    print("|" + "---|" * 10)
    for start in range(0, len(records), 10):
        chunk, ws = records[start:start + 10], rows[start:start + 10]

        def total(key: str, ws: list = ws) -> int:
            return sum(int(w.get(key) or 0) for w in ws)

        print(f"| {chunk[0]['number']}-{chunk[-1]['number']} | {total('articles_new')} | "
              f"{total('errors')} | {total('entities_new')} | {total('alerts_queued')} | "
              f"{sum(r['emails'] for r in chunk)} | {sum(r['slack_posts'] for r in chunk)} | "
              f"{mb(chunk[-1]['serve_rss_kb'])} | {mb(chunk[-1]['tree_rss_kb'])} | "
              f"{mb(max(r['tree_peak_kb'] for r in chunk))} |")
    extra = rows[len(records):]
    if extra:
        print(f"\n(the warehouse holds {len(extra)} run(s) more, started before SIGTERM: "
              f"{[w['status'] for w in extra]})")
    print()
    print("Figures")
    for key, value in f.items():
        if isinstance(value, float):
            value = f"{value:.1f}"
        print(f"  {key}: {value}")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--interval-minutes", type=float, default=1.0)
    parser.add_argument("--per-run", type=int, default=3, help="new articles per run")
    parser.add_argument("--dir", type=Path, default=None,
                        help="work folder (kept): warehouse, config, serve.log, Prefect home")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here too")
    parser.add_argument("--report", type=Path, default=None,
                        help="print the tables again from a --json file and the warehouse "
                             "in --dir, run nothing")
    args = parser.parse_args()
    if args.report:
        saved = json.loads(args.report.read_text())
        rows = warehouse_runs(args.dir / "soak.duckdb") if args.dir else []
        print_report(saved["runs"], saved["figures"], rows)
        for what, passed in saved["checks"]:
            print(f"  {'PASS' if passed else 'FAIL'}  {what}")
        return 0 if all(passed for _, passed in saved["checks"]) else 1
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="mali-soak-"))
    print(f"machine: {machine()}")
    print(f"work folder: {workdir}")
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    result = run_soak(workdir, args.runs, args.interval_minutes, per_run=args.per_run,
                      say=lambda line: print(line, flush=True))
    figures = check(result)
    records = [dict(r.__dict__) for r in result.records]
    rows = warehouse_runs(result.db)
    print_report(records, figures, rows)
    results = verdicts(figures, args.runs)
    for what, passed in results:
        print(f"  {'PASS' if passed else 'FAIL'}  {what}")
    print(f"started {started}, {figures['wall_min']:.1f} min")
    if args.json:
        args.json.write_text(json.dumps(
            {"figures": figures, "checks": results, "runs": records, "warehouse_runs": rows},
            default=str, indent=1))
    return 0 if all(passed for _, passed in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
