"""`mali-monitor demo` for real: the bundled replay on 127.0.0.1, aiosmtpd, a webhook
stand-in, a DuckDB file in tmp_path and the real ingest flow under Prefect's test harness.

The demo runs twice in the same folder (once per module): the first run must store the
articles and find the copies, the second must fetch and send nothing. Every socket the test
process opens is checked: nothing may leave 127.0.0.1.
"""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows import demo
from flows.cli import main as cli_main

pytestmark = pytest.mark.usefixtures("prefect_harness")

SEED_REPRINT = "From the archive: the day France went to war in Mali"
SEED_ORIGINAL = "French troops intervene in Mali"
WIRE_EN = ("Malian army says it repelled jihadist assault on Boulkessi base",
           "Jihadists storm army camp in central Mali; 14 soldiers killed")
WIRE_FR = ("Des hommes armés attaquent la foire hebdomadaire de Léré",
           "Tombouctou : une attaque contre le marché de Léré fait au moins neuf morts")
OFF_TOPIC_PAGES = ("coastal-stars", "nairobi-solar", "ndayane", "basket-lionnes",
                   "intelligence-artificielle")


@dataclass
class DemoRun:
    code: int
    out: str
    result: demo.DemoResult


@dataclass
class Outcome:
    folder: Path
    first: DemoRun
    second: DemoRun
    outside_connections: list[Any] = field(default_factory=list)


def _is_local(family: int, address: Any) -> bool:
    if family == socket.AF_UNIX:
        return True
    host = address[0] if isinstance(address, tuple) else str(address)
    return host in ("127.0.0.1", "::1", "localhost") or str(host).startswith("127.")


@pytest.fixture(scope="module")
def outcome(
    tmp_path_factory: pytest.TempPathFactory, prefect_harness: None
) -> Iterator[Outcome]:
    """Two demo runs through the command line, in the same folder, with every outgoing
    connection of this process checked."""
    folder = tmp_path_factory.mktemp("demo") / "mali-monitor-demo"
    outside: list[Any] = []
    results: list[demo.DemoResult] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_run_demo = demo.run_demo

    def guarded(real: Any) -> Any:
        def connect(self: socket.socket, address: Any) -> Any:
            if not _is_local(self.family, address):
                outside.append(address)
                raise OSError(f"test: connection to {address!r} refused (not 127.0.0.1)")
            return real(self, address)

        return connect

    def spy(*args: Any, **kwargs: Any) -> demo.DemoResult:
        results.append(real_run_demo(*args, **kwargs))
        return results[-1]

    def run() -> DemoRun:
        buffer = io.StringIO()
        with redirect_stdout(buffer):
            code = cli_main(["demo", "--dir", str(folder)])
        return DemoRun(code, buffer.getvalue(), results[-1] if results else None)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp:
        for name, value in demo.OFFLINE_PREFECT.items():
            mp.setenv(name, value)  # what `main` sets, restored afterwards
        mp.setattr(socket.socket, "connect", guarded(real_connect))
        mp.setattr(socket.socket, "connect_ex", guarded(real_connect_ex))
        mp.setattr(demo, "run_demo", spy)
        first = run()
        second = run()
    yield Outcome(folder, first, second, outside)


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_first_run_stores_articles_and_prints_the_duplicates(outcome: Outcome) -> None:
    run = outcome.first
    assert run.code == 0, run.out
    summary = run.result.summary
    assert summary.feeds_polled == 4 and summary.entries_seen == 16
    assert summary.skipped == 5 and summary.errors == 0
    assert summary.articles_new + summary.duplicates == 11
    assert summary.duplicates >= 3

    # the copies, printed with their originals
    assert f"copy      {SEED_REPRINT}" in run.out
    assert f"original  {SEED_ORIGINAL}  [seed article]" in run.out
    for original, copy in (WIRE_EN, WIRE_FR):
        assert f"original  {original}" in run.out and f"copy      {copy}" in run.out

    db = outcome.folder / demo.DB_NAME
    copies = set(rows(db, "select original_title, copy_title from story_copies"))
    assert {(SEED_ORIGINAL, SEED_REPRINT), WIRE_EN, WIRE_FR} <= copies
    assert rows(db, "select count(*) from articles where not is_seed") == [(11,)]

    # off-topic entries were never fetched; every request came from 127.0.0.1
    requested = [r.path for r in run.result.requests]
    assert not [p for p in requested if any(name in p for name in OFF_TOPIC_PAGES)]
    assert len(requested) == 4 + 11
    assert {r.client for r in run.result.requests} == {"127.0.0.1"}
    assert "Next steps" in run.out and f"--db {db}" in run.out


