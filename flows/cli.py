"""The `mali-monitor` command line: parses options and calls the same functions a Python
user would. User errors become one clear message and exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from extractors.errors import MonitorError
from flows.output import FORMAT_HELP, FORMATTERS, WIDTH_HELP, render, run_summary
from flows.prefect_server import PrefectServerError
from flows.settings import ConfigError, Settings, load_settings
from flows.since import SinceError
from warehouse.errors import WarehouseError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

DESCRIPTION = """\
Monitor news about the conflict in Mali: poll RSS/Atom feeds, keep clean articles in a
DuckDB warehouse, and flag actors and towns never seen before.

first steps:
  mali-monitor demo                      see everything work offline, nothing to configure
  mali-monitor init                      create mali-monitor.duckdb with the seed corpus
  mali-monitor run                       one ingest run on the configured feeds
  mali-monitor query "select title, source from articles order by fetched_at desc limit 10"
"""

COMMANDS: dict[str, tuple[str, str]] = {
    "init": (
        "create or migrate the warehouse and load the seed corpus (safe to re-run)",
        "examples:\n  mali-monitor init\n"
        "  mkdir -p ~/mali && mali-monitor init --db ~/mali/mali-monitor.duckdb   "
        "(the folder must exist)",
    ),
    "run": (
        "run one ingest now (a Prefect flow run) and print a summary",
        "examples:\n  mali-monitor run\n  mali-monitor run --config my.toml\n"
        "  mali-monitor run --feed https://www.rfi.fr/fr/afrique/rss --db /tmp/test.duckdb",
    ),
    "serve": (
        "serve the scheduled `ingest` deployment until Ctrl-C (starts a local Prefect server "
        "unless PREFECT_API_URL is set)",
        "examples:\n  mali-monitor serve\n  mali-monitor serve --config my.toml\n"
        "  PREFECT_API_URL=http://127.0.0.1:4200/api mali-monitor serve",
    ),
    "trigger": (
        "start a run of the served deployment now (what `serve` is serving)",
        "examples:\n  mali-monitor trigger\n  mali-monitor trigger --wait",
    ),
    "query": (
        "run one read-only SQL statement on the warehouse's read copy and print the result "
        "(sandboxed: no file, network or extension access)",
        "examples:\n  mali-monitor query \"select count(*) from articles where is_seed\"\n"
        "  mali-monitor query \"select * from runs order by started_at desc limit 5\" "
        "--format json\n"
        "  mali-monitor query --live \"select status, count(*) from alerts group by 1\"",
    ),
    "export": (
        "write the warehouse's tables as Parquet (or CSV) files for other engines: one file "
        "per table, articles partitioned by month; reads the read copy, never waits for a run",
        "examples:\n  mali-monitor export ~/mali/export\n"
        "  mali-monitor export /tmp/last-week --since 7d --format csv\n"
        "  duckdb -c \"select month, count(*) from read_parquet('export/articles/*/*.parquet', "
        "hive_partitioning=true) group by 1\"",
    ),
    "report": (
        "write one self-contained HTML page (opens offline, no scripts): a map of the towns "
        "named, a timeline, the new actors and towns with their first article, the most "
        "reprinted stories and the feeds' health; reads the read copy",
        "examples:\n  mali-monitor report --out report.html\n"
        "  mali-monitor report --since 7d --out ~/mali/last-week.html\n"
        "  mali-monitor report --since all --out all.html --db ~/mali/mali-monitor.duckdb",
    ),
    "gazetteer": (
        "towns: `gazetteer import FILE` adds a GeoNames country extract (ML.txt, NE.txt, "
        "BF.txt ... from https://download.geonames.org/export/dump/) so villages resolve with "
        "coordinates",
        "examples:\n  mali-monitor gazetteer import ML.txt\n"
        "  mali-monitor gazetteer import NE.txt --db ~/mali/mali-monitor.duckdb",
    ),
    "entities": (
        "list actors and towns, newest first: kind, first seen, where (source, title and the "
        "sentence of the first mention), region and coordinates of towns, mentions; reads "
        "the read copy",
        "examples:\n  mali-monitor entities --new --since 7d\n"
        "  mali-monitor entities --kind town --format csv > towns.csv\n"
        "  mali-monitor entities --new --kind actor --format json",
    ),
    "alerts": (
        "list the alerts outbox (status, channel, entity, attempts, last error); "
        "`alerts test` sends an example digest through email or Slack as configured, and "
        "prints success or the exact error",
        "examples:\n  mali-monitor alerts\n  mali-monitor alerts --status failed --since 2d\n"
        "  mali-monitor alerts test --channel email\n"
        "  MALI_MONITOR_SLACK_WEBHOOK=https://hooks.slack.com/services/... "
        "mali-monitor alerts test --channel slack --config my.toml",
    ),
    "feeds": (
        "feed health, failing feeds first: last poll and status, failures in a row, last "
        "error, until when a failing feed is backed off, articles stored; reads the read copy",
        "examples:\n  mali-monitor feeds\n  mali-monitor feeds --config my.toml --format json",
    ),
    "articles": (
        "list articles, newest first: published, fetched, source, title, URL, language, the "
        "original a copy duplicates; --search keeps those whose title or text has every word",
        "examples:\n  mali-monitor articles --since 1d\n"
        "  mali-monitor articles --search \"Katiba Macina\" --since 30d\n"
        "  mali-monitor articles --search Ménaka --format csv --width 0",
    ),
    "config": (
        "print the effective configuration, each value with where it came from (default, "
        "the file, an environment variable, the command line); secrets: only whether set",
        "examples:\n  mali-monitor config\n  mali-monitor config --config my.toml --format json\n"
        "  MALI_MONITOR_DB=/srv/mali.duckdb mali-monitor config",
    ),
    "demo": (
        "the whole pipeline offline in one command: invented news served on 127.0.0.1, "
        "duplicates, new actors and towns, email and Slack alerts to local stand-ins "
        "(a second run in the same folder sends nothing)",
        "examples:\n  mali-monitor demo\n  mali-monitor demo --dir /tmp/mali-demo",
    ),
}


VERBOSE_HELP = (
    "show Prefect's logs (by default they go to $PREFECT_HOME/mali-monitor-run.log and a "
    "progress line is shown instead)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mali-monitor",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mali-monitor {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str) -> argparse.ArgumentParser:
        help_text, epilog = COMMANDS[name]
        return sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    db_help = "warehouse file (default: $MALI_MONITOR_DB, else [warehouse] path of the config)"
    config_help = (
        "TOML configuration (default: $MALI_MONITOR_CONFIG, else ./mali-monitor.toml, "
        "else the bundled default)"
    )

    init = command("init")
    init.add_argument("--db", metavar="PATH", help=db_help)
    init.add_argument("--config", metavar="PATH", help=config_help)

    run = command("run")
    run.add_argument("--config", metavar="PATH", help=config_help)
    run.add_argument("--db", metavar="PATH", help=db_help)
    run.add_argument(
        "--feed",
        metavar="URL",
        action="append",
        default=[],
        help="poll this feed instead of the configured ones (repeatable)",
    )
    run.add_argument(
        "--no-alerts",
        action="store_true",
        help="store new entities and queue their alerts, but send nothing this run",
    )
    run.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)

    serve = command("serve")
    serve.add_argument("--config", metavar="PATH", help=config_help)
    serve.add_argument("--db", metavar="PATH", help=db_help)

    trigger = command("trigger")
    trigger.add_argument(
        "--wait", action="store_true", help="wait for the run to finish and print its summary"
    )
    trigger.add_argument(
        "--timeout", metavar="SECONDS", type=float, default=None,
        help="with --wait: stop waiting after this long (the run goes on)",
    )

    query = command("query")
    query.add_argument("sql", metavar="SQL", help="one SQL statement")
    query.add_argument("--db", metavar="PATH", help=db_help)
    query.add_argument("--config", metavar="PATH", help=config_help)
    query.add_argument(
        "--format", choices=sorted(FORMATTERS), default="table", help=FORMAT_HELP,
    )
    query.add_argument("--width", metavar="N", type=_width, default=None, help=WIDTH_HELP)
    query.add_argument(
        "--live", action="store_true",
        help="read the warehouse itself, waiting for a running ingest, instead of its read "
        "copy (published after every run)",
    )

    export = command("export")
    export.add_argument("dir", metavar="DIR", help="folder to write (created; tables in it "
                        "are replaced, each at once)")
    export.add_argument("--format", choices=["parquet", "csv"], default="parquet",
                        help="parquet (default) or csv")
    export.add_argument("--since", metavar="WHEN", default=None,
                        help="only rows from this span or date on: 30d, 12h, 2026-11-01")
    export.add_argument("--live", action="store_true",
                        help="read the warehouse itself (waiting for a run) instead of its "
                        "read copy")
    export.add_argument("--db", metavar="PATH", help=db_help)
    export.add_argument("--config", metavar="PATH", help=config_help)

    report = command("report")
    report.add_argument("--out", metavar="FILE", required=True,
                        help="the HTML file to write (replaced at once)")
    report.add_argument("--since", metavar="WHEN", default="30d",
                        help="what was stored from this span or date on (default 30d): 7d, "
                        "12h, 2026-11-01, or `all`")
    report.add_argument("--live", action="store_true",
                        help="read the warehouse itself (waiting for a run) instead of its "
                        "read copy")
    report.add_argument("--db", metavar="PATH", help=db_help)
    report.add_argument("--config", metavar="PATH", help=config_help)

    def listing_options(parser: argparse.ArgumentParser, *, since: str | None) -> None:
        if since:
            parser.add_argument("--since", metavar="WHEN", default=None, help=since)
        parser.add_argument(
            "--format", choices=sorted(FORMATTERS), default="table", help=FORMAT_HELP
        )
        parser.add_argument("--width", metavar="N", type=_width, default=None, help=WIDTH_HELP)
        parser.add_argument("--live", action="store_true",
                            help="read the warehouse itself (waiting for a run) instead of its "
                            "read copy")
        parser.add_argument("--db", metavar="PATH", help=db_help)
        parser.add_argument("--config", metavar="PATH", help=config_help)

    since_help = "only those {} from this span or date on: 7d, 12h, 2026-11-01 (UTC)"
    entities = command("entities")
    entities.add_argument("--new", action="store_true",
                          help="only entities not in the seed baseline (those alerted on)")
    entities.add_argument("--kind", choices=["actor", "town"], default=None,
                          help="only actors, or only towns")
    entities.add_argument("--limit", metavar="N", type=int, default=0,
                          help="at most N rows, newest first (0, the default: all)")
    listing_options(entities, since=since_help.format("first seen"))

    feeds = command("feeds")
    listing_options(feeds, since=None)

    articles = command("articles")
    articles.add_argument(
        "--search", metavar="WORDS", default=None,
        help="only articles whose title or text contains every word, case-insensitively "
        "(quote several words: --search \"Katiba Macina\")",
    )
    articles.add_argument("--limit", metavar="N", type=int, default=0,
                          help="at most N rows, newest first (0, the default: all)")
    listing_options(articles, since=since_help.format("fetched"))

    config = command("config")
    config.add_argument("--config", metavar="PATH", help=config_help)
    config.add_argument("--db", metavar="PATH", help=db_help)
    config.add_argument("--format", choices=["toml", "json"], default="toml",
                        help="toml (default: a valid configuration file, each value's origin "
                        "in a comment) or json ({key: {value, from}})")

    alerts = command("alerts")
    alerts.add_argument("--status", choices=["pending", "sent", "failed"], default=None,
                        help="only alerts with this status")
    alerts.add_argument("--limit", metavar="N", type=int, default=0,
                        help="at most N rows, newest first (0, the default: all)")
    listing_options(alerts, since=since_help.format("created"))
    alerts_sub = alerts.add_subparsers(dest="alerts_command", metavar="ACTION", required=False)
    alerts_test = alerts_sub.add_parser(
        "test",
        help="send a test alert through one channel",
        description="send an example digest (marked as a test) through one configured "
        "channel; the warehouse is not touched",
        epilog=COMMANDS["alerts"][1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    alerts_test.add_argument("--channel", choices=["email", "slack"], required=True)
    # SUPPRESS: `alerts --config X test` keeps X (a default here would overwrite it)
    alerts_test.add_argument("--config", metavar="PATH", help=config_help,
                             default=argparse.SUPPRESS)

    gazetteer = command("gazetteer")
    gazetteer_sub = gazetteer.add_subparsers(
        dest="gazetteer_command", metavar="ACTION", required=True
    )
    gazetteer_import = gazetteer_sub.add_parser(
        "import",
        help="load the populated places (feature class P) of a GeoNames extract",
        description="load the populated places (feature class P) of a GeoNames country "
        "extract into the warehouse; safe to re-run",
        epilog=COMMANDS["gazetteer"][1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gazetteer_import.add_argument("file", metavar="FILE", help="a GeoNames extract (.txt)")
    gazetteer_import.add_argument("--db", metavar="PATH", help=db_help)
    gazetteer_import.add_argument("--config", metavar="PATH", help=config_help)

    demo = command("demo")
    demo.add_argument(
        "--dir", metavar="DIR", default=None,
        help="folder for the demo's configuration and warehouse, created or reused "
        "(default: ./mali-monitor-demo)",
    )
    demo.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mali-monitor")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "(not installed)"


def _width(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a width: give a number of characters, or 0 to cut nothing"
        )
    return value


def _check_feed_urls(urls: Sequence[str]) -> None:
    """`--feed` values checked as feeds are, and blamed on `--feed` (not on the file)."""
    from pydantic import ValidationError

    from flows.settings import FeedSection

    for url in urls:
        try:
            FeedSection(url=url)
        except ValidationError:
            raise ConfigError(
                f"--feed {url!r} is not a valid feed address: give an http:// or https:// URL"
            ) from None


def _settings(args: argparse.Namespace, *, require_feeds: bool) -> Settings:
    _check_feed_urls(getattr(args, "feed", None) or [])
    return load_settings(
        getattr(args, "config", None),
        feed_urls=getattr(args, "feed", None) or None,
        db_path=getattr(args, "db", None),
        require_feeds=require_feeds,
    )


def _initialise(settings: Settings) -> Any:
    from flows.setup import initialise

    return initialise(
        settings.db_path,
        settings.dedup_settings(),
        alias_file=settings.alias_file(),
        extract_entities=settings.entities.enabled,
    )


def cmd_init(args: argparse.Namespace) -> int:
    settings = _settings(args, require_feeds=False)
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
    settings = _settings(args, require_feeds=True)  # fail fast, before Prefect starts
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
    settings = _settings(args, require_feeds=True)
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


def cmd_query(args: argparse.Namespace) -> int:
    from warehouse.query import run_query

    settings = _settings(args, require_feeds=False)
    source = settings.db_path if args.live else _read_copy_or_warehouse(settings.db_path)
    result = run_query(source, args.sql, lock_wait_s=settings.warehouse.lock_wait_s)
    if result.columns:
        print(render(args.format, result.columns, result.rows, width=args.width))
    return EXIT_OK


# Table caps per column of the listings (without --width); csv and json are never cut.
LISTING_LIMITS: dict[str, int] = {
    "name": 32, "region": 16, "evidence": 60, "entity": 32, "last_error": 50, "source": 20,
    "article": 40, "alert_id": 24, "url": 60, "title": 60, "duplicate_of": 40,
    "article_id": 20,
}


def _listing(
    args: argparse.Namespace, query: Any, *, feed_names: bool = False, **options: Any
) -> int:
    """Run one listing of warehouse/listings.py on the read copy (`--live`: the warehouse)
    and print it in `--format`; `feed_names`: pass the configured feeds' names."""
    from warehouse.listings import read_listing

    settings = _settings(args, require_feeds=False)
    if getattr(args, "since", None):
        from flows.since import parse_since

        options["since"] = parse_since(args.since)
    source = settings.db_path if args.live else _read_copy_or_warehouse(settings.db_path)
    if feed_names:
        options["names"] = {f.url: f.name for f in settings.feeds}
    listing = read_listing(source, query, lock_wait_s=settings.warehouse.lock_wait_s, **options)
    print(render(args.format, listing.columns, listing.rows, width=args.width,
                 limits=LISTING_LIMITS, short_times=True))
    return EXIT_OK


