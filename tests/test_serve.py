"""`serve`, `trigger` and concurrent runs as a user starts them: real processes, a real
Prefect server on 127.0.0.1, feeds on 127.0.0.1."""

from __future__ import annotations

import base64
import inspect
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
import requests
from corpus import GAO_CONVOY, MOPTI_ATTACK
from feedsite import Site, article_page, rss

from flows.child_env import child_environment, scrubbed_environ, secret_env_names
from flows.settings import load_settings

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
        assert "(Completed)" in triggered.stdout and "|" not in triggered.stdout  # plain text
        assert re.search(r"^  feeds polled\s+1$", triggered.stdout, re.M)
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        finally:
            log.close()
    assert not (home / "mali-monitor-serve.json").exists()
    served = (tmp_path / "serve.log").read_text()
    assert "never awaited" not in served and "Traceback" not in served, served[-3000:]
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
        if code == 2:  # the run lock or DuckDB's own lock says who holds the warehouse
            assert "another ingest run" in err or "in use by another process" in err, err
    assert any(code == 0 for code, _, _ in outcomes)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from articles where not is_seed").fetchall() == [(2,)]
        assert con.execute(
            "select count(*) - count(distinct canonical_url) from articles"
        ).fetchall() == [(0,)]


# --- trust boundaries: authentication, run inputs the API cannot change, private files ---


def test_child_environment_drops_the_configured_secrets_and_secret_like_names(
    tmp_path: Path,
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[alerts.email]\nusername_env = "MAIL_LOGIN"\npassword_env = "MAIL_PW"\n'
        '[alerts.slack]\nwebhook_url_env = "CHAT_HOOK"\n', encoding="utf-8",
    )
    settings = load_settings(config, require_feeds=False)
    environ = {
        "MAIL_LOGIN": "u", "MAIL_PW": "p", "CHAT_HOOK": "https://hooks/x",
        "MALI_MONITOR_SMTP_PASSWORD": "p", "MALI_MONITOR_SLACK_WEBHOOK": "w",
        "GITHUB_TOKEN": "t", "AWS_SECRET_ACCESS_KEY": "k", "PREFECT_API_KEY": "k",
        "PREFECT_API_AUTH_STRING": "a:b", "HOME": "/home/u", "PATH": "/bin",
        "PREFECT_HOME": "/home/u/.prefect", "MALI_MONITOR_DB": "w.duckdb",
    }
    assert {"MAIL_LOGIN", "MAIL_PW", "CHAT_HOOK"} <= secret_env_names(settings)
    assert child_environment(settings, environ) == {
        "HOME": "/home/u", "PATH": "/bin", "PREFECT_HOME": "/home/u/.prefect",
        "MALI_MONITOR_DB": "w.duckdb",
    }
    assert "MAIL_PW" in scrubbed_environ(environ=environ)  # only when named
    assert "MALI_MONITOR_SMTP_PASSWORD" not in scrubbed_environ(environ=environ)


