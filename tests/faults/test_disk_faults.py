"""A full or read-only disk under the warehouse: one clear error, exit code 2, no partial
batch, and the next run (with space again) completes and stores everything once.

The real file-system cases mount a small tmpfs, which needs root (or CAP_SYS_ADMIN); where
that is refused they are skipped, and `test_a_write_refused_by_the_kernel_...` covers a full
disk anywhere: the kernel's per-process file-size limit (RLIMIT_FSIZE) makes DuckDB's writes
fail with EFBIG exactly as a full disk makes them fail with ENOSPC.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from corpus import GAO_CONVOY, MOPTI_ATTACK
from feedsite import article_page, rss

from flows.cli import main
from warehouse.connection import opened

from .hostile_server import HostileServer, on_hit, respond
from .support import assert_nothing_stored_twice, rows, save_bulk_batch, scalar

RSS = "application/rss+xml; charset=utf-8"


# --- a small real file system ---------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount_point)],
            check=True, capture_output=True, timeout=10,
        )
    except (OSError, subprocess.SubprocessError) as e:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {e}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, timeout=10)


def fill(folder: Path) -> None:
    """Take every free byte of the file system under `folder`."""
    with (folder / "filler").open("ab") as out:
        for size in (1 << 20, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while True:
                    out.write(b"\0" * size)
                    out.flush()


def publish_two_articles(hostile: HostileServer, when_fetched: object = None) -> str:
    page = respond(200, article_page(*MOPTI_ATTACK))
    first = hostile.route(
        "/news/mopti", on_hit(when_fetched, page) if callable(when_fetched) else page
    )
    second = hostile.route("/news/gao", respond(200, article_page(*GAO_CONVOY)))
    return hostile.route("/feed.xml", respond(200, rss("Two", [
        {"title": MOPTI_ATTACK[0], "link": first, "description": "Attack in Mali."},
        {"title": GAO_CONVOY[0], "link": second, "description": "Convoy in Mali."},
    ]), content_type=RSS))


@pytest.mark.usefixtures("prefect_harness")
def test_a_disk_that_fills_up_mid_run_stores_no_partial_batch_and_the_next_run_completes(
    hostile: HostileServer, warehouse: Path, small_disk: Path, write_config,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = small_disk / "warehouse.duckdb"
    shutil.copyfile(warehouse, db)
    filled: list[bool] = []

    def fill_once() -> None:  # the first run's fetch fills the disk; the second's does not
        if not filled:
            filled.append(True)
            fill(small_disk)

    feed = publish_two_articles(hostile, when_fetched=fill_once)
    config = write_config()
    capsys.readouterr()

    code = main(["run", "--config", str(config), "--db", str(db), "--feed", feed])

    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2
    assert err.startswith(f"mali-monitor run: error: could not write to the warehouse {db}: ")
    assert "No space left on device" in err
    assert err.endswith("the transaction was rolled back, nothing of it was stored")
    # Nothing of the batch: no article, no entry marked stored, no mention, no alert.
    assert scalar(db, "select count(*) from articles where not is_seed") == 0
    assert scalar(db, "select count(*) from seen_entries") == 0
    assert scalar(db, "select count(*) from mentions where article_id not in "
                  "(select article_id from articles where is_seed)") == 0

    (small_disk / "filler").unlink()  # space again
    code = main(["run", "--config", str(config), "--db", str(db), "--feed", feed])

    assert code == 0
    statuses = [s for (s,) in rows(db, "select status from runs order by started_at")]
    # The failed run is 'failed' when its end could still be written, else the next run
    # marks it 'interrupted'; either way it is not left 'running'.
    assert statuses[0] in ("failed", "interrupted") and statuses[1] == "completed"
    assert scalar(db, "select count(*) from articles where not is_seed") == 2
    assert (hostile.count("/news/mopti"), hostile.count("/feed.xml")) == (2, 2)
    assert_nothing_stored_twice(db)


@pytest.mark.usefixtures("prefect_harness")
def test_a_read_only_disk_refuses_the_run_clearly_and_still_answers_queries(
    hostile: HostileServer, warehouse: Path, small_disk: Path, write_config,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = small_disk / "warehouse.duckdb"
    shutil.copyfile(warehouse, db)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True, timeout=10)
    feed = publish_two_articles(hostile)
    capsys.readouterr()

    code = main(["run", "--config", str(write_config()), "--db", str(db), "--feed", feed])

    captured = capsys.readouterr()
    assert code == 2 and "Traceback" not in captured.err
    assert captured.err == (
        f"mali-monitor run: error: cannot open the warehouse {db}: IO Error: Cannot open "
        f'file "{db}": Read-only file system\n'
    )
    assert hostile.count("/feed.xml") == 0  # refused before anything was fetched
    code = main(["query", "select count(*) from articles", "--db", str(db), "--format", "csv"])
    assert code == 0 and capsys.readouterr().out == "count_star()\n5\n"


def test_a_warehouse_path_that_cannot_exist_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x", encoding="utf-8")

    code = main(["init", "--db", str(a_file / "warehouse.duckdb")])

    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.startswith(
        f"mali-monitor init: error: cannot create the folder for the warehouse "
        f"{a_file / 'warehouse.duckdb'}: "
    )


# --- a full disk anywhere: the kernel's file-size limit --------------------------------------

BATCH_UNDER_A_SIZE_LIMIT = """
import json, resource, signal, sys
sys.path.insert(0, sys.argv[3])
from faults.support import save_bulk_batch
from warehouse.connection import connect
from warehouse.errors import WarehouseError

con = connect(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
try:
    print(json.dumps({"stored": save_bulk_batch(con)}))
except WarehouseError as e:
    print(json.dumps({"error": str(e)}))
con.close()
"""


def test_a_write_refused_by_the_kernel_rolls_the_batch_back_whole(warehouse: Path) -> None:
    """A batch of 40 articles (~1 MB) under a 256 kB file-size limit: the commit cannot be
    written, nothing of the batch is stored, and the same batch later is stored once."""
    done = subprocess.run(
        [sys.executable, "-c", BATCH_UNDER_A_SIZE_LIMIT, str(warehouse), str(256 * 1024),
         str(Path(__file__).parents[1])],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    failed = json.loads(done.stdout.strip().splitlines()[-1])

    assert failed["error"].startswith(f"could not write to the warehouse {warehouse}: ")
    assert "File too large" in failed["error"]
    assert failed["error"].endswith("the transaction was rolled back, nothing of it was stored")
    assert scalar(warehouse, "select count(*) from articles where not is_seed") == 0
    assert scalar(warehouse, "select count(*) from fetch_errors") == 0
    assert scalar(warehouse, "select count(*) from seen_entries") == 0

    with opened(warehouse) as con:
        assert save_bulk_batch(con) == 40
        assert save_bulk_batch(con) == 0  # the same batch again: nothing
    assert scalar(warehouse, "select count(*) from articles where not is_seed") == 40
    assert_nothing_stored_twice(warehouse)