def cmd_entities(args: argparse.Namespace) -> int:
    from warehouse.listings import list_entities

    return _listing(args, list_entities, new_only=args.new, kind=args.kind, limit=args.limit)


def cmd_feeds(args: argparse.Namespace) -> int:
    from warehouse.listings import list_feeds

    return _listing(args, list_feeds, feed_names=True)


def cmd_articles(args: argparse.Namespace) -> int:
    from warehouse.listings import list_articles

    words = (args.search or "").split()
    return _listing(args, list_articles, words=words, limit=args.limit)


def cmd_config(args: argparse.Namespace) -> int:
    from flows.effective_config import FORMATS, effective_config

    print(FORMATS[args.format](effective_config(args.config, db_path=args.db)))
    return EXIT_OK


def _read_copy_or_warehouse(db_path: Path) -> Path:
    """The read copy, which no run ever holds; a note on stderr when the warehouse changed
    after it was published. Without a copy (a warehouse from before copies were published),
    the warehouse itself, as `--live`."""
    from warehouse.publish import freshness, read_copy_path

    state = freshness(db_path)
    if state is None:
        if db_path.exists():
            print(
                f"note: no read copy beside {db_path} yet (the next run or `mali-monitor "
                f"init` publishes one); reading the warehouse itself",
                file=sys.stderr,
            )
        return db_path
    if state.is_stale and state.warehouse_changed_at is not None:
        print(
            f"note: read copy of {state.published_at:%Y-%m-%d %H:%M:%S} UTC; the warehouse "
            f"changed at {state.warehouse_changed_at:%H:%M:%S} UTC (a run is writing, or "
            f"its publish failed); `--live` reads the warehouse itself",
            file=sys.stderr,
        )
    return read_copy_path(db_path)


