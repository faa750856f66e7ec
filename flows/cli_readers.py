"""The commands that read the warehouse: `query`, the listings (`entities`, `feeds`,
`articles`, and the outbox for `alerts`), `export`, `report`, and `config`. They read the
read copy published after every run (`--live`: the warehouse itself)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from flows.cli_common import EXIT_OK, settings_for
from flows.output import render


def cmd_query(args: argparse.Namespace) -> int:
    from warehouse.query import run_query

    settings = settings_for(args, require_feeds=False)
    source = settings.db_path if args.live else read_copy_or_warehouse(settings.db_path)
    result = run_query(source, args.sql, lock_wait_s=settings.warehouse.lock_wait_s)
    if result.columns:
        print(render(args.format, result.columns, result.rows, width=args.width))
    return EXIT_OK


# Table caps per column of the listings (without --width); csv and json are never cut.
LISTING_LIMITS: dict[str, int] = {
    "name": 32, "region": 16, "evidence": 60, "entity": 32, "last_error": 50, "source": 20,
    "article": 40, "alert_id": 24, "url": 60, "title": 60, "duplicate_of": 40,
    "article_id": 20, "why": 24,
}


def print_listing(
    args: argparse.Namespace, query: Any, *, feed_names: bool = False, **options: Any
) -> int:
    """Run one listing of warehouse/listings.py on the read copy (`--live`: the warehouse)
    and print it in `--format`; `feed_names`: pass the configured feeds' names."""
    from warehouse.listings import read_listing

    settings = settings_for(args, require_feeds=False)
    if getattr(args, "since", None):
        from flows.since import parse_since

        options["since"] = parse_since(args.since)
    source = settings.db_path if args.live else read_copy_or_warehouse(settings.db_path)
    if feed_names:
        options["names"] = {f.url: f.name for f in settings.feeds}
    listing = read_listing(source, query, lock_wait_s=settings.warehouse.lock_wait_s, **options)
    print(render(args.format, listing.columns, listing.rows, width=args.width,
                 limits=LISTING_LIMITS, short_times=True))
    return EXIT_OK


def cmd_entities(args: argparse.Namespace) -> int:
    from warehouse.listings import list_entities

    return print_listing(args, list_entities, new_only=args.new, kind=args.kind, limit=args.limit)


def cmd_feeds(args: argparse.Namespace) -> int:
    from warehouse.listings import list_feeds

    return print_listing(args, list_feeds, feed_names=True)


def cmd_articles(args: argparse.Namespace) -> int:
    from warehouse.listings import list_articles

    words = (args.search or "").split()
    return print_listing(args, list_articles, words=words, limit=args.limit)


def cmd_config(args: argparse.Namespace) -> int:
    from flows.effective_config import FORMATS, effective_config

    print(FORMATS[args.format](effective_config(args.config, db_path=args.db)))
    return EXIT_OK


def read_copy_or_warehouse(db_path: Path) -> Path:
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

    settings = settings_for(args, require_feeds=False)
    since = parse_since(args.since) if args.since else None
    source = settings.db_path if args.live else read_copy_or_warehouse(settings.db_path)
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

    settings = settings_for(args, require_feeds=False)
    since = None if args.since.strip().lower() == "all" else parse_since(args.since)
    source = settings.db_path if args.live else read_copy_or_warehouse(settings.db_path)
    done = write_report(
        source, args.out, since=since, period_label=None if since is None else args.since,
        feed_names={f.url: f.name for f in settings.feeds if f.name},
        lock_wait_s=settings.warehouse.lock_wait_s,
    )
    t = done.data.totals
    print(f"report written to {done.path} ({done.size // 1024} KB): {t.articles} articles, "
          f"{t.new_actors} new actors, {t.new_towns} new towns")
    return EXIT_OK

