"""Shared set-up of the run benchmarks: an isolated Prefect home, a local Slack stand-in,
a configuration for feeds on 127.0.0.1, the machine description.

Import this module before anything imports prefect (it sets PREFECT_HOME).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

os.environ["PREFECT_HOME"] = os.environ.get("MALI_BENCH_PREFECT_HOME") or tempfile.mkdtemp(
    prefix="mali-bench-prefect-"
)
os.environ.pop("PREFECT_API_URL", None)  # the ephemeral server, as `mali-monitor run` uses
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
for _variable in ("MALI_MONITOR_CONFIG", "MALI_MONITOR_DB"):
    os.environ.pop(_variable, None)

WEBHOOK_ENV = "MALI_BENCH_SLACK_WEBHOOK"


class WebhookSink:
    """The Slack-style webhook stand-in on 127.0.0.1 (flows.standins.WebhookStandIn, the
    demo's and the tests'), exported in the environment variable the bench config names
    while the block runs."""

    def __init__(self) -> None:
        from flows.standins import WebhookStandIn

        self._hook = WebhookStandIn()

    @property
    def posts(self) -> int:
        return len(self._hook.accepted)

    @property
    def url(self) -> str:
        return self._hook.url()

    def __enter__(self) -> WebhookSink:
        self._hook.start()
        os.environ[WEBHOOK_ENV] = self.url
        return self

    def __exit__(self, *exc: object) -> None:
        self._hook.stop()
        os.environ.pop(WEBHOOK_ENV, None)


_SERVE = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from flows.replay import ReplayServer
server = ReplayServer(Path(sys.argv[1])).start()
print(server.base, flush=True)
sys.stdin.read()
server.stop()
"""


@contextlib.contextmanager
def replay_server_process(root: Path) -> Iterator[str]:
    """Serve a replay folder with `flows.replay.ReplayServer` from another process (the web
    does not share the pipeline's interpreter); yields the base URL on 127.0.0.1."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVE, str(root), str(ROOT)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        if not base.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the replay server did not start: {base!r}")
        yield base
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def write_config(
    path: Path,
    db_path: Path,
    feed_urls: Sequence[str],
    *,
    slack: bool = True,
    extra: str = "",
) -> Path:
    """Feeds on 127.0.0.1: private addresses allowed; no politeness delay (every outlet
    shares the host 127.0.0.1 here, where real outlets are 20 hosts)."""
    feeds = "".join(f'\n[[feeds]]\nurl = "{url}"\n' for url in feed_urls)
    alerts = (
        f'[alerts]\nchannels = ["slack"]\n\n[alerts.slack]\nwebhook_url_env = "{WEBHOOK_ENV}"\n'
        if slack else "[alerts]\nchannels = []\n"
    )
    path.write_text(
        f'[warehouse]\npath = "{db_path}"\n{feeds}\n'
        "[fetch]\nallow_private_addresses = true\nper_host_delay_s = 0\ntimeout_s = 20\n"
        f"retries = 0\n\n{alerts}\n{extra}",
        encoding="utf-8",
    )
    return path


def machine() -> str:
    import importlib.metadata as md

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = []
    for name in ("prefect", "trafilatura", "spacy", "duckdb", "lxml"):
        with contextlib.suppress(md.PackageNotFoundError):
            versions.append(f"{name} {md.version(name)}")
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM, Linux "
            f"{platform.release()}, Python {platform.python_version()}; {', '.join(versions)}")


def warm_prefect() -> float:
    """Start Prefect's ephemeral API (what the first flow of a process pays) with an empty
    flow; return how long it took."""
    from prefect import flow

    @flow(name="bench-empty")
    def empty() -> None:
        return None

    started = time.perf_counter()
    empty()
    return time.perf_counter() - started


def emit(result: dict) -> None:
    """Hand a sub-process's figures to its parent (last line of stdout)."""
    print("RESULT " + json.dumps(result), flush=True)


def collect(stdout: str) -> dict:
    for line in reversed(stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError("the benchmark sub-process printed no result:\n" + stdout[-3000:])


def init_warehouse(db: Path) -> float:
    """`mali-monitor init` in its own process (so that this one starts cold); seconds."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flows.cli", "init", "--db", str(db)], cwd=ROOT,
                   check=True, capture_output=True)
    return time.perf_counter() - started


def children_cpu_s() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
