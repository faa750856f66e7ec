"""A local Prefect server for `serve` when the user runs none, and finding it again for
`trigger`.

Prefect's ephemeral mode cannot schedule flows ("Cannot schedule flows on an ephemeral
server"), so `serve` without PREFECT_API_URL starts Prefect's server (the app `prefect
server start` runs, under uvicorn) on 127.0.0.1, waits until it is healthy, records its
address under PREFECT_HOME for `trigger`, and stops it on exit.

The server requires basic authentication (Prefect's `server.api.auth_string`): a new random
auth string each start, kept in PREFECT_HOME/mali-monitor-serve.auth (mode 0600) for
`trigger` and the UI login, so another user of the machine cannot start runs through the API.
The server runs with umask 077 (its database and log are the user's alone) and without the
tool's secrets in its environment (flows.child_env).

The port: this process binds a listening socket on 127.0.0.1 (port chosen by the system),
hands it to the server (uvicorn `--fd`) and keeps its own copy until the server is stopped,
so the port is ours from before the server starts to after it ends: no other program can
listen there, and whatever answers the health check, then gets `serve`'s registrations and
`trigger`'s auth string, is the server we started. (Choosing a free port, closing it and
letting the child bind it later left a window in which another local user could listen
there; the health check is unauthenticated, and proving ourselves to an unknown listener
with the auth string would only hand it the auth string.)
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from flows.child_env import scrubbed_environ

API_URL_ENV = "PREFECT_API_URL"
AUTH_ENV = "PREFECT_API_AUTH_STRING"  # clients: Prefect's api.auth_string
SERVER_AUTH_ENV = "PREFECT_SERVER_API_AUTH_STRING"  # the server: server.api.auth_string
STARTUP_TIMEOUT_S = 90.0
LISTEN_BACKLOG = 128
SERVER_APP = "prefect.server.api.server:create_app"  # uvicorn --factory: what `prefect
# server start` serves in the foreground
ADDRESS_FILE = "mali-monitor-serve.json"
AUTH_FILE = "mali-monitor-serve.auth"
SERVER_LOG = "mali-monitor-server.log"
AUTH_USER = "mali-monitor"
ANALYTICS_ENV = "PREFECT_SERVER_ANALYTICS_ENABLED"
UI_API_URL_ENV = "PREFECT_UI_API_URL"  # Prefect's server.ui.api_url
PRIVATE_UMASK = 0o077


class PrefectServerError(Exception):
    """The local Prefect server could not be started or found."""


@dataclass(frozen=True)
class ServerAddress:
    api_url: str
    pid: int | None = None
    auth_string: str | None = field(default=None, repr=False)  # None: the user's settings

    @property
    def ui_url(self) -> str:
        return self.api_url.rstrip("/").removesuffix("/api")


def prefect_home() -> Path:
    from prefect.settings import get_current_settings

    return Path(get_current_settings().home).expanduser()


def address_file() -> Path:
    return prefect_home() / ADDRESS_FILE


def auth_file() -> Path:
    return prefect_home() / AUTH_FILE


def new_auth_string() -> str:
    """`user:password` as Prefect's basic auth expects; the UI asks for the whole string."""
    return f"{AUTH_USER}:{secrets.token_urlsafe(32)}"


