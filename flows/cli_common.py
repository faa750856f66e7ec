"""What the commands of `mali-monitor` share: exit codes, and the settings a command's
options select (`--config`, `--db`, `--feed`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from flows.settings import ConfigError, Settings, load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def check_feed_urls(urls: Sequence[str]) -> None:
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


def settings_for(args: argparse.Namespace, *, require_feeds: bool) -> Settings:
    check_feed_urls(getattr(args, "feed", None) or [])
    return load_settings(
        getattr(args, "config", None),
        feed_urls=getattr(args, "feed", None) or None,
        db_path=getattr(args, "db", None),
        require_feeds=require_feeds,
    )

