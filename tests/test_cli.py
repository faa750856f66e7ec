"""The command line as a user types it: exit codes, messages, output formats."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from corpus import MOPTI_ATTACK
from feedsite import Site, article_page, rss

from flows.cli import COMMANDS, build_parser, main

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_command_has_help_with_an_example_and_is_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    parser = build_parser()
    for name, (_, epilog) in COMMANDS.items():
        assert "mali-monitor " + name in epilog, f"{name} help has no example"
        assert f"mali-monitor {name}" in readme, f"README does not document `{name}`"
    assert parser.format_help().count("mali-monitor") > 1


def test_init_then_query_in_every_format(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--db", str(db_path)]) == 0
    assert "5 added" in capsys.readouterr().out
    assert main(["init", "--db", str(db_path)]) == 0
    assert "0 added (5 already there)" in capsys.readouterr().out

    sql = "select count(*) as n from articles where is_seed"
    assert main(["query", sql, "--db", str(db_path)]) == 0
    table = capsys.readouterr().out
    assert re.search(r"^5\s*$", table, re.MULTILINE)

    assert main(["query", sql, "--db", str(db_path), "--format", "csv"]) == 0
    assert list(csv.reader(io.StringIO(capsys.readouterr().out))) == [["n"], ["5"]]

    query = "select url, fetched_at, is_seed from articles order by url limit 2"
    assert main(["query", query, "--db", str(db_path), "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert records[0]["url"] == "seed:000_d4d8c48c2bb8d081" and records[0]["is_seed"] is True


def test_env_variable_selects_the_warehouse(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MALI_MONITOR_DB", str(db_path))
    assert main(["init"]) == 0
    assert db_path.exists()
    assert main(["query", "select count(*) from articles", "--format", "csv"]) == 0
    assert capsys.readouterr().out.strip().endswith("5")


def test_bad_sql_is_one_clear_error(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["init", "--db", str(db_path)])
    capsys.readouterr()
    assert main(["query", "select nope from articles", "--db", str(db_path)]) == 2
    err = capsys.readouterr().err
    assert "query failed" in err and "nope" in err and "Traceback" not in err


def test_query_cannot_modify_the_warehouse(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["init", "--db", str(db_path)])
    assert main(["query", "delete from articles", "--db", str(db_path)]) == 2
    assert "read-only" in capsys.readouterr().err.lower()


def test_missing_warehouse_and_bad_config_fail_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.duckdb"
    assert main(["run", "--db", str(missing), "--feed", "http://127.0.0.1:9/feed"]) == 2
    assert "mali-monitor init" in capsys.readouterr().err
    assert not missing.exists()

    bad = tmp_path / "bad.toml"
    bad.write_text("[fetch]\ntimeout_s = 'soon'\n[alerts]\nchannels = ['email']\n")
    assert main(["run", "--config", str(bad), "--db", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "fetch.timeout_s" in err and "alerts" in err and str(bad) in err

    no_feeds = tmp_path / "empty.toml"
    no_feeds.write_text("[fetch]\ntimeout_s = 5\n")
    assert main(["run", "--config", str(no_feeds), "--db", str(missing)]) == 2
    assert "no feeds configured" in capsys.readouterr().err

    broken = tmp_path / "broken.toml"
    broken.write_text("[fetch\n")
    assert main(["query", "select 1", "--config", str(broken)]) == 2
    assert "not valid TOML" in capsys.readouterr().err


@pytest.mark.usefixtures("prefect_harness")
def test_run_prints_a_summary(
    site: Site, db_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = site.add("/a", article_page(*MOPTI_ATTACK))
    feed = site.add_feed("/rss.xml", rss("T", [{"title": MOPTI_ATTACK[0], "link": page}]))
    main(["init", "--db", str(db_path)])
    capsys.readouterr()

    code = main(["run", "--config", str(config_file), "--db", str(db_path), "--feed", feed])

    out = capsys.readouterr().out
    assert code == 0
    assert re.search(r"feeds polled\s+1", out) and re.search(r"new articles\s+1", out)
