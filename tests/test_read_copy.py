"""Readers never stop the scheduler (issue 18): the read copy published beside the warehouse,
the writer holding its file only while it writes, and `export` for other engines. Real
processes hold the files; real runs write them."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from corpus import GAO_CONVOY, MOPTI_ATTACK
from feedsite import Site, article_page, rss

from flows.cli import main
from flows.ingest import ingest
from flows.run_summary import RunSummary
from flows.setup import initialise
from warehouse.connection import opened
from warehouse.errors import WarehouseError, WarehouseLocked
from warehouse.publish import publish_read_copy, read_copy_path
from warehouse.query import run_query

READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
sql = "select (select count(*) from articles), (select count(*) from alerts)"
print(*con.execute(sql).fetchone(), flush=True)
for line in sys.stdin:
    print(*con.execute(sql).fetchone(), flush=True)
con.close()
"""

HOLDER = """
import sys, time, duckdb
deadline = time.monotonic() + 30
while True:  # the writer lets go between its steps: take the file then
    try:
        con = duckdb.connect(sys.argv[1])
        break
    except duckdb.IOException:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.02)
print("holding", flush=True)
sys.stdin.read()
con.close()
"""


@contextmanager
def process(script: str, path: Path) -> Iterator[subprocess.Popen[str]]:
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        yield child
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(timeout=30)


def ask(child: subprocess.Popen[str]) -> str:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write("again\n")
    child.stdin.flush()
    return child.stdout.readline().strip()


def count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def write_config(tmp_path: Path, **fetch: object) -> Path:
    settings = {"allow_private_addresses": "true", "per_host_delay_s": 0, "timeout_s": 10,
                "retries": 0, "retry_delay_s": 0, "batch_size": 1, **fetch}
    path = tmp_path / "mali-monitor.toml"
    path.write_text(
        "[fetch]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items())
        + '[warehouse]\nlock_wait_s = 1\n[alerts]\nchannels = ["slack"]\n',
        encoding="utf-8",
    )
    return path


def feed_of(site: Site, *stories: tuple[str, ...], path: str = "/rss.xml") -> str:
    items = []
    for i, story in enumerate(stories):
        url = site.add(f"/news/{i}", article_page(*story))
        items.append({"title": story[0], "link": url, "description": " ".join(story[1])[:120]})
    return site.add_feed(path, rss("Sahel Test", items))


@pytest.mark.usefixtures("prefect_harness")
def test_a_reader_holding_the_read_copy_never_stops_two_runs(
    site: Site, db_path: Path, tmp_path: Path
) -> None:
    initialise(db_path)
    config = write_config(tmp_path)
    copy = read_copy_path(db_path)
    assert copy.exists() and copy.name == "warehouse.read.duckdb"

    with process(READER, copy) as reader:
        assert reader.stdout is not None
        assert reader.stdout.readline().split() == ["5", "0"]
        first = ingest(str(config), str(db_path), [feed_of(site, MOPTI_ATTACK)],
                       deliver_alerts=False)
        assert ask(reader).split() == ["5", "0"]  # its snapshot, whole and unchanged
        second = ingest(str(config), str(db_path),
                        [feed_of(site, MOPTI_ATTACK, GAO_CONVOY, path="/rss2.xml")],
                        deliver_alerts=False)
        assert ask(reader).split() == ["5", "0"]

    assert (first.articles_new, second.articles_new) == (1, 1)
    assert "warehouse.read.duckdb" in first.read_copy
    # A reader opening the copy now sees both runs, alerts included.
    assert count(copy, "select count(*) from articles") == 7
    assert count(copy, "select count(*) from alerts") > 0
    assert count(copy, "select count(*) from runs where status = 'completed'") == 2


