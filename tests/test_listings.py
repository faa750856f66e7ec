"""`mali-monitor entities`, `alerts`, `feeds`, `articles` and `config`, `--version`,
`--width`, and the small message fixes of issue 16, on a real warehouse file.

One warehouse is built per module (seeds without NER, then rows written through the
warehouse functions the pipeline uses) and published as its read copy; the commands read it.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from extractors.entities.novelty import EntityWrites, NewEntity
from extractors.entities.records import EntityCandidate, Mention
from extractors.models import Article
from flows.cli import build_parser, main
from flows.output import as_table
from warehouse import outbox, store
from warehouse.connection import opened
from warehouse.entities import save_entity_writes
from warehouse.listings import search_pattern
from warehouse.publish import publish_read_copy

NOW = datetime.now(UTC)
OLD = datetime(2020, 1, 5, 8, 0, tzinfo=UTC)
FAILING_FEED = "https://failing.example.org/rss"
HEALTHY_FEED = "https://healthy.example.org/rss"
LONG_SENTENCE = (
    "Fighters of Katiba Macina blockaded the road between Niono and Ségou for a third week, "
    "residents said, and the army sent a convoy from Ménaka that has not arrived."
)


def _article(key: str, title: str, text: str, *, fetched: datetime, **extra: object) -> Article:
    values: dict[str, object] = dict(
        article_id=f"art-{key}", url=f"https://news.example.org/{key}",
        canonical_url=f"https://news.example.org/{key}", feed_url=HEALTHY_FEED,
        source="Sahel Example", title=title, author=None, published_at=fetched,
        fetched_at=fetched, language="en", text=text, content_hash=f"hash-{key}",
        text_origin="page", run_id="run-1",
    )
    values.update(extra)
    return Article(**values)  # type: ignore[arg-type]


def _entity(
    key: str, kind: str, name: str, article: str, seen: datetime, *, baseline: bool = False,
    subtype: str | None = None, sentence: str = "", **place: object,
) -> tuple[NewEntity, list[tuple[str, str, Mention]]]:
    candidate = EntityCandidate(key=key, kind=kind, subtype=subtype, name=name, **place)  # type: ignore[arg-type]
    start = max(sentence.find(name), 0)
    mention = Mention(name, start, start + len(name), sentence, key)
    later = Mention(name, start + 500, start + 500 + len(name), "A later sentence.", key)
    entity = NewEntity(candidate, article, seen, baseline, alert=not baseline)
    return entity, [(article, key, later), (article, key, mention)]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from flows.setup import initialise

    db = tmp_path_factory.mktemp("listings") / "w.duckdb"
    initialise(db, extract_entities=False)
    articles = [
        _article("macina", "Blockade in central Mali", LONG_SENTENCE, fetched=NOW),
        _article("copy", "Blockade: a reprint", LONG_SENTENCE, fetched=NOW,
                 duplicate_of="art-macina", similarity=0.9, source="Other Outlet"),
        _article("percent", "Turnout 100% in Kidal", "Officials gave a turnout of 100%.",
                 fetched=NOW - timedelta(days=2), language="fr"),
        _article("old", "An old story about Mali and Niger",
                 "Mali and Niger met at Tessit, long ago.", fetched=OLD),
    ]
    found = [
        _entity("a-macina", "actor", "Katiba Macina", "art-macina", NOW,
                subtype="armed_group", sentence=LONG_SENTENCE,
                evidence=("armed-group-cue", "name-words"), confidence=0.8),
        _entity("t-menaka", "town", "Ménaka", "art-macina", NOW, sentence=LONG_SENTENCE,
                latitude=15.9182, longitude=2.4022, country_code="ML", region="Ménaka",
                evidence=("gazetteer",), confidence=0.85),
        _entity("t-bamako", "town", "Bamako", "art-old", OLD, baseline=True,
                sentence="Bamako was calm.", latitude=12.6, longitude=-8.0,
                country_code="ML", region="Bamako"),
        _entity("a-oldgroup", "actor", "Old Group", "art-old", OLD, subtype="armed_group",
                sentence="Old Group was seen."),
    ]
    writes = EntityWrites(
        new_entities=[e for e, _ in found], mentions=[m for _, ms in found for m in ms]
    )
    with opened(db) as con:
        store.insert_articles(con, articles)
        save_entity_writes(con, writes, run_id="run-1",
                           article_ids={a.article_id for a in articles})
        outbox.create_alerts(con, [("a-macina", "art-macina"), ("t-menaka", "art-macina")],
                             ["email", "slack"], NOW)
        outbox.create_alerts(con, [("a-oldgroup", "art-old")], ["email"], OLD)
        outbox.mark_sent(con, [outbox.alert_id_for("a-macina", "email")], NOW)
        outbox.mark_failed(con, [outbox.alert_id_for("t-menaka", "slack")],
                           "slack: HTTP 500", NOW)
        store.record_feed_poll(con, HEALTHY_FEED, status="ok", etag='"e1"',
                               last_modified=None, error=None)
        for _ in range(4):
            store.record_feed_poll(con, FAILING_FEED, status="failed", etag=None,
                                   last_modified=None, error="HTTP 503 Service Unavailable",
                                   next_poll_at=NOW + timedelta(hours=2))
        publish_read_copy(con, db)
    return db


def _out(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> list[dict]:
    return json.loads(_out(capsys, [*argv, "--format", "json"]))


def _csv(capsys: pytest.CaptureFixture[str], argv: list[str]) -> list[dict]:
    return list(csv.DictReader(io.StringIO(_out(capsys, [*argv, "--format", "csv"]))))


# --- entities ----------------------------------------------------------------------------


def test_entities_in_every_format_with_their_first_sighting(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", str(warehouse)]
    records = {r["name"]: r for r in _json(capsys, ["entities", *db])}
    assert set(records) == {"Katiba Macina", "Ménaka", "Bamako", "Old Group"}
    menaka = records["Ménaka"]
    assert menaka["kind"] == "town" and menaka["country"] == "ML"
    assert menaka["region"] == "Ménaka" and menaka["coords"] == "15.9182, 2.4022"
    assert menaka["source"] == "Sahel Example"
    assert menaka["article"] == "Blockade in central Mali"
    assert menaka["evidence"] == LONG_SENTENCE  # the first mention's sentence, uncut
    assert menaka["mentions"] == 2 and menaka["new"] is True
    assert records["Bamako"]["new"] is False
    assert menaka["why"] == "0.85 gazetteer"  # confidence, then the evidence codes
    assert records["Katiba Macina"]["why"] == "0.80 armed-group-cue+name-words"
    assert records["Old Group"]["why"] == "0.50"  # stored without evidence

    rows = _csv(capsys, ["entities", *db])
    assert {r["name"] for r in rows} == set(records)
    assert next(r for r in rows if r["name"] == "Katiba Macina")["evidence"] == LONG_SENTENCE

    table = _out(capsys, ["entities", *db])
    assert "Katiba Macina" in table and "armed_group" in table and "(4 rows)" in table
    assert "0.85 gazetteer" in table
    assert LONG_SENTENCE not in table and "…" in table  # long text cut in a table
    assert NOW.strftime("%Y-%m-%d %H:%M") in table  # times to the minute, UTC


def test_entities_filters(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", str(warehouse)]
    names = lambda argv: {r["name"] for r in _json(capsys, ["entities", *db, *argv])}  # noqa: E731
    assert names(["--new"]) == {"Katiba Macina", "Ménaka", "Old Group"}
    assert names(["--kind", "town"]) == {"Ménaka", "Bamako"}
    assert names(["--new", "--kind", "town"]) == {"Ménaka"}
    assert names(["--since", "7d"]) == {"Katiba Macina", "Ménaka"}
    assert names(["--new", "--since", "2019-12-01"]) == {"Katiba Macina", "Ménaka", "Old Group"}
    assert len(names(["--limit", "1"])) == 1

    assert main(["entities", *db, "--since", "last week"]) == 2
    assert "--since 'last week'" in capsys.readouterr().err


# --- alerts ------------------------------------------------------------------------------


def test_alerts_list_in_every_format_and_by_status(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", str(warehouse)]
    records = _json(capsys, ["alerts", *db])
    assert len(records) == 5
    failed = _json(capsys, ["alerts", *db, "--status", "failed"])
    assert [(r["entity"], r["channel"], r["last_error"]) for r in failed] == [
        ("Ménaka", "slack", "slack: HTTP 500")
    ]
    sent = _csv(capsys, ["alerts", *db, "--status", "sent"])
    assert [(r["entity"], r["channel"], r["status"]) for r in sent] == [
        ("Katiba Macina", "email", "sent")
    ]
    pending = _json(capsys, ["alerts", *db, "--status", "pending", "--since", "30d"])
    assert {(r["entity"], r["channel"]) for r in pending} == {
        ("Katiba Macina", "slack"), ("Ménaka", "email")
    }  # Old Group's pending alert is from 2020
    table = _out(capsys, ["alerts", *db])
    assert "Old Group" in table and "(5 rows)" in table


def test_alerts_test_still_parses_as_before() -> None:
    parser = build_parser()
    args = parser.parse_args(["alerts", "test", "--channel", "slack", "--config", "my.toml"])
    assert (args.alerts_command, args.channel, args.config) == ("test", "slack", "my.toml")
    args = parser.parse_args(["alerts", "--config", "my.toml", "test", "--channel", "email"])
    assert (args.alerts_command, args.config) == ("test", "my.toml")
    args = parser.parse_args(["alerts", "--status", "failed"])
    assert args.alerts_command is None and args.status == "failed"
    with pytest.raises(SystemExit):
        parser.parse_args(["alerts", "test"])  # --channel is still required


# --- feeds -------------------------------------------------------------------------------


def test_feeds_health_failing_first_with_configured_names(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        f'[[feeds]]\nurl = "{FAILING_FEED}"\nname = "Failing Times"\n\n'
        '[[feeds]]\nurl = "https://new.example.org/feed"\nname = "Never Polled"\n',
        encoding="utf-8",
    )
    argv = ["feeds", "--db", str(warehouse), "--config", str(config)]
    records = _json(capsys, argv)
    assert [r["url"] for r in records][:1] == [FAILING_FEED]
    failing = records[0]
    assert failing["name"] == "Failing Times" and failing["last_status"] == "failed"
    assert failing["failures"] == 4 and failing["last_error"] == "HTTP 503 Service Unavailable"
    assert failing["backed_off_until"] is not None and failing["configured"] is True
    healthy = next(r for r in records if r["url"] == HEALTHY_FEED)
    assert healthy["last_status"] == "ok" and healthy["failures"] == 0
    assert healthy["name"] == "Sahel Example"  # not configured: named by its articles
    assert healthy["articles"] == 4 and healthy["configured"] is False
    never = next(r for r in records if r["url"] == "https://new.example.org/feed")
    assert never["last_status"] == "never polled" and never["name"] == "Never Polled"

    assert len(_csv(capsys, argv)) == 3
    table = _out(capsys, argv)
    assert table.splitlines()[2].startswith(FAILING_FEED) and "(3 rows)" in table


# --- articles ----------------------------------------------------------------------------


def test_articles_in_every_format_newest_first_with_copies(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", str(warehouse)]
    records = _json(capsys, ["articles", *db])
    assert len(records) == 9  # 5 seeds + 4
    copy = next(r for r in records if r["title"] == "Blockade: a reprint")
    assert copy["duplicate_of"] == "Blockade in central Mali"
    assert copy["source"] == "Other Outlet" and copy["url"].endswith("/copy")
    assert records[-1]["title"] == "An old story about Mali and Niger"
    rows = _csv(capsys, ["articles", *db, "--since", "7d"])
    assert {r["title"] for r in rows} >= {"Blockade in central Mali", "Turnout 100% in Kidal"}
    assert "An old story about Mali and Niger" not in {r["title"] for r in rows}
    assert "Turnout 100% in Kidal" in _out(capsys, ["articles", *db, "--since", "7d"])


def test_articles_search_needs_every_word_in_title_or_text(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def titles(words: str, *more: str) -> set[str]:
        argv = ["articles", "--db", str(warehouse), "--search", words, *more]
        return {r["title"] for r in _json(capsys, argv)}

    assert titles("katiba NIONO") == {"Blockade in central Mali", "Blockade: a reprint"}
    assert titles("TESSIT niger") == {"An old story about Mali and Niger"}
    assert titles("ménaka BLOCKADE") == {"Blockade in central Mali", "Blockade: a reprint"}
    assert titles("katiba kidal") == set()  # each word somewhere, not both in one article
    assert titles("tessit niger", "--since", "7d") == set()


@pytest.mark.parametrize(
    "hostile",
    ["'; DROP TABLE articles; --", "_", "\\", "' OR '1'='1", "%' OR 1=1 --", '"; --', "%%"],
)
def test_hostile_search_strings_are_literal_text(
    warehouse: Path, hostile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["articles", "--db", str(warehouse), "--search", hostile]
    assert _json(capsys, argv) == []
    assert len(_json(capsys, ["articles", "--db", str(warehouse)])) == 9  # nothing dropped


def test_percent_signs_match_only_themselves(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for words in ("100%", "%", "TURNOUT %"):
        argv = ["articles", "--db", str(warehouse), "--search", words]
        assert [r["title"] for r in _json(capsys, argv)] == ["Turnout 100% in Kidal"]
    assert search_pattern("5%_a\\") == "%5\\%\\_a\\\\%"


# --- table width -------------------------------------------------------------------------


def test_table_width_option(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["entities", "--db", str(warehouse), "--kind", "actor", "--new"]
    assert LONG_SENTENCE in _out(capsys, [*base, "--width", "0"])
    narrow = _out(capsys, [*base, "--width", "120"])
    assert LONG_SENTENCE not in narrow
    lines = narrow.splitlines()[:-1]
    assert max(map(len, lines)) <= 120, narrow
    assert NOW.strftime("%Y-%m-%d %H:%M") in narrow  # dates are never cut to fit

    sql = "select evidence, name from (select 'x' as name, ? as evidence)"
    sql = sql.replace("?", "'" + LONG_SENTENCE.replace("'", "''") + "'")
    query = ["query", sql, "--db", str(warehouse)]
    assert LONG_SENTENCE not in _out(capsys, query)  # piped: 80 characters a cell
    assert LONG_SENTENCE in _out(capsys, [*query, "--width", "0"])
    assert max(map(len, _out(capsys, [*query, "--width", "40"]).splitlines())) <= 40
    assert LONG_SENTENCE in _out(capsys, [*query, "--format", "csv"])

    with pytest.raises(SystemExit):
        build_parser().parse_args([*query, "--width", "-3"])


def test_table_fits_the_terminal_when_stdout_is_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows import output

    monkeypatch.setattr(output, "terminal_width", lambda: 50)
    table = output.render("table", ["a", "b"], [("x" * 70, "y" * 70)])
    assert max(map(len, table.splitlines())) <= 50
    assert "x" * 70 in as_table(["a"], [("x" * 70,)])  # under 80: uncut when piped


def test_live_reads_the_warehouse_itself(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "only.duckdb"
    shutil.copyfile(warehouse, copy)  # no read copy beside it
    records = _json(capsys, ["entities", "--db", str(copy), "--live", "--new"])
    assert len(records) == 3


# --- --version, config -------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"mali-monitor {version('mali-monitor')}"


def test_config_shows_each_value_with_its_origin_and_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tomllib

    secret = "https://hooks.slack.com/services/T000/B000/s3cr3tTOKENvalue"
    monkeypatch.setenv("MALI_MONITOR_SLACK_WEBHOOK", secret)
    monkeypatch.delenv("MALI_MONITOR_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("MALI_MONITOR_LOCK_WAIT_S", "3")
    monkeypatch.setenv("MALI_MONITOR_DB", str(tmp_path / "env.duckdb"))
    config = tmp_path / "my.toml"
    config.write_text(
        '[fetch]\ntimeout_s = 7\n\n[[feeds]]\nurl = "https://a.example.org/rss"\n',
        encoding="utf-8",
    )

    out = _out(capsys, ["config", "--config", str(config)])
    assert secret not in out and "s3cr3t" not in out
    lines, section = {}, ""
    for line in out.splitlines():
        if line.startswith("["):
            section = line.split()[0].strip("[]")
        elif "=" in line and not line.startswith("#"):
            lines[f"{section}.{line.split('=')[0].strip()}"] = line
    assert lines["fetch.timeout_s"].endswith(f"# file {config}")
    assert lines["warehouse.lock_wait_s"].endswith(
        "# environment variable MALI_MONITOR_LOCK_WAIT_S"
    )
    assert lines["warehouse.path"].endswith("# environment variable MALI_MONITOR_DB")
    assert lines["fetch.max_bytes"].endswith("# default")
    assert lines["alerts.email.timeout_s"].endswith("# default")
    assert "$MALI_MONITOR_SLACK_WEBHOOK: set" in out
    assert "$MALI_MONITOR_SMTP_PASSWORD: not set" in out
    assert f"{config} (command line --config)" in out
    parsed = tomllib.loads(out)  # a valid configuration file again
    assert parsed["fetch"]["timeout_s"] == 7 and parsed["feeds"][0]["url"].startswith("https")

    data = json.loads(_out(capsys, ["config", "--config", str(config), "--db", "cli.duckdb",
                                    "--format", "json"]))
    assert data["values"]["warehouse.path"] == {"value": "cli.duckdb",
                                                "from": "command line --db"}
    assert data["values"]["fetch.timeout_s"]["from"] == f"file {config}"
    assert data["values"]["fetch.retries"]["from"] == "default"
    assert data["values"]["feeds"]["from"] == f"file {config}"
    assert data["secrets"]["alerts.slack.webhook_url"]["env_status"] == "set"
    assert secret not in json.dumps(data)

    monkeypatch.delenv("MALI_MONITOR_DB")
    monkeypatch.chdir(tmp_path)  # no ./mali-monitor.toml here
    data = json.loads(_out(capsys, ["config", "--format", "json"]))
    assert data["file"] is None
    assert data["values"]["warehouse.path"]["from"] == "bundled default configuration"
    assert data["values"]["schedule.interval_minutes"]["from"] == "default"  # unset there


def test_config_with_an_invalid_file_is_the_usual_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[fetch]\ntimeout_s = 'soon'\n", encoding="utf-8")
    assert main(["config", "--config", str(bad)]) == 2
    assert "fetch.timeout_s" in capsys.readouterr().err


# --- message fixes -----------------------------------------------------------------------


def test_an_invalid_feed_option_is_blamed_on_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--feed", "not a url", "--db", str(tmp_path / "w.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "--feed 'not a url'" in err and "http://" in err
    assert "bundled default" not in err


def test_init_refuses_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no" / "such" / "x.duckdb"
    assert main(["init", "--db", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"the folder {target.parent} does not exist; create it first" in err
    assert not (tmp_path / "no").exists()