@pytest.fixture
def private_prefect_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A PREFECT_HOME of its own for this process's settings and for the server it starts."""
    from prefect.settings import PREFECT_HOME, temporary_settings

    home = tmp_path / "prefect-home"
    monkeypatch.setenv("PREFECT_HOME", str(home))
    with temporary_settings(updates={PREFECT_HOME: str(home)}):
        yield home


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.slow  # a real Prefect server: 12-17 s
def test_local_server_requires_its_auth_string_and_refuses_run_parameters(
    private_prefect_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One real local server (~20 s): basic auth, the auth file, private files, a scrubbed
    environment; the served deployment refuses parameters; `trigger` authenticates."""
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    from flows.ingest import scheduled_ingest
    from flows.prefect_server import (
        address_file,
        auth_file,
        auth_headers,
        find_server,
        local_server,
    )
    from flows.serve import FULL_NAME, build_deployment, trigger

    home = private_prefect_home
    monkeypatch.setenv("MALI_MONITOR_SMTP_PASSWORD", "smtp-password-value")
    monkeypatch.setenv("MAIL_LOGIN_FOR_TEST", "login-value")  # named by a config only
    monkeypatch.setenv("SOME_SERVICE_TOKEN", "token-value")
    with local_server(secret_names={"MAIL_LOGIN_FOR_TEST"}) as server:
        api = server.api_url
        assert server.auth_string and server.auth_string not in repr(server)
        # (a) no or a wrong auth string: 401; health stays open (for the startup wait)
        for headers in ({}, auth_headers("mali-monitor:wrong")):
            for endpoint in ("deployments/filter", "flow_runs/filter"):
                refused = requests.post(f"{api}/{endpoint}", json={}, headers=headers,
                                        timeout=10)
                assert refused.status_code == 401, endpoint
        assert requests.get(f"{api}/health", timeout=10).ok
        # (b) the right one works
        ok = requests.post(f"{api}/flow_runs/filter", json={},
                           headers=auth_headers(server.auth_string), timeout=10)
        assert ok.status_code == 200, ok.text
        # (c) the auth and address files: the user's alone; trigger finds both
        assert auth_file().read_text("utf-8").strip() == server.auth_string
        assert _mode(auth_file()) == 0o600 and _mode(address_file()) == 0o600
        assert find_server().auth_string == server.auth_string
        # the server's own files (log, Prefect's database) are created 0600
        for name in ("mali-monitor-server.log", "prefect.db"):
            assert _mode(home / name) == 0o600, name
        assert not [p for p in home.iterdir() if p.is_file() and _mode(p) & 0o077]
        # (d) the server's environment has its auth string and none of the secrets
        environ = dict(
            line.split(b"=", 1)
            for line in Path(f"/proc/{server.pid}/environ").read_bytes().split(b"\0")
            if b"=" in line
        )
        assert environ[b"PREFECT_SERVER_API_AUTH_STRING"] == server.auth_string.encode()
        for name in (b"MALI_MONITOR_SMTP_PASSWORD", b"MAIL_LOGIN_FOR_TEST",
                     b"SOME_SERVICE_TOKEN", b"PREFECT_API_AUTH_STRING"):
            assert name not in environ, name
        assert b"smtp-password-value" not in b"".join(environ.values())

        # the served deployment: a flow without parameters, a schema that admits none
        assert inspect.signature(scheduled_ingest.fn).parameters == {}
        settings = load_settings(None, db_path=str(home / "w.duckdb"), require_feeds=False)
        updates = {PREFECT_API_URL: api, PREFECT_API_AUTH_STRING: server.auth_string}
        with temporary_settings(updates=updates):
            deployment_id = build_deployment(settings).apply()
        headers = auth_headers(server.auth_string)
        for parameters in ({"config_path": "/tmp/evil.toml"}, {"db_path": "/tmp/evil.duckdb"}):
            created = requests.post(
                f"{api}/deployments/{deployment_id}/create_flow_run",
                json={"parameters": parameters}, headers=headers, timeout=10,
            )
            assert created.status_code == 409, created.text
            assert "Additional properties are not allowed" in created.text

        # `trigger` (its own settings: nothing from this test's) authenticates with the file
        started = trigger(wait=False)
        assert started.api_url == api and started.state == "Scheduled"
        run = requests.get(f"{api}/flow_runs/{started.flow_run_id}", headers=headers,
                           timeout=10).json()
        assert run["parameters"] == {} and run["deployment_id"] == str(deployment_id)
        assert FULL_NAME == "ingest/mali-monitor"
    assert not address_file().exists() and not auth_file().exists()


def _wait_for_final_state(api: str, headers: dict[str, str], run_id: str) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = requests.get(f"{api}/flow_runs/{run_id}", headers=headers, timeout=10).json()
        if run["state"]["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return run
        time.sleep(1)
    raise AssertionError(f"flow run {run_id} did not finish: {run['state']}")


@pytest.mark.slow
def test_served_runs_cannot_be_redirected_through_the_api(site: Site, tmp_path: Path) -> None:
    """A full `serve`: the login is shown once, the API needs it, and a run created with
    schema enforcement turned off and `config_path`/`db_path` parameters fails before it
    starts, touching neither the attacker's paths nor the warehouse; a trigger still works."""
    from flows.prefect_server import auth_headers

    config = _config(tmp_path, _publish(site))
    db = tmp_path / "w.duckdb"
    evil_db = tmp_path / "evil.duckdb"
    evil_config = tmp_path / "evil.toml"
    evil_config.write_text(f'[warehouse]\npath = "{evil_db}"\n', encoding="utf-8")
    home = tmp_path / "prefect"
    env = {**_env(home), "MALI_MONITOR_SMTP_PASSWORD": "smtp-password-value"}
    log_path = tmp_path / "serve.log"
    log = log_path.open("w")
    serve = subprocess.Popen([*CLI, "serve", "--config", str(config), "--db", str(db)],
                             stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "serving ingest/mali-monitor" not in (
            log_path.read_text()
        ):
            assert serve.poll() is None, log_path.read_text()
            time.sleep(0.5)
        output = log_path.read_text()
        auth_string = (home / "mali-monitor-serve.auth").read_text("utf-8").strip()
        assert re.search(r"Prefect UI: http://127\.0\.0\.1:\d+ ", output), output
        assert f"log in with the auth string: {auth_string}\n" in output
        assert output.count(auth_string) == 1 and str(home / "mali-monitor-serve.auth") in output
        api = json.loads((home / "mali-monitor-serve.json").read_text("utf-8"))["api_url"]
        assert requests.post(f"{api}/deployments/filter", json={}, timeout=10).status_code == 401
        headers = auth_headers(auth_string)
        deadline = time.monotonic() + 60  # `serve` registers it after its message
        while (found := requests.get(f"{api}/deployments/name/ingest/mali-monitor",
                                     headers=headers, timeout=10)).status_code == 404:
            assert time.monotonic() < deadline and serve.poll() is None, log_path.read_text()
            time.sleep(0.5)
        deployment = found.json()
        assert deployment["parameters"] == {}, deployment
        created = requests.post(
            f"{api}/deployments/{deployment['id']}/create_flow_run",
            json={"parameters": {"config_path": str(evil_config), "db_path": str(evil_db)},
                  "enforce_parameter_schema": False},
            headers=headers, timeout=10,
        )
        assert created.status_code == 201, created.text  # the server let it through ...
        run = _wait_for_final_state(api, headers, created.json()["id"])
        # ... the flow did not: the engine stops before it starts (Prefect 3.8: Crashed)
        assert run["state"]["type"] in ("FAILED", "CRASHED"), run["state"]
        assert "Function expects parameters [] but was provided with parameters" in (
            log_path.read_text()
        )
        assert not evil_db.exists()

        triggered = subprocess.run([*CLI, "trigger", "--wait", "--timeout", "120"],
                                   capture_output=True, text=True, env=_env(home), timeout=180)
        assert triggered.returncode == 0, triggered.stderr
        assert "(Completed)" in triggered.stdout and "|" not in triggered.stdout  # plain text
        assert re.search(r"^  feeds polled\s+1$", triggered.stdout, re.M)
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        finally:
            log.close()
    assert not evil_db.exists()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from runs").fetchall() == [(1,)]
        assert con.execute("select count(*) from articles where not is_seed").fetchall() == [(2,)]


def test_served_runs_of_the_bundled_configuration_never_read_a_local_file_written_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.serve import run_environment
    from flows.settings import CONFIG_ENV, load_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    values = run_environment(load_settings(None, require_feeds=False), None)
    (tmp_path / "mali-monitor.toml").write_text(  # an attacker's file, after `serve` started
        '[alerts]\nchannels = ["email"]\n[alerts.email]\nhost = "evil.example"\n'
        'recipients = ["x@evil.example"]\n', encoding="utf-8",
    )
    monkeypatch.setenv(CONFIG_ENV, str(values[CONFIG_ENV]))
    settings = load_settings(None, require_feeds=False)
    assert settings.source == "the bundled default configuration"
    assert settings.alerts.email.host == "localhost"


CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)


def _login_proxy(ui_url: str, auth_string: str) -> ThreadingHTTPServer:
    """The Prefect UI, proxied on another 127.0.0.1 port, plus `/__login?to=PATH`: a page
    that stores the auth string where the UI's login page does (localStorage
    `prefect-password`, base64) and opens PATH. Headless Chromium cannot type into the
    login form without the DevTools protocol; this does what the form does, and the UI
    then authenticates to the server exactly as after a login. The UI's API calls go to
    the server itself (its PREFECT_UI_API_URL), not through the proxy."""
    token = base64.b64encode(auth_string.encode()).decode()
    login = (
        "<!doctype html><script>"
        f"localStorage.setItem('prefect-password', {json.dumps(token)});"
        "location.replace(new URLSearchParams(location.search).get('to'));"
        "</script>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/__login"):
                status, headers, body = 200, {"Content-Type": "text/html"}, login
            else:
                upstream = requests.get(
                    ui_url + self.path, allow_redirects=False, timeout=30,
                    headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
                )
                status, body = upstream.status_code, upstream.content
                headers = {k: v for k, v in upstream.headers.items() if k.lower() not in
                           ("transfer-encoding", "connection", "content-length",
                            "content-encoding")}
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy.daemon_threads = True
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    return proxy


def _post_retrying(url: str, payload: dict, headers: dict[str, str]) -> dict:
    """A 503 right after start (the server's database still busy) is retried."""
    for _ in range(20):
        response = requests.post(url, json=payload, headers=headers, timeout=10)
        if response.status_code != 503:
            break
        time.sleep(0.5)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.slow  # a Prefect server with its UI, and Chromium
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium: the UI is not opened in a browser")
def test_the_ui_of_the_local_server_shows_a_runs_summary_after_login(
    private_prefect_home: Path, tmp_path: Path
) -> None:
    """The UI of the server `serve` starts talks to that server (not 127.0.0.1:4200), with
    the auth string: the `ingest-summary` artifact page shows the run's summary (~25 s)."""
    from flows.output import summary_markdown
    from flows.prefect_server import auth_headers, local_server
    from flows.run_summary import RunSummary

    summary = {
        "run_id": "ui-test-3f9c", "feeds_polled": 11, "not_modified": 0, "entries_seen": 0,
        "articles_new": 0, "duplicates": 0, "skipped": 0, "errors": 11,
        "errors_by_feed": {"https://www.rfi.fr/fr/afrique/rss": 1},
    }
    with local_server() as server:
        api, headers = server.api_url, auth_headers(server.auth_string)
        flow = _post_retrying(f"{api}/flows/", {"name": "ingest"}, headers)
        run = _post_retrying(f"{api}/flow_runs/", {"flow_id": flow["id"]}, headers)
        artifact = _post_retrying(f"{api}/artifacts/", {
            "key": "ingest-summary", "type": "markdown", "flow_run_id": run["id"],
            "data": summary_markdown(RunSummary.from_dict(summary)),
        }, headers)
        proxy = _login_proxy(server.ui_url, server.auth_string)
        try:
            page = f"/artifacts/artifact/{artifact['id']}"
            opened = subprocess.run(
                [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'chromium'}", "--virtual-time-budget=15000",
                 "--dump-dom",
                 f"http://127.0.0.1:{proxy.server_address[1]}/__login?to={page}"],
                capture_output=True, text=True, timeout=120,
            )
        finally:
            proxy.shutdown()
    dom = opened.stdout
    assert "Can't connect to Server API" not in dom and "Authentication failed" not in dom
    assert "mali-monitor run" in dom and "ui-test-3f9c" in dom, dom[-2000:]
    assert "feeds polled" in dom and "https://www.rfi.fr/fr/afrique/rss" in dom


