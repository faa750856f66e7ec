"""The `mali-monitor` command line: parses options and calls the same functions a Python
user would. User errors become one clear message and exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from extractors.errors import MonitorError
from flows.cli_alerts import add_test_action, cmd_alerts
from flows.cli_common import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from flows.cli_readers import (
    cmd_articles,
    cmd_config,
    cmd_entities,
    cmd_export,
    cmd_feeds,
    cmd_query,
    cmd_report,
)
from flows.cli_run import cmd_demo, cmd_gazetteer, cmd_init, cmd_run, cmd_serve, cmd_trigger
from flows.output import FORMAT_HELP, FORMATTERS, WIDTH_HELP
from flows.prefect_server import PrefectServerError
from flows.settings import ConfigError
from flows.since import SinceError
from warehouse.errors import WarehouseError

__all__ = ["COMMANDS", "EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

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
    add_test_action(alerts, epilog=COMMANDS["alerts"][1], config_help=config_help)

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

