"""Quiet runs: the progress reporter, Prefect's logs in a private file, and `mali-monitor run`
as a user starts it (a real process, its own Prefect home, feeds on 127.0.0.1)."""

from __future__ import annotations

import io
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from corpus import MOPTI_ATTACK
from feedsite import Site, article_page, rss

from flows import progress
from flows.cli import main
from flows.output import markdown_as_text, summary_markdown
from flows.run_summary import AlertTally, RunSummary

CLI = [sys.executable, "-c", "import sys; from flows.cli import main; sys.exit(main())"]
PREFECT_LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} \| (INFO|WARNING|ERROR|DEBUG|CRITICAL)")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_terminal_progress_is_one_line_redrawn_in_place_and_cleared() -> None:
    stream = io.StringIO()
    reporter = progress.ConsoleReporter(stream, tty=True, width=200)
    with progress.reporting(reporter):
        progress.update(stage="polling feeds", feeds_total=3)
        progress.update(feeds_polled=2)
        progress.update(pages_fetched=4, pages_total=6, stored=3, alerts_sent=1)
    frames = stream.getvalue().split("\r")
    assert "\n" not in stream.getvalue()
    assert frames[2].startswith("polling feeds · feeds 2/3 · pages 0 · stored 0")
    assert frames[3] == "polling feeds · feeds 2/3 · pages 4/6 · stored 3 · alerts sent 1\x1b[K"
    assert frames[-1] == "\x1b[K"  # cleared at the end: the summary starts on a clean line
    progress.update(feeds_polled=9)  # no reporter installed any more: nothing happens
    assert "9" not in stream.getvalue()


def test_terminal_progress_fits_the_width() -> None:
    stream = io.StringIO()
    reporter = progress.ConsoleReporter(stream, tty=True, width=30)
    reporter.update(stage="fetching pages", pages_fetched=100, pages_total=200)
    line = stream.getvalue().removeprefix("\r").removesuffix("\x1b[K")
    assert len(line) <= 29 and line.endswith("…")


def test_without_a_terminal_a_plain_line_at_most_every_interval() -> None:
    stream, clock = io.StringIO(), Clock()
    reporter = progress.ConsoleReporter(stream, tty=False, interval_s=10, clock=clock)
    reporter.update(stage="polling feeds", feeds_total=11)
    clock.now = 5
    reporter.update(feeds_polled=4)
    assert stream.getvalue() == ""  # a short run prints nothing before its summary
    clock.now = 10.5
    reporter.update(feeds_polled=11)
    clock.now = 12
    reporter.update(pages_total=3)
    reporter.close()
    assert stream.getvalue() == (
        "progress: polling feeds · feeds 11/11 · pages 0 · stored 0 · alerts sent 0\n"
    )


def test_unknown_counters_are_refused_and_a_broken_stream_never_fails_a_run() -> None:
    reporter = progress.ConsoleReporter(io.StringIO(), tty=True)
    with pytest.raises(TypeError, match="articles"):
        reporter.update(articles=1)
    closed = io.StringIO()
    closed.close()
    progress.ConsoleReporter(closed, tty=True).update(stored=1)  # no ValueError


