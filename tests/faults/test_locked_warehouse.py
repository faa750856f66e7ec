"""The warehouse held by another process (a user's open `duckdb` shell): `run` and `query`
stop with one clear line and exit code 2, after the configured wait, and change nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .hostile_server import HostileServer, respond
from .support import rows

HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
deadline = time.monotonic() + 60
while time.monotonic() < deadline and sys.stdin.readline():
    pass
con.close()
"""


@contextmanager
def held(db: Path) -> Iterator[int]:
    """Another process with the file open read-write, like `duckdb mali-monitor.duckdb`;
    it lets go when its stdin closes (or after 60 s)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        yield holder.pid
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path) -> tuple[int, str, str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        capture_output=True, text=True, timeout=120, cwd=cwd,
        env={**os.environ, "PREFECT_HOME": str(cwd / "prefect"), **(env or {})},
    )
    return done.returncode, done.stdout, done.stderr, time.monotonic() - started


def test_run_and_live_query_on_a_held_warehouse_exit_2_naming_the_holder(
    hostile: HostileServer, warehouse: Path, write_config, tmp_path: Path
) -> None:
    feed = hostile.route("/feed.xml", respond(200, "<rss/>"))
    config = write_config(warehouse={"lock_wait_s": 0.5})

    with held(warehouse) as holder_pid:
        run = cli("run", "--config", str(config), "--db", str(warehouse), "--feed", feed,
                  cwd=tmp_path)
        live = cli("query", "--live", "select count(*) from articles", "--db", str(warehouse),
                   env={"MALI_MONITOR_LOCK_WAIT_S": "0.5"}, cwd=tmp_path)
        # The read copy is nobody's lock: the default query answers at once.
        copy = cli("query", "select count(*) from articles where is_seed", "--db",
                   str(warehouse), "--format", "csv", cwd=tmp_path)

    message = (
        f"the warehouse {warehouse} is in use by another process, held by {sys.executable}"
    )
    for (code, out, err, elapsed), command in ((run, "run"), (live, "query")):
        assert code == 2, err
        assert err.startswith(f"mali-monitor {command}: error: ")
        assert message.split(", held by")[0] in err
        assert f"(PID {holder_pid})" in err, err
        assert "read copy" in err and err.count("\n") == 1
        assert out == "" and "Traceback" not in err
        assert elapsed < 9  # the configured 0.5 s wait, not the default 10 s
    code, out, err, _ = copy
    assert (code, out) == (0, "count_star()\n5\n"), err
    # Nothing happened: no run recorded, the feed never fetched.
    assert rows(warehouse, "select count(*) from runs") == [(0,)]
    assert hostile.count("/feed.xml") == 0
    # Once the other process has let go, both work.
    code, out, err, _ = cli("query", "--live", "select count(*) from articles where is_seed",
                            "--db", str(warehouse), "--format", "csv", cwd=tmp_path)
    assert (code, out) == (0, "count_star()\n5\n"), err
