"""`mali-monitor alerts`: the outbox listing, and `alerts test --channel NAME`, which sends an
example digest through one registered channel (alerts.channels) as configured."""

from __future__ import annotations

import argparse

from alerts.channels import names as channel_names
from flows.cli_common import EXIT_OK, settings_for
from flows.cli_readers import print_listing


def add_test_action(alerts: argparse.ArgumentParser, *, epilog: str, config_help: str) -> None:
    """`alerts test`: its `--channel` choices are the registered channels."""
    alerts_sub = alerts.add_subparsers(dest="alerts_command", metavar="ACTION", required=False)
    alerts_test = alerts_sub.add_parser(
        "test",
        help="send a test alert through one channel",
        description="send an example digest (marked as a test) through one configured "
        "channel; the warehouse is not touched",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    alerts_test.add_argument("--channel", choices=channel_names(), required=True)
    # SUPPRESS: `alerts --config X test` keeps X (a default here would overwrite it)
    alerts_test.add_argument("--config", metavar="PATH", help=config_help,
                             default=argparse.SUPPRESS)


def cmd_alerts(args: argparse.Namespace) -> int:
    if args.alerts_command is None:  # `mali-monitor alerts [--status ...]`: the outbox
        from warehouse.listings import list_alerts

        return print_listing(args, list_alerts, status=args.status, limit=args.limit)
    from alerts.delivery import send_test_alert

    settings = settings_for(args, require_feeds=False)
    # DeliveryError: exit 2 with its message
    print(send_test_alert(args.channel, settings.alerts))
    return EXIT_OK