@pytest.mark.slow  # a real Prefect server: 12-17 s
def test_the_server_of_a_run_requires_its_auth_string_too(tmp_path: Path) -> None:
    """`run` and `demo` start their own Prefect server: while it lasts, nobody else on the
    machine may read its Secret blocks or runs."""
    import requests

    from flows.prefect_server import RunServer, auth_headers

    server = RunServer(tmp_path / "run.log")
    try:
        server.wait_until_healthy(timeout_s=120)
        api = server.api_url
        secrets = {"include_secrets": True}
        refused = requests.post(f"{api}/block_documents/filter", json=secrets, timeout=10)
        assert refused.status_code == 401
        ok = requests.post(f"{api}/flow_runs/filter", json={},
                           headers=auth_headers(server.auth_string), timeout=10)
        assert ok.status_code == 200
        assert "auth_string" not in repr(server) and server.auth_string not in repr(server)
        # what answered is the server we started, on the socket this process made
        assert f"socket:[{os.fstat(server._socket.fileno()).st_ino}]" in _sockets_of(
            server.process.pid
        )
        _assert_port_taken(server.port)
    finally:
        server.stop()


def _sockets_of(pid: int) -> set[str]:
    """The sockets a process has open, as /proc shows them ("socket:[inode]")."""
    targets = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            targets.add(os.readlink(fd))
        except OSError:  # closed meanwhile
            continue
    return {t for t in targets if t.startswith("socket:")}


