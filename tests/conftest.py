"""Shared fixtures: an isolated Prefect home with one test harness per session, a real
HTTP server on 127.0.0.1, and a temporary warehouse."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Prefect reads PREFECT_HOME at import: set it before anything imports prefect.
_PREFECT_HOME = tempfile.mkdtemp(prefix="mali-monitor-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ.pop("PREFECT_API_URL", None)
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"  # no telemetry writes, no network
# a `mali-monitor run` child starts its own ephemeral server: give it time on a busy machine
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
# the topic filter's term table is cached on disk: one build per test session, not $HOME's
os.environ["MALI_MONITOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="mali-monitor-cache-")
for variable in ("MALI_MONITOR_CONFIG", "MALI_MONITOR_DB"):
    os.environ.pop(variable, None)

sys.path.insert(0, str(Path(__file__).parent))

import pytest  # noqa: E402
from feedsite import Site  # noqa: E402


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """A config for local feeds: private addresses allowed, no politeness delay, short timeouts."""
    path = tmp_path / "mali-monitor.toml"
    path.write_text(
        "[fetch]\n"
        "allow_private_addresses = true\n"
        "per_host_delay_s = 0\n"
        "timeout_s = 2\n"
        "retries = 1\n"
        "retry_delay_s = 0\n"
        "batch_size = 3\n",
        encoding="utf-8",
    )
    return path