def cmd_export(args: argparse.Namespace) -> int:
    from flows.since import parse_since
    from warehouse.export import export_tables

    settings = _settings(args, require_feeds=False)
    since = parse_since(args.since) if args.since else None
    source = settings.db_path if args.live else _read_copy_or_warehouse(settings.db_path)
    done = export_tables(
        source, args.dir, fmt=args.format, since=since,
        lock_wait_s=settings.warehouse.lock_wait_s,
    )
    for table in done.tables:
        print(f"{table.rows:>9} rows  {table.path}")
    print(f"exported {len(done.tables)} tables to {done.folder} in {done.seconds:.1f} s")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from flows.report import write_report
    from flows.since import parse_since

    settings = _settings(args, require_feeds=False)
    since = None if args.since.strip().lower() == "all" else parse_since(args.since)
    source = settings.db_path if args.live else _read_copy_or_warehouse(settings.db_path)
    done = write_report(
        source, args.out, since=since, period_label=None if since is None else args.since,
        feed_names={f.url: f.name for f in settings.feeds if f.name},
        lock_wait_s=settings.warehouse.lock_wait_s,
    )
    t = done.data.totals
    print(f"report written to {done.path} ({done.size // 1024} KB): {t.articles} articles, "
          f"{t.new_actors} new actors, {t.new_towns} new towns")
    return EXIT_OK


