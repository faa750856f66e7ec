"""`serve` and `trigger`: the `ingest` deployment on a schedule, and runs of it by hand.

One ingest at a time: the deployment has a concurrency limit of 1 (a second run waits in
Prefect's queue), the serving process runs at most one flow at a time, and the warehouse
itself is locked by DuckDB so that a run from elsewhere waits, then fails with a clear
message rather than writing the same file.

Trust: the deployment's flow (`flows.ingest.scheduled_ingest`) takes no parameters. Its
configuration and warehouse are those `serve` was started with, handed to its flow-run
processes through MALI_MONITOR_CONFIG and MALI_MONITOR_DB in the serving process's
environment, which the API cannot change: a run started through the API (or the UI) cannot
redirect alerts, the warehouse or the configuration. The local server requires its auth
string (flows.prefect_server); against the user's own server (PREFECT_API_URL)
authentication is the user's Prefect settings' (PREFECT_API_AUTH_STRING, PREFECT_API_KEY).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from types import FrameType
from typing import Any

from flows.child_env import secret_env_names
from flows.prefect_server import (
    API_URL_ENV,
    AUTH_ENV,
    PrefectServerError,
    ServerAddress,
    auth_file,
    auth_headers,
    find_server,
    local_server,
)
from flows.settings import BUNDLED_CONFIG, CONFIG_ENV, DB_ENV, Settings
from flows.settings import config_path as chosen_config_path

DEPLOYMENT_NAME = "mali-monitor"
FLOW_NAME = "ingest"
FULL_NAME = f"{FLOW_NAME}/{DEPLOYMENT_NAME}"
SUMMARY_ARTIFACT_KEY = "ingest-summary"  # the key flows.ingest publishes under


def schedule_arguments(settings: Settings) -> dict[str, Any]:
    """cron or interval for `to_deployment`; every 30 minutes when the config sets neither."""
    if settings.schedule.interval_minutes:
        return {"interval": timedelta(minutes=settings.schedule.interval_minutes)}
    return {"cron": settings.schedule.cron or "*/30 * * * *"}


def run_environment(settings: Settings, config_path: str | None) -> dict[str, str | None]:
    """What the served runs read their configuration and warehouse from: absolute paths
    (a flow-run process may not share our cwd), or the bundled default named as such, so a
    ./mali-monitor.toml written later beside a run is never read."""
    chosen = chosen_config_path(config_path)
    return {
        CONFIG_ENV: str(chosen.resolve()) if chosen else BUNDLED_CONFIG,
        DB_ENV: str(settings.db_path.resolve()),
    }


@contextmanager
def environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (None: unset) variables of this process, inherited by the flow-run processes;
    restored afterwards."""
    saved = {name: os.environ.get(name) for name in values}

    def apply(updates: Mapping[str, str | None]) -> None:
        for name, value in updates.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    apply(values)
    try:
        yield
    finally:
        apply(saved)


