"""The commands that run or set up the monitor: `init`, `run`, `serve`, `trigger`, `demo`
and `gazetteer import`."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from flows.cli_common import EXIT_FAILED, EXIT_OK, settings_for
from flows.output import run_summary
from flows.settings import Settings
from warehouse.errors import WarehouseError


def _initialise(settings: Settings) -> Any:
    from flows.setup import initialise

    return initialise(
        settings.db_path,
        settings.dedup_settings(),
        alias_file=settings.alias_file(),
        extract_entities=settings.entities.enabled,
    )


def cmd_init(args: argparse.Namespace) -> int:
    settings = settings_for(args, require_feeds=False)
    prefect_server = _prepare_prefect_database(settings) if args.own_process else None
    result = _initialise(settings)
    migrations = ", ".join(result.migrations_applied) or "none (up to date)"
    print(f"warehouse {result.path}: migrations applied: {migrations}")
    print(
        f"seed corpus: {result.seeds_total} articles, {result.seeds_added} added "
        f"({result.seeds_total - result.seeds_added} already there); "
        f"{result.baseline_entities_added} baseline entities added"
    )
    if prefect_server is not None:
        from flows.prefect_server import PrefectServerError

        try:  # best effort: otherwise the first `run` creates Prefect's database
            prefect_server.wait_until_healthy(timeout_s=120)
        except PrefectServerError:
            pass
        finally:
            prefect_server.stop()
    return EXIT_OK


def _prepare_prefect_database(settings: Settings) -> Any:
    """Prefect's server started while the warehouse is created, so that its database (in
    PREFECT_HOME) is created and migrated now, not during the first `run` (about 10 s
    the first time). None when the user runs a Prefect server (PREFECT_API_URL)."""
    from flows.prefect_server import API_URL_ENV, RunServer

    if os.environ.get(API_URL_ENV) or "prefect" in sys.modules:
        return None
    from flows.child_env import secret_env_names
    from flows.progress import RUN_LOG, prefect_home_before_import

    home = prefect_home_before_import()
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        return RunServer(home / RUN_LOG, secret_names=secret_env_names(settings))
    except OSError:
        return None


def cmd_run(args: argparse.Namespace) -> int:
    settings = settings_for(args, require_feeds=True)  # fail fast, before Prefect starts
    if not settings.db_path.exists():
        raise WarehouseError(
            f"no warehouse at {settings.db_path}; create it first with "
            f"`mali-monitor init --db {settings.db_path}`",
            path=str(settings.db_path),
        )
    _check_warehouse_opens(settings)
    from flows.runners import check_task_runner

    check_task_runner(settings)  # [run] task_runner = "dask" without prefect-dask: exit 2
    from flows import progress

    started = time.monotonic()
    with progress.reporting(_reporter(args)):
        progress.update(stage="starting Prefect")
        server = _start_run_server(args, settings)
        from flows.ingest import ingest

        if server is not None:
            server.wait_until_healthy()
        summary = ingest(
            config_path=str(args.config) if args.config else None,
            db_path=str(settings.db_path),
            feed_urls=args.feed or None,
            deliver_alerts=not args.no_alerts,
        )
    print(run_summary(summary, time.monotonic() - started))
    return EXIT_OK


def _reporter(args: argparse.Namespace) -> Any:
    from flows import progress

    return progress.Reporter() if args.verbose else progress.ConsoleReporter()


def _start_run_server(args: argparse.Namespace, settings: Settings | None) -> Any:
    """Prefect's server for this run, started now so it boots while the flow's modules
    import (flows.prefect_server.RunServer); None when PREFECT_API_URL names the user's
    server, or Prefect is already imported (its settings are read: a test harness)."""
    from flows.prefect_server import API_URL_ENV, AUTH_ENV, RunServer

    if not args.own_process or os.environ.get(API_URL_ENV) or "prefect" in sys.modules:
        return None
    from flows.child_env import secret_env_names

    server = RunServer(getattr(args, "prefect_log", None),
                       secret_names=secret_env_names(settings))
    os.environ[API_URL_ENV] = server.api_url
    os.environ[AUTH_ENV] = server.auth_string  # read by Prefect's client when it is imported
    return server


def _check_warehouse_opens(settings: Settings) -> None:
    """Open and close the warehouse before starting Prefect, so a file held by another
    process (or unreadable) is one clear message, not a failed flow run's traceback."""
    from warehouse.connection import connect

    connect(settings.db_path, create=False, lock_wait_s=settings.warehouse.lock_wait_s).close()


def cmd_serve(args: argparse.Namespace) -> int:
    settings = settings_for(args, require_feeds=True)
    if not settings.db_path.exists():
        _initialise(settings)
        print(f"created the warehouse {settings.db_path} with the seed corpus")
    from flows.serve import serve_forever

    serve_forever(settings, args.config)
    return EXIT_OK


def cmd_trigger(args: argparse.Namespace) -> int:
    from flows.serve import trigger

    result = trigger(wait=args.wait, timeout_s=args.timeout)
    print(f"flow run {result.flow_run_id} ({result.state or 'submitted'}) on {result.api_url}")
    if args.wait:
        if result.summary:
            from flows.output import markdown_as_text

            print(markdown_as_text(result.summary))
        if result.state not in ("Completed",):
            return EXIT_FAILED
    return EXIT_OK


def cmd_gazetteer(args: argparse.Namespace) -> int:
    from flows.setup import import_gazetteer

    settings = settings_for(args, require_feeds=False)
    added, read = import_gazetteer(settings.db_path, Path(args.file))
    print(f"{read} populated places read from {args.file}, {added} new in {settings.db_path}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from flows import progress
    from flows.demo import main as demo_main

    with progress.reporting(_reporter(args)):
        # DemoError (a MonitorError): exit 2 with its message
        demo_main(args.dir, start_server=lambda: _start_run_server(args, None))
    return EXIT_OK