def cmd_alerts(args: argparse.Namespace) -> int:
    if args.alerts_command is None:  # `mali-monitor alerts [--status ...]`: the outbox
        from warehouse.listings import list_alerts

        return _listing(args, list_alerts, status=args.status, limit=args.limit)
    from alerts.delivery import send_test_alert

    settings = _settings(args, require_feeds=False)
    print(send_test_alert(args.channel, settings))  # DeliveryError: exit 2 with its message
    return EXIT_OK


def cmd_gazetteer(args: argparse.Namespace) -> int:
    from flows.setup import import_gazetteer

    settings = _settings(args, require_feeds=False)
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


HANDLERS = {
    "init": cmd_init,
    "run": cmd_run,
    "serve": cmd_serve,
    "trigger": cmd_trigger,
    "query": cmd_query,
    "export": cmd_export,
    "report": cmd_report,
    "alerts": cmd_alerts,
    "entities": cmd_entities,
    "feeds": cmd_feeds,
    "articles": cmd_articles,
    "config": cmd_config,
    "gazetteer": cmd_gazetteer,
    "demo": cmd_demo,
}


PRIVATE_UMASK = 0o077


def _private_files() -> None:
    """Every file this process and its children create (warehouse and its WAL, read copy,
    exports, Prefect's database and logs) is readable by the user alone."""
    os.umask(os.umask(PRIVATE_UMASK) | PRIVATE_UMASK)