def wait_for(condition, timeout_s: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


class Background(threading.Thread):
    """An ingest run in a thread of the test's process, its result or error kept."""

    def __init__(self, *args: object) -> None:
        super().__init__(daemon=True)
        self.args = args
        self.result: RunSummary | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = ingest(*self.args, deliver_alerts=False)  # type: ignore[arg-type]
        except BaseException as e:  # noqa: BLE001 - handed to the test
            self.error = e


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.slow  # a second process and a stalled page: 10 s
def test_a_process_opening_the_writers_file_mid_run_is_named_and_nothing_is_lost(
    site: Site, db_path: Path, tmp_path: Path
) -> None:
    initialise(db_path)
    config = write_config(tmp_path)
    feed = feed_of(site, MOPTI_ATTACK, GAO_CONVOY)
    site.routes["/news/0"].delay_s = 4.0  # the run is fetching while the holder arrives
    run = Background(str(config), str(db_path), [feed])
    run.start()
    wait_for(lambda: bool(site.requests_to("/news/0")) or not run.is_alive())
    assert run.is_alive(), run.error
    # The run does not hold the warehouse while it fetches: another process can open it.
    with process(HOLDER, db_path) as holder:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        # ... and readers of the read copy get their answer at once meanwhile.
        started = time.monotonic()
        result = run_query(read_copy_path(db_path), "select count(*) from articles")
        assert time.monotonic() - started < 1.0 and result.rows == [(5,)]
        run.join(timeout=120)
        holder_pid = holder.pid
    assert isinstance(run.error, WarehouseLocked), run.error
    message = str(run.error)
    assert f"(PID {holder_pid})" in message and "in use by another process" in message
    assert "read copy" in message
    assert count(db_path, "select count(*) from articles where not is_seed") == 0

    site.routes["/news/0"].delay_s = 0
    again = Background(str(config), str(db_path), [feed])
    again.run()
    assert again.error is None and again.result is not None
    assert again.result.articles_new == 2
    assert count(db_path, "select count(*) from articles where not is_seed") == 2
    assert count(db_path, "select count(distinct canonical_url) from articles") == 7
    assert count(read_copy_path(db_path), "select count(*) from articles") == 7
    statuses = dict(
        duckdb.connect(str(db_path), read_only=True)
        .execute("select status, count(*) from runs group by 1").fetchall()
    )
    assert statuses.get("completed") == 1 and sum(statuses.values()) == 2


def test_a_second_run_waits_for_the_first_and_is_told_its_pid(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from warehouse.connection import run_lock

    initialise(db_path)
    pid = os.getpid()
    with (
        run_lock(db_path, wait_s=0),
        pytest.raises(WarehouseError, match=rf"another ingest run \(PID {pid}\)"),
        run_lock(db_path, wait_s=0.2),
    ):
        pass
    with run_lock(db_path, wait_s=0):  # let go: taken again at once
        pass


def test_a_reader_of_the_old_copy_keeps_a_consistent_snapshot_during_a_publish(
    db_path: Path,
) -> None:
    initialise(db_path)
    copy = read_copy_path(db_path)
    reader = duckdb.connect(str(copy), read_only=True)
    sql = ("select (select count(*) from articles), (select count(*) from mentions), "
           "(select count(*) from entities)")
    before = reader.execute(sql).fetchone()
    with opened(db_path) as con:
        con.execute("delete from mentions")
        con.execute("insert into runs (run_id, started_at, status) values ('r', now(), 'x')")
        published = publish_read_copy(con, db_path)
    assert published.path == copy and published.bytes > 0
    assert reader.execute(sql).fetchone() == before  # not half old, half new
    reader.close()
    with duckdb.connect(str(copy), read_only=True) as fresh:
        assert fresh.execute("select count(*) from mentions").fetchone() == (0,)
        assert fresh.execute("select count(*) from runs").fetchone() == (1,)


CRASHING_PUBLISH = """
import resource, signal, sys
sys.path.insert(0, sys.argv[2])
from warehouse.connection import opened
from warehouse.publish import publish_read_copy
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
with opened(sys.argv[1]) as con:
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
    try:
        publish_read_copy(con, sys.argv[1])
    except Exception as e:
        print(type(e).__name__, e)
"""


def test_a_publish_that_fails_half_way_leaves_the_previous_copy_whole(db_path: Path) -> None:
    initialise(db_path)
    copy = read_copy_path(db_path)
    digest = hashlib.sha256(copy.read_bytes()).hexdigest()
    stray = copy.with_name(f".publishing-999999-{copy.name}")  # from a crash long ago
    stray.write_bytes(b"half a copy")
    root = str(Path(__file__).resolve().parents[1])
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_PUBLISH, str(db_path), root],
        capture_output=True, text=True, timeout=60,
    )
    assert done.stdout.startswith("WarehouseError could not publish the read copy"), done
    assert "readers keep the previous copy" in done.stdout
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in copy.parent.iterdir() if "publishing" in p.name) == []
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("select count(*) from articles").fetchone() == (5,)


