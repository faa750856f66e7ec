"""`mali-monitor query` as an attacker types it: exactly one reading statement, on a read-only
connection that reaches nothing beyond the warehouse (issue 13). Every attack of the issue is
here, run through the real command line on a real warehouse."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import duckdb
import pytest

from flows.cli import main

SECRET = "https://hooks.slack.com/services/T0SECRET/B0SECRET/tok3nTOK3Ntok3nTOK3N"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("query") / "w.duckdb"
    assert main(["init", "--db", str(path)]) == 0
    return path


def query(
    warehouse: Path, sql: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    code = main(["query", sql, "--db", str(warehouse), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def article_count(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute("select count(*) from articles").fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(
    "sql",
    [
        "select content from read_text('/proc/self/environ')",
        "select * from read_csv('/etc/passwd')",
        "select * from glob('/root/*')",
        "select * from read_parquet('http://127.0.0.1:9/x.parquet')",
        "select * from read_json_auto('/etc/hostname')",
        "select * from sniff_csv('/etc/passwd')",
    ],
)
def test_reading_files_or_urls_is_refused_and_shows_nothing(
    warehouse: Path, sql: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MALI_MONITOR_SLACK_WEBHOOK", SECRET)
    code, out, err = query(warehouse, sql, capsys)
    assert code == 2
    assert out == ""
    assert "refused" in err and "only the warehouse" in err
    assert "Traceback" not in err and "T0SECRET" not in err and "root:" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("copy articles to '{target}'", "COPY"),
        ("export database '{target}'", "EXPORT"),
        ("attach '{target}' as other (READ_WRITE)", "ATTACH"),
        ("install httpfs", "LOAD"),
        ("load httpfs", "LOAD"),
        ("set enable_external_access = true", "SET"),
        ("delete from articles", "DELETE"),
        ("drop table articles", "DROP"),
        ("create table x as select 1", "CREATE"),
        ("insert into runs (run_id) values ('x')", "INSERT"),
        ("checkpoint", "CALL"),
    ],
)
def test_statements_that_write_or_reach_out_are_refused_before_running(
    warehouse: Path, tmp_path: Path, sql: str, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "written"
    before = article_count(warehouse)
    started = time.monotonic()
    code, out, err = query(warehouse, sql.format(target=target), capsys)
    assert code == 2 and out == ""
    assert f"refused: {kind} statements are not allowed" in err
    assert "mali-monitor export" in err  # the way to write files, named
    assert not target.exists()
    assert article_count(warehouse) == before
    assert time.monotonic() - started < 10  # INSTALL did not try the network


def test_an_attached_database_cannot_be_written_through_query(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    sql = f"attach '{other}' as other (READ_WRITE); insert into other.t values (1)"
    code, _, err = query(warehouse, sql, capsys)
    assert code == 2 and "2 statements given" in err


def test_several_statements_are_refused_and_none_of_them_runs(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.csv"
    code, out, err = query(warehouse, f"select 1; copy articles to '{target}'", capsys)
    assert code == 2 and out == ""
    assert "refused: 2 statements given; `query` runs exactly one" in err
    assert not target.exists()


@pytest.mark.parametrize("sql", ["", "   ", "-- only a comment", "/* nothing */", ";"])
def test_empty_or_comment_only_sql_is_a_usage_error(
    warehouse: Path, sql: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = query(warehouse, sql, capsys)
    assert code == 2 and out == ""
    assert "no SQL statement given" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select count(*) as n from articles where is_seed", "5"),
        ("with s as (select * from articles where is_seed) select count(*) from s", "5"),
        ("from articles select count(*) where is_seed", "5"),
        ("select count(*) from articles where is_seed;", "5"),
        ("select ';' as semicolon", ";"),
        ("describe articles", "canonical_url"),
        ("show tables", "entities"),
        ("summarize runs", "run_id"),
        ("pragma table_info('alerts')", "last_error"),
        ("explain select * from articles", "physical_plan"),
    ],
)
def test_reading_statements_still_work(
    warehouse: Path, sql: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = query(warehouse, sql, capsys, "--format", "csv")
    assert code == 0, err
    assert expected in out


def test_the_warehouse_and_its_folder_contents_are_private(tmp_path: Path) -> None:
    db = tmp_path / "private.duckdb"
    assert main(["init", "--db", str(db)]) == 0
    mode = stat.S_IMODE(db.stat().st_mode)
    assert mode == 0o600, oct(mode)
    assert os.umask(0o077) & 0o077 == 0o077  # the CLI left the process umask private