def _quiet_prefect(args: argparse.Namespace) -> None:
    """Before Prefect is imported: no telemetry unless the user asked for it, and for
    `run` and `demo` without --verbose, Prefect's logs in a file (flows.progress)."""
    from flows.prefect_server import ANALYTICS_ENV

    os.environ.setdefault(ANALYTICS_ENV, "false")
    args.prefect_log = None
    if args.own_process and args.command in ("run", "demo") and not args.verbose \
            and "prefect" not in sys.modules:
        from flows.progress import log_to_file

        args.prefect_log = log_to_file()


def main(argv: Sequence[str] | None = None, *, own_process: bool | None = None) -> int:
    """The command line. `own_process` (default: when `argv` is None, i.e. the
    `mali-monitor` command itself): the process is this command's, so Prefect's logging,
    its server and environment variables may be set up for it; a caller passing `argv`
    (tests, a Python user) keeps its Prefect setup and environment."""
    args = build_parser().parse_args(argv)
    args.own_process = argv is None if own_process is None else own_process
    _private_files()
    try:
        _quiet_prefect(args)
        return HANDLERS[args.command](args)
    except (ConfigError, WarehouseError, MonitorError, PrefectServerError, SinceError) as e:
        where = getattr(args, "prefect_log", None)
        more = f" (Prefect's log: {where})" if where and "prefect" in sys.modules else ""
        print(f"mali-monitor {args.command}: error: {e}{more}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"mali-monitor {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


