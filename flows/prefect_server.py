"""A local Prefect server for `serve` when the user runs none, and finding it again for
`trigger`.

Prefect's ephemeral mode cannot schedule flows ("Cannot schedule flows on an ephemeral
server"), so `serve` without PREFECT_API_URL starts `prefect server start` on 127.0.0.1,
waits until it is healthy, records its address under PREFECT_HOME for `trigger`, and stops
it on exit.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

API_URL_ENV = "PREFECT_API_URL"
STARTUP_TIMEOUT_S = 90.0
ADDRESS_FILE = "mali-monitor-serve.json"


class PrefectServerError(Exception):
    """The local Prefect server could not be started or found."""


@dataclass(frozen=True)
class ServerAddress:
    api_url: str
    pid: int | None = None


def prefect_home() -> Path:
    from prefect.settings import get_current_settings

    return Path(get_current_settings().home).expanduser()


def address_file() -> Path:
    return prefect_home() / ADDRESS_FILE


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at the time of asking."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(api_url: str, timeout_s: float = 2.0) -> bool:
    try:
        return requests.get(f"{api_url.rstrip('/')}/health", timeout=timeout_s).ok
    except requests.RequestException:
        return False


@contextmanager
def local_server(log_path: Path | None = None) -> Iterator[ServerAddress]:
    """Start `prefect server start` on a free 127.0.0.1 port; stop it (and its children)
    when the block ends, however it ends."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log_path = log_path or prefect_home() / "mali-monitor-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop(API_URL_ENV, None)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its own process group, stopped as a whole
        )
    try:
        _wait_until_healthy(process, api_url, log_path)
        _write_address(ServerAddress(api_url, os.getpid()))
        yield ServerAddress(api_url, process.pid)
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
        if healthy(api_url):
            return
        time.sleep(0.5)
    raise PrefectServerError(
        f"the local Prefect server did not become healthy within {STARTUP_TIMEOUT_S:.0f} s; "
        f"see its log at {log}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def _write_address(address: ServerAddress) -> None:
    path = address_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"api_url": address.api_url, "pid": address.pid}), "utf-8")


def _remove_address() -> None:
    address_file().unlink(missing_ok=True)


def find_server() -> str:
    """The API URL `trigger` should talk to: PREFECT_API_URL, else the running `serve`'s."""
    configured = os.environ.get(API_URL_ENV)
    if configured:
        return configured
    path = address_file()
    if not path.is_file():
        raise PrefectServerError(
            "no Prefect server to talk to: start `mali-monitor serve` first, "
            f"or set {API_URL_ENV} to your Prefect server's API URL"
        )
    try:
        recorded = json.loads(path.read_text("utf-8"))["api_url"]
    except (ValueError, KeyError, OSError) as e:
        raise PrefectServerError(f"unreadable server address file {path}: {e}") from e
    if not healthy(recorded):
        raise PrefectServerError(
            f"the Prefect server recorded by `mali-monitor serve` ({recorded}) does not "
            f"answer; is `mali-monitor serve` still running?"
        )
    return str(recorded)
