"""SSRF policy: private, loopback and link-local targets are refused before any connection is
attempted, unless `[fetch] allowed_hosts` names the host or its network (ports play no part);
`allow_private_addresses = true` still opens everything."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from corpus import MOPTI_ATTACK
from feedsite import article_page, rss

from extractors.errors import FetchError
from extractors.fetching import HttpFetcher
from extractors.models import FetchSettings
from extractors.polling import FeedSource, FeedValidators, poll_feed
from flows.ingest import ingest
from flows.settings import ConfigError, load_settings

from .hostile_server import HostileServer, redirect, respond
from .support import assert_nothing_stored_twice, rows

RSS = "application/rss+xml; charset=utf-8"
SUMMARY = (
    "Armed men attacked a village in central Mali's Mopti region on Saturday, local "
    "officials said."
)

# --- every socket.connect of this process, while recording (a PEP 578 audit hook) -----------

_connects: list[Any] = []
_recording = threading.Event()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect" and _recording.is_set():
        _connects.append(args[1])


sys.addaudithook(_audit)  # cannot be removed; costs one comparison per audit event


@contextmanager
def recorded_connects() -> Iterator[list[Any]]:
    _connects.clear()
    _recording.set()
    try:
        yield _connects
    finally:
        _recording.clear()


def hosts(connects: list[Any]) -> set[str]:
    return {str(address[0]) for address in connects if isinstance(address, tuple)}


# --- the flow -----------------------------------------------------------------------------


@pytest.mark.usefixtures("prefect_harness")
def test_links_to_private_addresses_are_refused_without_a_connection(
    hostile: HostileServer, warehouse: Path, write_config
) -> None:
    """The feed is on 127.0.0.1, which `allowed_hosts` opens; its entries point elsewhere."""
    port = hostile.port
    ok = hostile.route("/e/ok", respond(200, article_page(*MOPTI_ATTACK)))
    to_metadata = hostile.route(
        "/e/to-metadata", redirect("http://169.254.169.254/latest/meta-data/iam")
    )
    refused = {
        "http://10.0.0.1/mali-report": "10.0.0.1",
        "http://169.254.169.254/latest/meta-data/": "169.254.169.254",
        f"http://[::1]:{port}/e/ok": "::1",
        f"http://0.0.0.0:{port}/e/ok": "0.0.0.0",  # on Linux this would reach our server
        "http://[::ffff:10.0.0.1]/mali": "::ffff:10.0.0.1",
    }
    items = [{"title": "Mali: " + MOPTI_ATTACK[0], "link": ok, "description": SUMMARY}]
    items += [
        {"title": f"Mali report {i}", "link": link, "description": f"{SUMMARY} ({i})"}
        for i, link in enumerate([*refused, to_metadata])
    ]
    feed = hostile.route("/ssrf.xml", respond(200, rss("SSRF", items), content_type=RSS))
    private_feed = "http://10.0.0.1/feed.xml"

    with recorded_connects() as connects:
        summary = ingest(str(write_config()), str(warehouse), [feed, private_feed])

    attempted = hosts(connects)
    assert "127.0.0.1" in attempted  # the hook saw the allowed fetches
    for address in [*refused.values(), "169.254.169.254", "10.0.0.1"]:
        assert address not in attempted
    assert [h.path for h in hostile.hits if h.path.startswith("/e/")].count("/e/ok") == 1

    errors = {
        url: (stage, error, status)
        for url, stage, error, status in rows(
            warehouse, "select url, stage, error, http_status from fetch_errors"
        )
    }
    for link, address in refused.items():
        stage, error, status = errors.pop(link)
        assert (stage, status) == ("page", None)
        assert error.startswith(f"refusing to fetch {link}: host ")
        assert f"resolves to {address}, a private, loopback or otherwise non-public address; " \
               "list the host or its network in `[fetch] allowed_hosts`" in error
    stage, error, _ = errors.pop(to_metadata)
    assert stage == "page" and error.startswith(
        "refusing to fetch http://169.254.169.254/latest/meta-data/iam (redirected from "
        f"{to_metadata}): host 169.254.169.254 resolves to 169.254.169.254"
    )
    stage, error, _ = errors.pop(private_feed)
    assert stage == "feed" and "resolves to 10.0.0.1" in error
    assert errors == {}

    origins = dict(rows(warehouse, "select url, text_origin from articles where not is_seed"))
    assert origins.pop(ok) == "page"
    assert set(origins.values()) == {"summary"}  # the refused links: their summaries
    assert set(origins) == {*refused, to_metadata}
    assert rows(warehouse, "select status, feeds_polled, errors from runs") == [
        ("completed", 2, 7)
    ]
    assert summary["errors"] == 7
    assert_nothing_stored_twice(warehouse)


# --- the fetcher and the settings -----------------------------------------------------------


def fetcher(**settings: Any) -> HttpFetcher:
    return HttpFetcher(FetchSettings(timeout_s=2, per_host_delay_s=0, **settings))


def test_localhost_is_refused_by_default_and_opened_by_name(hostile: HostileServer) -> None:
    hostile.route("/x", respond(200, "<html>Mali</html>"))
    url = f"http://localhost:{hostile.port}/x"

    with (
        recorded_connects() as connects,
        fetcher() as default,
        pytest.raises(FetchError, match="host localhost resolves to") as info,
    ):
        default.fetch(url)
    assert info.value.refused and info.value.permanent
    assert hosts(connects) == set() and hostile.count("/x") == 0

    with fetcher(allowed_hosts=("localhost",)) as by_name:
        assert by_name.fetch(url).status == 200
    assert hostile.count("/x") == 1


def test_networks_allow_every_port_and_nothing_outside(hostile: HostileServer) -> None:
    hostile.route("/x", respond(200, "<html>Mali</html>"))
    with HostileServer() as other:
        other.route("/y", respond(200, "<html>Mali</html>"))
        with fetcher(allowed_hosts=("127.0.0.0/8",)) as allowed:
            assert allowed.fetch(hostile.url("/x")).status == 200
            assert allowed.fetch(other.url("/y")).status == 200  # another port: same host
            with pytest.raises(FetchError, match="resolves to ::1"):
                allowed.fetch(f"http://[::1]:{hostile.port}/x")
            with pytest.raises(FetchError, match="resolves to 10.0.0.1"):
                allowed.fetch("http://10.0.0.1/")
    with fetcher(allow_private_addresses=True) as everything:
        assert everything.fetch(hostile.url("/x")).status == 200


def test_a_refused_feed_is_permanent_not_retried(hostile: HostileServer) -> None:
    with fetcher() as default:
        poll = poll_feed(FeedSource(hostile.url("/feed.xml")), FeedValidators(), default)
    assert poll.status == "failed" and not poll.retryable
    assert hostile.count("/feed.xml") == 0


def test_allowed_hosts_take_names_and_networks_not_ports(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[fetch]\nallowed_hosts = ["127.0.0.1", "10.1.0.0/16", "[::1]", "News.Intranet"]\n',
        encoding="utf-8",
    )
    settings = load_settings(config, feed_urls=["http://127.0.0.1/f"])
    assert settings.fetch_settings().allowed_hosts == (
        "127.0.0.1", "10.1.0.0/16", "::1", "news.intranet"
    )
    config.write_text('[fetch]\nallowed_hosts = ["127.0.0.1:8080"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="ports and URLs are not accepted"):
        load_settings(config, feed_urls=["http://127.0.0.1/f"])