def test_query_reads_the_copy_and_says_when_the_warehouse_changed_since(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--db", str(db_path)]) == 0
    capsys.readouterr()
    with opened(db_path) as con:  # a write that no publish followed (a run in progress)
        con.execute("insert into runs (run_id, started_at, status) values ('r', now(), 'x')")
        con.execute("checkpoint")
    later = time.time() + 5
    os.utime(db_path, (later, later))
    assert main(["query", "select count(*) from runs", "--db", str(db_path),
                 "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "count_star()\n0\n"
    assert "note: read copy of" in captured.err and "--live" in captured.err
    assert main(["query", "--live", "select count(*) from runs", "--db", str(db_path),
                 "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "count_star()\n1\n" and captured.err == ""


def test_export_writes_every_table_for_other_engines(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--db", str(db_path)]) == 0
    out = tmp_path / "export"
    assert main(["export", str(out), "--db", str(db_path)]) == 0
    printed = capsys.readouterr().out
    assert "exported 8 tables" in printed
    articles = duckdb.sql(
        f"select month, count(*) from read_parquet('{out}/articles/*/*.parquet', "
        f"hive_partitioning=true) group by month"
    ).fetchall()
    assert sum(n for _, n in articles) == 5 and all(len(m) == 7 for m, _ in articles)
    entities = duckdb.sql(f"select count(*) from '{out}/entities.parquet'").fetchall()
    assert entities == [(count(db_path, "select count(*) from entities"),)]

    # Again, as CSV and for a period with nothing in it: each table replaced whole.
    assert main(["export", str(out), "--db", str(db_path), "--format", "csv",
                 "--since", "2999-01-01"]) == 0
    assert (out / "runs.csv").read_text(encoding="utf-8").startswith("run_id,")
    assert list((out / "articles").iterdir()) == []
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_export_to_a_place_that_cannot_be_written_is_one_clear_error(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--db", str(db_path)]) == 0
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    assert main(["export", str(a_file / "sub"), "--db", str(db_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mali-monitor export: error: cannot write the export to ")
    assert "Traceback" not in err
    assert main(["export", str(tmp_path / "x"), "--db", str(db_path), "--since", "soon"]) == 2
    assert "--since 'soon'" in capsys.readouterr().err


@pytest.mark.usefixtures("prefect_harness")
def test_every_run_refreshes_the_configured_export(
    site: Site, db_path: Path, tmp_path: Path
) -> None:
    initialise(db_path)
    config = write_config(tmp_path)
    with config.open("a", encoding="utf-8") as f:
        f.write('[warehouse]\nexport_dir = "parquet"\n')
    # the [warehouse] table appears twice now: write it once instead
    text = config.read_text(encoding="utf-8").replace(
        '[warehouse]\nlock_wait_s = 1\n', ""
    ).replace('export_dir = "parquet"\n', 'export_dir = "parquet"\nlock_wait_s = 1\n')
    config.write_text(text, encoding="utf-8")
    summary = ingest(str(config), str(db_path), [feed_of(site, MOPTI_ATTACK)],
                     deliver_alerts=False)
    folder = db_path.parent / "parquet"
    assert str(folder) in summary.export
    total = duckdb.sql(
        f"select count(*) from read_parquet('{folder}/articles/*/*.parquet')"
    ).fetchall()
    assert total == [(6,)]


def test_a_refresh_rewrites_only_the_months_named(db_path: Path, tmp_path: Path) -> None:
    from warehouse.export import export_tables

    initialise(db_path)
    out = tmp_path / "export"
    export_tables(read_copy_path(db_path), out)
    (old_month,) = [p.name for p in (out / "articles").iterdir()]
    old_file = next((out / "articles" / old_month).iterdir())
    old_stamp = old_file.stat().st_mtime_ns
    with opened(db_path) as con:  # an article of another month, as a later run stores it
        con.execute(
            "insert into articles (article_id, url, canonical_url, fetched_at, text, "
            "content_hash, is_seed, text_origin) values ('n1', 'http://x/1', 'http://x/1', "
            "TIMESTAMPTZ '2031-05-02 10:00:00+00', 'text', 'h', false, 'page')"
        )
        publish_read_copy(con, db_path)

    done = export_tables(read_copy_path(db_path), out, months={"2031-05"})

    articles = {t.name: t.rows for t in done.tables}
    assert articles["articles"] == 1 and articles["entities"] > 0
    assert sorted(p.name for p in (out / "articles").iterdir()) == sorted(
        [old_month, "month=2031-05"]
    )
    assert old_file.stat().st_mtime_ns == old_stamp  # the other month was left alone
    total = duckdb.sql(
        f"select count(*) from read_parquet('{out}/articles/*/*.parquet')"
    ).fetchall()
    assert total == [(6,)]


def test_the_read_copy_is_private_whatever_the_umask(db_path: Path) -> None:
    initialise(db_path)
    previous = os.umask(0o022)
    try:
        with opened(db_path) as con:
            published = publish_read_copy(con, db_path)
    finally:
        os.umask(previous)
    assert published.path.stat().st_mode & 0o777 == 0o600


def test_the_run_lock_is_one_per_file_and_never_follows_a_link(
    db_path: Path, tmp_path: Path
) -> None:
    from warehouse.connection import run_lock

    initialise(db_path)
    alias = tmp_path / "alias.duckdb"
    alias.symlink_to(db_path)
    with (
        run_lock(db_path, wait_s=0),
        pytest.raises(WarehouseLocked, match="another ingest run"),
        run_lock(alias, wait_s=0.1),
    ):
        pass
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    other = tmp_path / "other.duckdb"
    other.with_name(other.name + ".run-lock").symlink_to(victim)
    with pytest.raises(WarehouseError, match="cannot open the run lock"), run_lock(other):
        pass
    assert victim.read_text(encoding="utf-8") == "keep me"
