"""`serve` and `trigger`: the `ingest` deployment on a schedule, and runs of it by hand.

One ingest at a time: the deployment has a concurrency limit of 1 (a second run waits in
Prefect's queue), the serving process runs at most one flow at a time, and the warehouse
itself is locked by DuckDB so that a run from elsewhere waits, then fails with a clear
message rather than writing the same file.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from flows.prefect_server import API_URL_ENV, PrefectServerError, find_server, local_server
from flows.settings import Settings

DEPLOYMENT_NAME = "mali-monitor"
FLOW_NAME = "ingest"
FULL_NAME = f"{FLOW_NAME}/{DEPLOYMENT_NAME}"
SUMMARY_ARTIFACT_KEY = "ingest-summary"  # the key flows.ingest publishes under


def schedule_arguments(settings: Settings) -> dict[str, Any]:
    """cron or interval for `to_deployment`; every 30 minutes when the config sets neither."""
    if settings.schedule.interval_minutes:
        return {"interval": timedelta(minutes=settings.schedule.interval_minutes)}
    return {"cron": settings.schedule.cron or "*/30 * * * *"}


def deployment_parameters(settings: Settings, config_path: str | None) -> dict[str, Any]:
    """Absolute paths: scheduled runs start in a subprocess that may not share our cwd."""
    return {
        "config_path": str(Path(config_path).expanduser().resolve()) if config_path else None,
        "db_path": str(settings.db_path.resolve()),
    }


def build_deployment(settings: Settings, config_path: str | None) -> Any:
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.flows import EntrypointType

    from flows.ingest import ingest

    return ingest.to_deployment(
        name=DEPLOYMENT_NAME,
        parameters=deployment_parameters(settings, config_path),
        concurrency_limit=ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE
        ),
        description="Poll the Mali feeds and store new articles (mali-monitor).",
        tags=["mali-monitor"],
        entrypoint_type=EntrypointType.MODULE_PATH,
        **schedule_arguments(settings),
    )


def _stop_on_signals() -> None:
    """SIGINT and SIGTERM end `serve` like Ctrl-C, so the local server is stopped too (a
    shell starting `serve &` would otherwise leave SIGINT ignored)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, handler)


def serve_forever(settings: Settings, config_path: str | None) -> None:
    """Serve the deployment until interrupted, against the user's Prefect server when
    PREFECT_API_URL is set, else against a local one this process starts and stops."""
    _stop_on_signals()
    if os.environ.get(API_URL_ENV):
        _serve(settings, config_path, os.environ[API_URL_ENV])
        return
    with local_server() as server:
        os.environ[API_URL_ENV] = server.api_url  # flow-run subprocesses inherit it
        try:
            _serve(settings, config_path, server.api_url)
        finally:
            os.environ.pop(API_URL_ENV, None)


def _serve(settings: Settings, config_path: str | None, api_url: str) -> None:
    from prefect import serve
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        print(f"serving {FULL_NAME} against {api_url} ({_describe_schedule(settings)}); "
              f"Ctrl-C to stop", flush=True)
        serve(build_deployment(settings, config_path), limit=1, print_starting_message=False)


def _describe_schedule(settings: Settings) -> str:
    arguments = schedule_arguments(settings)
    if "interval" in arguments:
        return f"every {arguments['interval']}"
    return f"cron {arguments['cron']!r}"


@dataclass(frozen=True)
class TriggerResult:
    flow_run_id: str
    api_url: str
    state: str | None = None
    summary: str | None = None


def trigger(*, wait: bool, timeout_s: float | None = None) -> TriggerResult:
    """Start a run of the served deployment; with `wait`, follow it to its final state."""
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    api_url = find_server()
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        try:
            flow_run = run_deployment(
                FULL_NAME, timeout=timeout_s if wait else 0, poll_interval=1, as_subflow=False
            )
        except ObjectNotFound as e:
            raise PrefectServerError(
                f"no deployment {FULL_NAME} on {api_url}; is `mali-monitor serve` running "
                f"against this server?"
            ) from e
        state = flow_run.state
        if not wait:
            return TriggerResult(str(flow_run.id), api_url, state.name if state else None)
        return TriggerResult(
            str(flow_run.id), api_url, state.name if state else None,
            read_summary_artifact(api_url, flow_run.id),
        )


def read_summary_artifact(api_url: str, flow_run_id: Any) -> str | None:
    """The run's summary artifact. Read over the REST API: Prefect 3.8's sync client sends
    nulls that its own server rejects for this endpoint."""
    import requests

    try:
        response = requests.post(
            f"{api_url.rstrip('/')}/artifacts/filter",
            json={
                "artifacts": {
                    "flow_run_id": {"any_": [str(flow_run_id)]},
                    "key": {"any_": [SUMMARY_ARTIFACT_KEY]},
                },
                "limit": 1,
                "sort": "CREATED_DESC",
            },
            timeout=10,
        )
        response.raise_for_status()
    except requests.RequestException:
        return None
    found = response.json()
    data = found[0].get("data") if found else None
    return data if isinstance(data, str) else None
