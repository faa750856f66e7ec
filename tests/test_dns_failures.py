"""A host name that does not resolve (no such host, or no DNS at all when offline) is not
retried within a run: seconds later it would fail the same way. The next run tries again.
The resolver is replaced in these tests, so no DNS query leaves the machine."""

from __future__ import annotations

import socket
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from extractors.fetching import HttpFetcher
from extractors.models import FetchSettings
from extractors.polling import FeedSource, FeedValidators, poll_feed
from flows.ingest import ingest
from flows.setup import initialise

NOWHERE = "feeds.nowhere.test"


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """getaddrinfo that knows no NOWHERE (EAI_NONAME) and counts the lookups of it."""
    counted: Counter[str] = Counter()
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == NOWHERE:
            counted[host] += 1
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return counted


@pytest.mark.parametrize("allow_private", [False, True])
def test_an_unresolvable_feed_fails_once_and_is_not_marked_for_a_retry(
    lookups: Counter[str], allow_private: bool
) -> None:
    # with private addresses refused the name is resolved before connecting; allowed, the
    # connection itself resolves it: both paths say so
    settings = FetchSettings(allow_private_addresses=allow_private, timeout_s=5)
    with HttpFetcher(settings) as fetcher:
        poll = poll_feed(FeedSource(f"http://{NOWHERE}/rss"), FeedValidators(), fetcher)
    assert poll.status == "failed"
    assert not poll.retryable
    assert NOWHERE in (poll.error or "")
    assert lookups[NOWHERE] >= 1


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_does_not_retry_an_unresolvable_feed(
    lookups: Counter[str], db_path: Path, tmp_path: Path
) -> None:
    initialise(db_path)
    config = tmp_path / "mali-monitor.toml"
    config.write_text("[fetch]\nretries = 3\nretry_delay_s = 0\n", encoding="utf-8")
    summary = ingest(str(config), str(db_path), [f"http://{NOWHERE}/rss"])
    assert summary.errors == 1
    assert lookups[NOWHERE] == 1  # polled once, not 1 + 3 retries