def build_deployment(settings: Settings) -> Any:
    """The deployment of `scheduled_ingest`: no parameters, nothing a run can override."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.flows import EntrypointType

    from flows.ingest import scheduled_ingest

    deployment = scheduled_ingest.to_deployment(
        name=DEPLOYMENT_NAME,
        enforce_parameter_schema=True,  # Prefect's default: with the schema below, the
        # server refuses (409) a run that names any parameter
        concurrency_limit=ConcurrencyLimitConfig(
            limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE
        ),
        description="Poll the Mali feeds and store new articles (mali-monitor).",
        tags=["mali-monitor"],
        entrypoint_type=EntrypointType.MODULE_PATH,
        **schedule_arguments(settings),
    )
    _refuse_parameters(deployment)
    return deployment


def _refuse_parameters(deployment: Any) -> None:
    """A parameter schema that admits no parameter at all (`additionalProperties: false`):
    Prefect's own schema for a flow without parameters admits any. A run that turns schema
    enforcement off still fails before the flow starts: the flow takes no parameter."""
    from prefect.utilities.callables import ParameterSchema

    class ClosedParameterSchema(ParameterSchema):
        additionalProperties: bool = False  # the JSON Schema keyword

    current = deployment._parameter_openapi_schema.model_dump(exclude_unset=True)
    deployment._parameter_openapi_schema = ClosedParameterSchema(
        **current, additionalProperties=False
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
    with environment(run_environment(settings, config_path)):
        if os.environ.get(API_URL_ENV):
            _serve(settings, ServerAddress(os.environ[API_URL_ENV]))
            return
        with local_server(secret_names=secret_env_names(settings)) as server:
            print(login_message(server), flush=True)
            # flow-run subprocesses inherit both
            with environment({API_URL_ENV: server.api_url, AUTH_ENV: server.auth_string}):
                _serve(settings, server)


def login_message(server: ServerAddress) -> str:
    """Shown once at start: the UI's address and the auth string it asks for."""
    return (
        f"Prefect UI: {server.ui_url} (local server, password protected)\n"
        f"  log in with the auth string: {server.auth_string}\n"
        f"  it is kept, readable only by you, in {auth_file()} while `serve` runs "
        f"(`mali-monitor trigger` reads it there)"
    )


def _serve(settings: Settings, server: ServerAddress) -> None:
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    updates: dict[Any, Any] = {PREFECT_API_URL: server.api_url}
    if server.auth_string:
        updates[PREFECT_API_AUTH_STRING] = server.auth_string
    with temporary_settings(updates=updates):
        print(f"serving {FULL_NAME} against {server.api_url} ({_describe_schedule(settings)}); "
              f"Ctrl-C to stop", flush=True)
        _run_runner(build_deployment(settings))


def _run_runner(deployment: Any) -> None:
    """What `prefect.serve(deployment, limit=1)` does, but SIGTERM ends it like Ctrl-C.
    Prefect's Runner.start replaces the SIGTERM handler by its own, whose `self.stop()`
    inside the running loop only makes an `astop` coroutine that is never awaited (a
    RuntimeWarning, and the runner is not stopped); ours raises KeyboardInterrupt, which
    asyncio.run turns into cancelling the runner's tasks, as for Ctrl-C."""
    import asyncio

    from prefect.runner import Runner

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    runner = Runner(limit=1, pause_on_shutdown=True)
    runner.add_deployment(deployment)
    runner.handle_sigterm = interrupt  # type: ignore[method-assign]
    try:
        asyncio.run(runner.start())
    except KeyboardInterrupt:
        print("serve stopped", flush=True)


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
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    server = find_server()
    api_url = server.api_url
    updates: dict[Any, Any] = {PREFECT_API_URL: api_url}
    if server.auth_string:
        updates[PREFECT_API_AUTH_STRING] = server.auth_string
    with temporary_settings(updates=updates):
        try:
            flow_run = run_deployment(
                FULL_NAME, timeout=timeout_s if wait else 0, poll_interval=1, as_subflow=False
            )
        except ObjectNotFound as e:
            raise PrefectServerError(
                f"no deployment {FULL_NAME} on {api_url}; is `mali-monitor serve` running "
                f"against this server?"
            ) from e
        assert isinstance(flow_run, FlowRun)  # the sync call's result, not a coroutine
        state = flow_run.state
        if not wait:
            return TriggerResult(str(flow_run.id), api_url, state.name if state else None)
        return TriggerResult(
            str(flow_run.id), api_url, state.name if state else None,
            read_summary_artifact(api_url, flow_run.id, server.auth_string),
        )


def read_summary_artifact(
    api_url: str, flow_run_id: Any, auth_string: str | None = None
) -> str | None:
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
            headers=auth_headers(auth_string),
            timeout=10,
        )
        response.raise_for_status()
    except requests.RequestException:
        return None
    found = response.json()
    data = found[0].get("data") if found else None
    return data if isinstance(data, str) else None