def write_private(path: Path, text: str) -> None:
    """Replace `path` by a file only the user can read or write: created 0600 with O_EXCL
    (mkstemp) beside it, then renamed over it, so it is never readable by others, not even
    for a moment, and a reader never sees half of it."""
    import tempfile

    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _private_dir(path: Path) -> None:
    """Create `path` (0700) when missing; an existing folder is left as it is (the files
    in it are 0600)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _tighten(paths: Iterable[Path]) -> None:
    """Existing files of ours (Prefect's database from an earlier start, the server log)
    readable by others become readable by the user alone; new ones are created so."""
    for path in paths:
        with suppress(OSError):
            status = path.lstat()
            if path.is_file() and not path.is_symlink() and status.st_uid == os.getuid() \
                    and status.st_mode & 0o077:
                path.chmod(status.st_mode & 0o700)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at the time of asking (anyone may take it afterwards:
    for our own servers use `listening_socket`)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening_socket() -> socket.socket:
    """A TCP socket listening on 127.0.0.1, on a port the system picks: the port is held
    from now on (no SO_REUSEADDR, already listening, so nobody can bind it), and the server
    we start serves on this very socket (`_uvicorn_command`)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(LISTEN_BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


def _uvicorn_command(sock: socket.socket, *options: str) -> list[str]:
    """Prefect's server app served by uvicorn on `sock` (the child inherits it: Popen
    `pass_fds`), never on a port it would bind itself."""
    return [sys.executable, "-m", "uvicorn", "--factory", SERVER_APP,
            "--fd", str(sock.fileno()), "--lifespan", "on", *options]


def _server_options() -> list[str]:
    """What `prefect server start` gives uvicorn from Prefect's settings."""
    from prefect.settings import get_current_settings

    server = get_current_settings().server
    return ["--log-level", str(server.logging_level).lower(),
            "--timeout-keep-alive", str(server.api.keepalive_timeout),
            "--ws-ping-interval", str(server.api.websocket_ping_interval),
            "--ws-ping-timeout", str(server.api.websocket_ping_timeout)]


def healthy(api_url: str, timeout_s: float = 2.0) -> bool:
    try:
        return requests.get(f"{api_url.rstrip('/')}/health", timeout=timeout_s).ok
    except requests.RequestException:
        return False


@contextmanager
def local_server(
    log_path: Path | None = None, *, secret_names: Iterable[str] = ()
) -> Iterator[ServerAddress]:
    """Start Prefect's server (what `prefect server start` runs: API, UI and services) on a
    127.0.0.1 socket this process holds (`listening_socket`), with basic auth, umask 077 and
    an environment without `secret_names` (nor anything named like a secret); stop it (and
    its children) when the block ends, however it ends. The address and auth string are
    written for `trigger` once it is healthy, and removed at the end."""
    home = prefect_home()
    _private_dir(home)
    options = _server_options()
    log_path = log_path or home / SERVER_LOG
    _private_dir(log_path.parent)
    _tighten([log_path, *home.glob("prefect.db*")])
    auth_string = new_auth_string()
    env = scrubbed_environ(secret_names)  # also drops the user's PREFECT_API_KEY/AUTH_STRING
    env.pop(API_URL_ENV, None)
    env.setdefault(ANALYTICS_ENV, "false")  # telemetry only when the user turns it on
    env["PREFECT__SERVER_FINAL"] = "1"  # as `prefect server start`: the only server
    with listening_socket() as sock:  # ours, and held, until serve ends: see the module doc
        api_url = f"http://127.0.0.1:{sock.getsockname()[1]}/api"
        # the UI asks this address for the API (else it tries http://127.0.0.1:4200/api)
        env.update({SERVER_AUTH_ENV: auth_string, UI_API_URL_ENV: api_url})
        log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(log_fd, "ab") as log:
            process = subprocess.Popen(
                _uvicorn_command(sock, *options),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                pass_fds=(sock.fileno(),),
                umask=PRIVATE_UMASK,  # its database, WAL, any file it makes: the user's alone
                start_new_session=True,  # its own process group, stopped as a whole
            )
        try:
            _wait_until_healthy(process, api_url, log_path)
            _write_address(ServerAddress(api_url, os.getpid(), auth_string))
            yield ServerAddress(api_url, process.pid, auth_string)
        finally:
            _remove_address()
            _stop(process)


def _wait_until_healthy(process: subprocess.Popen[bytes], api_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PrefectServerError(
                f"the local Prefect server exited with code {process.returncode}; "
                f"see its log at {log}"
            )
        if healthy(api_url) and process.poll() is None:  # still alive: it was the one answering
            return
        time.sleep(0.5)
    raise PrefectServerError(
        f"the local Prefect server did not become healthy within {STARTUP_TIMEOUT_S:.0f} s; "
        f"see its log at {log}"
    )


def _stop(process: subprocess.Popen[bytes], grace_s: float = 20) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def _write_address(address: ServerAddress) -> None:
    """The auth file first: `trigger` looks for the address file, then reads both."""
    _private_dir(prefect_home())
    write_private(auth_file(), f"{address.auth_string}\n")
    write_private(
        address_file(), json.dumps({"api_url": address.api_url, "pid": address.pid})
    )


def _remove_address() -> None:
    """Remove the files this process wrote (not those of another `serve` started since)."""
    try:
        recorded = json.loads(address_file().read_text("utf-8")).get("pid")
    except (ValueError, OSError, AttributeError):
        recorded = None
    if recorded in (None, os.getpid()):
        address_file().unlink(missing_ok=True)
        auth_file().unlink(missing_ok=True)


def auth_headers(auth_string: str | None = None) -> dict[str, str]:
    """The Authorization header a Prefect client would send: `auth_string`, else the
    current Prefect settings' api.auth_string, else api.key (Prefect Cloud)."""
    import base64

    from prefect.settings import get_current_settings

    settings = get_current_settings().api
    if auth_string is None and settings.auth_string is not None:
        auth_string = settings.auth_string.get_secret_value()
    if auth_string:
        return {"Authorization": "Basic " + base64.b64encode(auth_string.encode()).decode()}
    if settings.key is not None and settings.key.get_secret_value():
        return {"Authorization": f"Bearer {settings.key.get_secret_value()}"}
    return {}


def find_server() -> ServerAddress:
    """The server `trigger` should talk to: PREFECT_API_URL (authentication from the user's
    Prefect settings), else the running `serve`'s local server with its auth string."""
    configured = os.environ.get(API_URL_ENV)
    if configured:
        return ServerAddress(configured)
    path = address_file()
    if not path.is_file():
        raise PrefectServerError(
            "no Prefect server to talk to: start `mali-monitor serve` first, "
            f"or set {API_URL_ENV} to your Prefect server's API URL"
        )
    try:
        recorded = json.loads(path.read_text("utf-8"))["api_url"]
        auth_string = auth_file().read_text("utf-8").strip()
    except (ValueError, KeyError, TypeError, OSError) as e:
        raise PrefectServerError(
            f"unreadable server address or auth file ({path}, {auth_file()}): {e}"
        ) from e
    if not healthy(recorded):
        raise PrefectServerError(
            f"the Prefect server recorded by `mali-monitor serve` ({recorded}) does not "
            f"answer; is `mali-monitor serve` still running?"
        )
    return ServerAddress(str(recorded), auth_string=auth_string or None)


class RunServer:
    """The Prefect server of one `run` or `demo` (what Prefect's ephemeral mode starts
    itself, on first use of its client): started here at once, so it boots while the flow's
    modules import, without the UI, telemetry or block registration, logging to `log_path`.
    `PREFECT_API_URL` is then set for this process (Prefect is not imported yet) and its
    children; `stop` at exit (registered with atexit, so after Prefect's own exit handlers
    have flushed their logs and events)."""

    def __init__(self, log_path: Path | None = None, *, secret_names: Iterable[str] = ()):
        # ours, and held, until `stop`: see the module doc
        self._socket = sock = listening_socket()
        self.port = int(sock.getsockname()[1])
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.log_path = log_path
        env = scrubbed_environ(secret_names)
        env.pop(API_URL_ENV, None)
        # like serve's server: nobody else on the machine may use its API while the run
        # lasts (it holds the run's Secret blocks, flow runs and artifacts)
        self.auth_string = new_auth_string()
        env[SERVER_AUTH_ENV] = self.auth_string
        env.setdefault(ANALYTICS_ENV, "false")
        env.setdefault("PREFECT_API_BLOCKS_REGISTER_ON_START", "false")  # no blocks used
        env.update({"PREFECT_UI_ENABLED": "false", "PREFECT__SERVER_EPHEMERAL": "1",
                    "PREFECT__SERVER_FINAL": "1"})
        if log_path is not None:
            output: Any = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        else:
            output = subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(
                _uvicorn_command(sock, "--log-level", "error"),
                stdout=output, stderr=subprocess.STDOUT if log_path else output,
                stdin=subprocess.DEVNULL, env=env, pass_fds=(sock.fileno(),),
                start_new_session=True,
            )
        except BaseException:
            sock.close()
            raise
        finally:
            if isinstance(output, int) and output >= 0:
                os.close(output)
        atexit.register(self.stop)

    def wait_until_healthy(self, timeout_s: float | None = None) -> None:
        timeout_s = timeout_s or float(
            os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") or STARTUP_TIMEOUT_S
        )
        deadline = time.monotonic() + timeout_s
        where = f"; see its log at {self.log_path}" if self.log_path else ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PrefectServerError(
                    f"Prefect's server for this run exited with code "
                    f"{self.process.returncode}{where}"
                )
            if healthy(self.api_url, timeout_s=1.0) and self.process.poll() is None:
                return
            time.sleep(0.1)
        raise PrefectServerError(
            f"Prefect's server for this run did not start within {timeout_s:.0f} s{where}"
        )

    def stop(self) -> None:
        _stop(self.process, grace_s=5)
        self._socket.close()  # the port is free again only once the server is gone
