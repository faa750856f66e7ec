"""The process killed (SIGKILL) in the middle of a run: the warehouse opens, no half-written
batch remains, the killed run is marked 'interrupted', the next run completes and stores
nothing twice."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from corpus import GAO_CONVOY, MOPTI_ATTACK
from feedsite import article_page, rss

from flows.ingest import ingest
from warehouse import store
from warehouse.connection import opened

from .hostile_server import HostileServer, respond, sequence, stall_then
from .support import assert_nothing_stored_twice, rows, save_bulk_batch, scalar

TESTS = str(Path(__file__).parents[1])

KILLED_WHILE_STORING = """
import os, signal, sys
sys.path.insert(0, sys.argv[3])
from faults.support import save_bulk_batch
from warehouse import store
from warehouse.connection import connect

con = connect(sys.argv[1])
store.start_run(con, "r-killed")
if sys.argv[2] == "mid-batch":
    # Articles are inserted; the process dies before their signatures, inside the transaction.
    store.insert_signatures = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
    save_bulk_batch(con)
else:
    save_bulk_batch(con)  # committed ...
    os.kill(os.getpid(), signal.SIGKILL)  # ... and killed before any checkpoint or close
"""


@pytest.mark.parametrize(("moment", "stored_by_killed_process"),
                         [("mid-batch", 0), ("after-commit", 40)])
def test_a_process_killed_while_storing_leaves_all_or_nothing_of_the_batch(
    warehouse: Path, moment: str, stored_by_killed_process: int
) -> None:
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_WHILE_STORING, str(warehouse), moment, TESTS],
        capture_output=True, text=True, timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    # The file opens; the batch is there whole (committed: the WAL is replayed) or not at all.
    assert scalar(warehouse, "select count(*) from articles where not is_seed") == (
        stored_by_killed_process
    )
    assert scalar(warehouse, "select count(*) from seen_entries") == stored_by_killed_process
    assert_nothing_stored_twice(warehouse)

    with opened(warehouse) as con:
        store.start_run(con, "r-next")  # the next run marks the killed one
        assert save_bulk_batch(con) == 40 - stored_by_killed_process
    assert rows(warehouse, "select run_id, status, message from runs order by run_id") == [
        ("r-killed", "interrupted", "the process stopped before the run finished"),
        ("r-next", "running", None),
    ]
    assert scalar(warehouse, "select count(*) from articles where not is_seed") == 40
    assert_nothing_stored_twice(warehouse)


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_mali_monitor_run_killed_mid_run_is_marked_interrupted_and_the_next_run_completes(
    hostile: HostileServer, warehouse: Path, write_config, tmp_path: Path
) -> None:
    """`mali-monitor run` in a subprocess, killed once its first batch is stored while the
    second page stalls; then a normal run."""
    from prefect.settings import PREFECT_API_URL

    release = threading.Event()
    first = hostile.route("/news/mopti", respond(200, article_page(*MOPTI_ATTACK)))
    second = hostile.route("/news/gao", sequence(
        stall_then(respond(200, article_page(*GAO_CONVOY)), release=release, max_s=60),
        respond(200, article_page(*GAO_CONVOY)),
    ))
    feed = hostile.route("/feed.xml", respond(200, rss("Two", [
        {"title": MOPTI_ATTACK[0], "link": first, "description": "Attack in Mali."},
        {"title": GAO_CONVOY[0], "link": second, "description": "Convoy in Mali."},
    ]), content_type="application/rss+xml"))
    config = write_config(fetch={"timeout_s": 60}, feeds=[feed])
    run = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", "--verbose", "--config", str(config),
         "--db", str(warehouse)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
        env={**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()),
             "PREFECT_LOGGING_LEVEL": "INFO"},
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in run.stdout or []], daemon=True
    ).start()
    log: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                assert run.poll() is None, "\n".join(log)
                continue
            log.append(line)
            if "store-batch" in line and "Finished in state Completed" in line:
                break
        else:
            pytest.fail("the first batch was never stored:\n" + "".join(log))
        assert hostile.count("/news/gao") == 1  # the second page is stalling
        run.send_signal(signal.SIGKILL)
        assert run.wait(timeout=30) == -signal.SIGKILL
    finally:
        release.set()
        if run.poll() is None:
            run.kill()

    assert rows(warehouse, "select status from runs") == [("running",)]
    assert rows(warehouse, "select url from articles where not is_seed") == [(first,)]
    assert_nothing_stored_twice(warehouse)  # the first batch is whole: signature, entry ...

    summary = ingest(str(config), str(warehouse))

    assert summary.articles_new == 1  # the second article; the first is known
    assert rows(warehouse, "select status, message from runs order by started_at") == [
        ("interrupted", "the process stopped before the run finished"),
        ("completed", None),
    ]
    assert sorted(u for (u,) in rows(warehouse, "select url from articles where not is_seed")) \
        == sorted([first, second])
    assert hostile.count("/news/mopti") == 1  # never fetched again
    assert_nothing_stored_twice(warehouse)
    json.dumps(summary.as_dict())  # the summary stays plain data