def test_second_run_fetches_and_sends_nothing(outcome: Outcome) -> None:
    first, second = outcome.first, outcome.second
    assert second.code == 0, second.out
    assert second.result.replay_base == first.result.replay_base  # same URLs as before
    summary = second.result.summary
    assert (summary.articles_new, summary.duplicates, summary.entries_seen) == (0, 0, 0)
    assert summary.not_modified == 4
    # four conditional feed requests, all 304; not one page
    assert [r.status for r in second.result.requests] == [304] * 4
    assert second.result.messages_received == 0
    assert "nothing new" in second.out and "No new duplicates in this run" in second.out
    db = outcome.folder / demo.DB_NAME
    assert rows(db, "select count(*) from articles where not is_seed") == [(11,)]
    assert rows(db, "select count(*) from runs") == [(2,)]


def test_nothing_left_127_0_0_1(outcome: Outcome) -> None:
    assert outcome.outside_connections == []
    config = (outcome.folder / demo.CONFIG_NAME).read_text(encoding="utf-8")
    assert config.startswith(demo.CONFIG_MARKER)
    assert "http://127.0.0.1:" in config and "https://" not in config


def test_new_actors_towns_and_alerts(outcome: Outcome) -> None:
    """Entities and alerts: the demo's news names new actors and towns, so a run that
    stores none is a regression."""
    db = outcome.folder / demo.DB_NAME
    new = rows(db, "select kind, name from entities where not in_seed_baseline")
    assert new, "the demo stored no new entity: entity extraction or its wiring broke"
    first, second = outcome.first, outcome.second
    names = {name for _, name in new}
    kinds = {kind for kind, _ in new}
    assert kinds == {"actor", "town"}
    assert {"Ménaka", "Boulkessi", "Niono", "Ogossagou"} <= names
    assert "Katiba Macina" in names and "Seydou Kanouté" in names
    # seed entities under other forms raise nothing
    assert not names & {"Hollande", "François Hollande", "Fabius", "AQMI", "Sévaré", "Sevare",
                        "Konna", "Mopti", "CEDEAO", "ECOWAS", "MNLA"}
    assert "New actors (" in first.out and "Ménaka" in first.out

    # one email and one Slack message reached the stand-ins, and were printed
    result = first.result
    assert len(result.mails) == 1 and len(result.slack_payloads) >= 1
    mail = result.mails[0]
    assert mail.recipients == [demo.RECIPIENT] and "Ménaka" in mail.text
    assert f"Subject: {mail.subject}" in first.out
    assert "Slack message:" in first.out
    assert all(path.exists() for path in result.saved)
    statuses = dict(rows(db, "select status, count(*) from alerts group by status"))
    assert statuses == {"sent": 2 * len(new)}

    # the second run: nothing sent, and it says so
    assert second.result.messages_received == 0
    assert "no new alerts: everything was already delivered" in second.out


def test_refuses_a_folder_it_did_not_make(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / demo.CONFIG_NAME).write_text("[warehouse]\npath = 'mine.duckdb'\n")
    assert cli_main(["demo", "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "was not written by the demo" in err and "Traceback" not in err
    assert (tmp_path / demo.CONFIG_NAME).read_text() == "[warehouse]\npath = 'mine.duckdb'\n"

    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    assert cli_main(["demo", "--dir", str(not_a_folder)]) == 2
    assert "not a folder" in capsys.readouterr().err
