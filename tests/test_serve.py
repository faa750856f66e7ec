"""`serve`, `trigger` and concurrent runs as a user starts them: real processes, a real
Prefect server on 127.0.0.1, feeds on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from corpus import GAO_CONVOY, MOPTI_ATTACK
from feedsite import Site, article_page, rss

CLI = [sys.executable, "-c", "import sys; from flows.cli import main; sys.exit(main())"]


def _env(prefect_home: Path) -> dict[str, str]:
    env = {**os.environ, "PREFECT_HOME": str(prefect_home), "PREFECT_LOGGING_LEVEL": "INFO"}
    env.pop("PREFECT_API_URL", None)
    return env


def _publish(site: Site) -> str:
    mopti = site.add("/mopti", article_page(*MOPTI_ATTACK))
    gao = site.add("/gao", article_page(*GAO_CONVOY))
    return site.add_feed(
        "/rss.xml",
        rss("T", [{"title": MOPTI_ATTACK[0], "link": mopti},
                  {"title": GAO_CONVOY[0], "link": gao, "description": "Northern Mali."}]),
    )


def _config(tmp_path: Path, feed: str, extra: str = "") -> Path:
    path = tmp_path / "serve.toml"
    path.write_text(
        f'[[feeds]]\nurl = "{feed}"\n{extra}\n'
        "[fetch]\nallow_private_addresses = true\nper_host_delay_s = 0\ntimeout_s = 5\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.slow
def test_serve_runs_on_schedule_trigger_waits_and_sigterm_stops_everything(
    site: Site, tmp_path: Path
) -> None:
    config = _config(tmp_path, _publish(site), "[schedule]\ninterval_minutes = 0.1\n")
    db = tmp_path / "w.duckdb"
    home = tmp_path / "prefect"
    log = (tmp_path / "serve.log").open("w")
    serve = subprocess.Popen(
        [*CLI, "serve", "--config", str(config), "--db", str(db)],
        stdout=log, stderr=subprocess.STDOUT, env=_env(home),
    )
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and "Finished in state Completed" not in (
            tmp_path / "serve.log"
        ).read_text():
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(1)
        assert "Finished in state Completed" in (tmp_path / "serve.log").read_text()
        assert (home / "mali-monitor-serve.json").is_file()

        triggered = subprocess.run(
            [*CLI, "trigger", "--wait", "--timeout", "120"],
            capture_output=True, text=True, env=_env(home), timeout=180,
        )
        assert triggered.returncode == 0, triggered.stderr
        assert "(Completed)" in triggered.stdout and "| feeds polled | 1 |" in triggered.stdout
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        finally:
            log.close()
    assert not (home / "mali-monitor-serve.json").exists()
    # no Prefect server left behind, warehouse opens and holds each article once
    leftovers = subprocess.run(["pgrep", "-f", f"PREFECT_HOME={home}"], capture_output=True)
    assert leftovers.returncode != 0
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from articles where not is_seed").fetchall() == [(2,)]
        completed = "select count(*) from runs where status = 'completed'"
        assert con.execute(completed).fetchall()[0][0] >= 2


def test_trigger_without_a_server_is_a_clear_error(tmp_path: Path) -> None:
    done = subprocess.run([*CLI, "trigger"], capture_output=True, text=True,
                          env=_env(tmp_path / "prefect"), timeout=120)
    assert done.returncode == 2
    assert "mali-monitor serve" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_two_runs_started_together_end_cleanly_without_duplicates(
    site: Site, tmp_path: Path
) -> None:
    config = _config(tmp_path, _publish(site))
    db = tmp_path / "w.duckdb"
    env = _env(tmp_path / "prefect")
    subprocess.run([*CLI, "init", "--db", str(db)], check=True, env=env, timeout=120,
                   capture_output=True)
    runs = [
        subprocess.Popen([*CLI, "run", "--config", str(config), "--db", str(db)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]
    outcomes = [(p.wait(timeout=240), *p.communicate()) for p in runs]
    for code, _out, err in outcomes:
        assert code in (0, 2), err
        assert "Traceback" not in err
        if code == 2:
            assert "in use by another process" in err
    assert any(code == 0 for code, _, _ in outcomes)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from articles where not is_seed").fetchall() == [(2,)]
        assert con.execute(
            "select count(*) - count(distinct canonical_url) from articles"
        ).fetchall() == [(0,)]