def test_logging_config_sends_prefects_console_handlers_to_the_file(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    config = yaml.safe_load(progress.file_logging_config(log))
    for name in ("console", "debug"):
        handler = config["handlers"][name]
        assert handler["class"] == "logging.FileHandler" and handler["filename"] == str(log)
    assert config["root"]["handlers"] == ["console"]
    assert config["loggers"]["prefect"]["level"] == "${PREFECT_LOGGING_LEVEL}"  # Prefect's


def test_summary_artifact_as_plain_text() -> None:
    summary = RunSummary(
        run_id="r1", feeds_polled=2, not_modified=0, entries_seen=5, articles_new=3,
        duplicates=1, skipped=1, errors=1, errors_by_feed={"http://x/feed": 1},
        alerts=AlertTally(sent=2, failed=0),
    )
    # the summary's dictionary form (as written before RunSummary) reads back the same
    assert summary_markdown(RunSummary.from_dict(summary.as_dict())) == summary_markdown(summary)
    text = markdown_as_text(summary_markdown(summary))
    assert "|" not in text and "---" not in text and "`" not in text and "#" not in text
    assert text.splitlines()[0] == "mali-monitor run r1"
    assert re.search(r"^  new articles\s+3$", text, re.M)
    assert re.search(r"^  http://x/feed\s+1$", text, re.M)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _run_env(home: Path) -> dict[str, str]:
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_LOGGING_LEVEL": "INFO"}
    for name in ("PREFECT_API_URL", "PREFECT_LOGGING_SETTINGS_PATH",
                 "PREFECT_SERVER_ANALYTICS_ENABLED"):
        env.pop(name, None)  # telemetry: off by the command itself
    return env


def _run_command(site: Site, db_path: Path, config_file: Path) -> tuple[list[str], str]:
    page = site.add("/a", article_page(*MOPTI_ATTACK))
    feed = site.add_feed("/rss.xml", rss("T", [{"title": MOPTI_ATTACK[0], "link": page}]))
    missing = site.url("/gone.xml")  # 404: one line for the failed feed
    assert main(["init", "--db", str(db_path)]) == 0
    command = [*CLI, "run", "--config", str(config_file), "--db", str(db_path),
               "--feed", feed, "--feed", missing]
    return command, missing


@pytest.mark.slow  # a whole `mali-monitor run` process, Prefect's server started cold
def test_run_is_quiet_with_progress_and_a_private_log(
    site: Site, db_path: Path, config_file: Path, tmp_path: Path
) -> None:
    """A real `mali-monitor run` process in a fresh Prefect home (~20 s)."""
    command, missing = _run_command(site, db_path, config_file)
    home = tmp_path / "prefect-home"

    quiet = subprocess.run(command, capture_output=True, text=True, env=_run_env(home),
                           timeout=180)

    assert quiet.returncode == 0, quiet.stderr
    assert re.search(r"feeds polled\s+2", quiet.stdout)
    assert re.search(r"new articles\s+1", quiet.stdout)
    failed = [line for line in quiet.stdout.splitlines() if "feed failed" in line]
    assert len(failed) == 1 and missing in failed[0] and "404" in failed[0]
    for line in quiet.stderr.splitlines():  # at most progress lines: no log, no traceback
        assert line.startswith("progress: "), quiet.stderr
    log = home / progress.RUN_LOG
    assert _mode(log) == 0o600
    logged = log.read_text("utf-8")
    assert "Beginning flow run" in logged and "finished: 2 feeds polled, 1 new articles" in logged
    assert "telemetry" not in logged.lower() and "Traceback" not in logged
    assert not [p for p in home.iterdir() if p.is_file() and _mode(p) & 0o077]


def _quiet_setup(verbose: bool, home: Path) -> list[str]:
    """What `main` sets up before Prefect is imported, in a fresh interpreter."""
    code = (
        "import argparse, os, sys; from flows.cli import _quiet_prefect; "
        f"a = argparse.Namespace(command='run', verbose={verbose}, own_process=True); "
        "_quiet_prefect(a); "
        "print(a.prefect_log, os.environ.get('PREFECT_LOGGING_SETTINGS_PATH'), "
        "os.environ['PREFECT_SERVER_ANALYTICS_ENABLED'], 'prefect' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_run_env(home), timeout=60, check=True)
    return done.stdout.split()


def test_verbose_leaves_prefects_logging_alone_and_telemetry_is_off(tmp_path: Path) -> None:
    home = tmp_path / "prefect-home"
    log, settings_path, analytics, imported = _quiet_setup(False, home)
    assert log == str(home / progress.RUN_LOG) and Path(settings_path).parent == home
    assert (analytics, imported) == ("false", "False")
    assert _quiet_setup(True, home) == ["None", "None", "false", "False"]


@pytest.mark.slow
def test_verbose_run_shows_prefects_logs(
    site: Site, db_path: Path, config_file: Path, tmp_path: Path
) -> None:
    command, _ = _run_command(site, db_path, config_file)
    home = tmp_path / "prefect-home"

    verbose = subprocess.run([*command, "--verbose"], capture_output=True, text=True,
                             env=_run_env(home), timeout=180)

    assert verbose.returncode == 0, verbose.stderr
    assert re.search(r"feeds polled\s+2", verbose.stdout)
    prefect_lines = [x for x in verbose.stderr.splitlines() if PREFECT_LOG_LINE.match(x)]
    assert any("Beginning flow run" in x for x in prefect_lines), verbose.stderr
    assert "progress: " not in verbose.stderr and "Traceback" not in verbose.stderr
    assert not (home / progress.RUN_LOG).exists()