def _assert_port_taken(port: int) -> None:
    """No other listener can bind `port`, whatever the options it tries."""
    attempts = [("127.0.0.1", socket.SO_REUSEADDR), ("0.0.0.0", socket.SO_REUSEADDR)]
    if hasattr(socket, "SO_REUSEPORT"):
        attempts.append(("127.0.0.1", socket.SO_REUSEPORT))
    for host, option in attempts:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as foreign:
            foreign.setsockopt(socket.SOL_SOCKET, option, 1)
            with pytest.raises(OSError, match="in use"):
                foreign.bind((host, port))
                foreign.listen()


def test_the_port_of_our_server_is_never_free_for_another_listener(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race `serve` had: a port found free, then bound by the child later, so a listener
    taking it in between answered the (unauthenticated) health check and got serve's
    registrations. Now the port is bound and listening here before the child starts, the
    child serves on that very socket, and this process holds it until `stop`: taken from the
    first moment, and still taken after a child that died without answering (an error, never
    a server)."""
    from flows import prefect_server

    with prefect_server.listening_socket() as sock:
        port = sock.getsockname()[1]
        _assert_port_taken(port)
        command = prefect_server._uvicorn_command(sock, "--log-level", "error")
        assert command[command.index("--fd") + 1] == str(sock.fileno())
        assert "--port" not in command and "--host" not in command

    monkeypatch.setattr(prefect_server, "SERVER_APP", "no_such_module_here:create_app")
    server = prefect_server.RunServer(tmp_path / "run.log")
    try:
        _assert_port_taken(server.port)
        with pytest.raises(prefect_server.PrefectServerError, match="exited with code"):
            server.wait_until_healthy(timeout_s=60)
        _assert_port_taken(server.port)  # its child is gone: the port is still ours
    finally:
        server.stop()
