"""SSRF policy: private, loopback and link-local targets are refused before any connection is
attempted, unless `[fetch] allowed_hosts` lists the address or its network (on the URL's port,
when the entry carries one); a listed host *name* passes the URL check but the address it
connects to must still be public or listed (DNS rebinding); `allow_private_addresses = true`
still opens everything.

Only 127.0.0.1 is ever connected to: a name "resolving to a private address" is a made-up
name that the test's getaddrinfo maps to 127.0.0.1 (no DNS query leaves the box)."""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from corpus import MOPTI_ATTACK
from feedsite import article_page, rss

from extractors import address_policy
from extractors.errors import FetchError
from extractors.fetching import HttpFetcher, parse_allowed_host
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


def ports(connects: list[Any]) -> set[int]:
    return {int(address[1]) for address in connects if isinstance(address, tuple)}


# --- made-up names mapped to 127.0.0.1 ------------------------------------------------------

INTRANET = "intranet.test"  # stands for a listed intranet host on a private address
PUBLIC_IP = "93.184.216.34"  # what a rebinding name answers at the check; never connected to


@pytest.fixture
def intranet_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """INTRANET resolves to 127.0.0.1, for the check and for the connection alike."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == INTRANET else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def rebind(monkeypatch: pytest.MonkeyPatch, name: str = INTRANET) -> None:
    """`name` answers a public address to the pre-connection check, then the connection lands
    on 127.0.0.1 (with `intranet_dns`; DNS rebinding): only the peer check can catch it."""
    real: Callable[[str, int], list[str]] = address_policy.resolve_host
    monkeypatch.setattr(
        address_policy,
        "resolve_host",
        lambda host, port: [PUBLIC_IP] if host == name else real(host, port),
    )


# --- the flow -----------------------------------------------------------------------------


@pytest.mark.usefixtures("prefect_harness", "intranet_dns")
def test_links_to_private_addresses_are_refused_without_a_connection(
    hostile: HostileServer, warehouse: Path, write_config
) -> None:
    """The feed is on 127.0.0.1:port, which `allowed_hosts` opens (that port only); its
    entries point elsewhere: private addresses, 127.0.0.1 on another port, and a host listed
    by name whose address is not listed."""
    port = hostile.port
    other = HostileServer().start()
    other.route("/e/ok", respond(200, article_page(*MOPTI_ATTACK)))
    other_port = other.port
    other_port_link = f"http://127.0.0.1:{other_port}/e/ok"
    listed_name_link = f"http://{INTRANET}:{other_port}/e/ok"
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
        for i, link in enumerate([*refused, to_metadata, other_port_link, listed_name_link])
    ]
    feed = hostile.route("/ssrf.xml", respond(200, rss("SSRF", items), content_type=RSS))
    private_feed = "http://10.0.0.1/feed.xml"

    config = write_config(fetch={"allowed_hosts": [f"127.0.0.1:{port}", INTRANET]})
    try:
        with recorded_connects() as connects:
            summary = ingest(str(config), str(warehouse), [feed, private_feed])
    finally:
        other.stop()

    attempted = hosts(connects)
    assert "127.0.0.1" in attempted  # the hook saw the allowed fetches
    for address in [*refused.values(), "169.254.169.254", "10.0.0.1"]:
        assert address not in attempted
    assert other_port not in ports(connects) and other.hits == []
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
               "list the address or its network in `[fetch] allowed_hosts`" in error
    stage, error, _ = errors.pop(other_port_link)
    assert stage == "page" and error == (
        f"refusing to fetch {other_port_link}: host 127.0.0.1 resolves to 127.0.0.1, a private, "
        "loopback or otherwise non-public address; list the address or its network in "
        f'`[fetch] allowed_hosts` (allowed_hosts = ["127.0.0.1"], or "127.0.0.1:{other_port}" '
        f"for port {other_port} only), or set `[fetch] allow_private_addresses = true`, to "
        "allow it"
    )
    stage, error, _ = errors.pop(listed_name_link)
    assert stage == "page" and error == (
        f"refusing to fetch {listed_name_link}: listed host name {INTRANET} resolved to private "
        f'address 127.0.0.1; list the address too: allowed_hosts = ["{INTRANET}", "127.0.0.1"]'
    )
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
    assert set(origins) == {*refused, to_metadata, other_port_link, listed_name_link}
    assert rows(warehouse, "select status, feeds_polled, errors from runs") == [
        ("completed", 2, 9)
    ]
    assert summary.errors == 9
    assert_nothing_stored_twice(warehouse)


# --- the fetcher and the settings -----------------------------------------------------------


def fetcher(**settings: Any) -> HttpFetcher:
    return HttpFetcher(FetchSettings(timeout_s=2, per_host_delay_s=0, **settings))


def test_localhost_is_refused_by_default_and_opened_by_its_address(
    hostile: HostileServer,
) -> None:
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

    with (
        recorded_connects() as connects,
        fetcher(allowed_hosts=("localhost",)) as by_name_only,
        pytest.raises(FetchError, match="listed host name localhost resolved to private") as info,
    ):
        by_name_only.fetch(url)
    assert info.value.refused and hosts(connects) == set() and hostile.count("/x") == 0

    with fetcher(allowed_hosts=("localhost", "127.0.0.1")) as by_address:
        assert by_address.fetch(url).status == 200
    assert hostile.count("/x") == 1


@pytest.mark.usefixtures("intranet_dns")
def test_a_listed_name_alone_does_not_open_its_private_address(hostile: HostileServer) -> None:
    """The name passes, the address it resolves to does not: refused before connecting, with
    the entry to add."""
    hostile.route("/x", respond(200, "<html>Mali</html>"))
    url = f"http://{INTRANET}:{hostile.port}/x"

    with (
        recorded_connects() as connects,
        fetcher(allowed_hosts=(INTRANET,)) as name_only,
        pytest.raises(FetchError) as info,
    ):
        name_only.fetch(url)
    assert str(info.value) == (
        f"refusing to fetch {url}: listed host name {INTRANET} resolved to private address "
        f'127.0.0.1; list the address too: allowed_hosts = ["{INTRANET}", "127.0.0.1"]'
    )
    assert info.value.refused and info.value.permanent
    assert connects == [] and hostile.count("/x") == 0

    # a name entry with a port: the suggested address entry carries the same port
    with (
        fetcher(allowed_hosts=(f"{INTRANET}:{hostile.port}",)) as name_on_port,
        pytest.raises(FetchError, match="list the address too") as info,
    ):
        name_on_port.fetch(url)
    assert (
        f'allowed_hosts = ["{INTRANET}:{hostile.port}", "127.0.0.1:{hostile.port}"]'
        in str(info.value)
    )

    for entries in [
        (INTRANET, "127.0.0.1"),
        (INTRANET, "127.0.0.0/8"),
        (f"{INTRANET}:{hostile.port}", f"127.0.0.1:{hostile.port}"),
        (f"127.0.0.1:{hostile.port}",),  # the address is what opens; the name adds nothing
    ]:
        with fetcher(allowed_hosts=entries) as listed:
            assert listed.fetch(url).status == 200, entries
    assert hostile.count("/x") == 4


@pytest.mark.usefixtures("intranet_dns")
def test_a_listed_name_rebound_to_a_private_address_is_refused_at_connect(
    hostile: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check before connecting sees a public address; the socket connects to 127.0.0.1.
    The listed name does not excuse the peer: refused before any request is sent."""
    rebind(monkeypatch)
    hostile.route("/x", respond(200, "<html>Mali</html>"))
    url = f"http://{INTRANET}:{hostile.port}/x"

    with (
        recorded_connects() as connects,
        fetcher(allowed_hosts=(INTRANET,)) as name_only,
        pytest.raises(FetchError) as info,
    ):
        name_only.fetch(url)
    assert str(info.value) == (
        f"refusing to fetch from {INTRANET}: listed host name {INTRANET} resolved to private "
        f'address 127.0.0.1; list the address too: allowed_hosts = ["{INTRANET}", "127.0.0.1"] '
        f"(while fetching {url})"
    )
    assert info.value.refused
    assert ("127.0.0.1", hostile.port) in connects  # it did connect: the peer check refused
    assert hostile.count("/x") == 0  # ... before the request was sent

    with (
        fetcher(allowed_hosts=("other.test",)) as unlisted,  # not listed: the generic refusal
        pytest.raises(FetchError, match="it connected to 127.0.0.1, a private") as info,
    ):
        unlisted.fetch(url)
    assert f'"127.0.0.1:{hostile.port}" for port {hostile.port} only' in str(info.value)
    assert hostile.count("/x") == 0

    with fetcher(allowed_hosts=(INTRANET, "127.0.0.1")) as with_address:
        assert with_address.fetch(url).status == 200
    with (
        fetcher(allowed_hosts=(f"127.0.0.1:{hostile.port + 1}",)) as other_port,
        pytest.raises(FetchError, match="it connected to 127.0.0.1"),
    ):
        other_port.fetch(url)
    with fetcher(allowed_hosts=(INTRANET,), allow_private_addresses=True) as everything:
        assert everything.fetch(url).status == 200
    assert hostile.count("/x") == 2


def test_an_address_with_a_port_opens_that_port_only(hostile: HostileServer) -> None:
    hostile.route("/x", respond(200, "<html>Mali</html>"))
    with HostileServer() as other:
        other.route("/y", respond(200, "<html>Mali</html>"))
        with (
            recorded_connects() as connects,
            fetcher(allowed_hosts=(f"127.0.0.1:{hostile.port}",)) as one_port,
        ):
            assert one_port.fetch(hostile.url("/x")).status == 200
            with pytest.raises(FetchError) as info:
                one_port.fetch(other.url("/y"))
        assert info.value.refused
        assert str(info.value).startswith(
            f"refusing to fetch {other.url('/y')}: host 127.0.0.1 resolves to 127.0.0.1, a "
            "private, loopback or otherwise non-public address; list the address or its "
            f'network in `[fetch] allowed_hosts` (allowed_hosts = ["127.0.0.1"], or '
            f'"127.0.0.1:{other.port}" for port {other.port} only)'
        )
        assert other.port not in ports(connects) and other.hits == []

        # a network with a port, and the default port of the scheme when the URL has none
        with fetcher(allowed_hosts=(f"127.0.0.0/8:{other.port}",)) as network_port:
            assert network_port.fetch(other.url("/y")).status == 200
            with pytest.raises(FetchError, match="resolves to 127.0.0.1"):
                network_port.fetch(hostile.url("/x"))
        with (
            fetcher(allowed_hosts=("127.0.0.1:80",)) as port_80,
            pytest.raises(FetchError, match='"127.0.0.1:443" for port 443 only'),
        ):
            port_80.fetch("https://127.0.0.1/x")
        assert other.count("/y") == 1
    assert hostile.count("/x") == 1


def test_a_redirect_to_a_port_not_listed_is_refused(hostile: HostileServer) -> None:
    with HostileServer() as other:
        other.route("/y", respond(200, "<html>Mali</html>"))
        start = hostile.route("/go", redirect(other.url("/y")))
        with (
            recorded_connects() as connects,
            fetcher(allowed_hosts=(f"127.0.0.1:{hostile.port}",)) as one_port,
            pytest.raises(FetchError) as info,
        ):
            one_port.fetch(start)
        assert str(info.value).startswith(
            f"refusing to fetch {other.url('/y')} (redirected from {start}): host 127.0.0.1 "
            "resolves to 127.0.0.1"
        )
        assert other.port not in ports(connects) and other.hits == []
        both_ports = (f"127.0.0.1:{hostile.port}", f"127.0.0.1:{other.port}")
        with fetcher(allowed_hosts=both_ports) as both:
            assert both.fetch(start).final_url == other.url("/y")
        assert other.count("/y") == 1


@pytest.mark.usefixtures("intranet_dns")
def test_the_connected_peer_is_checked_on_every_redirect_hop(
    hostile: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hop 1 is an allowed address; hop 2 names a host that passes the check made before
    connecting (a public answer) but connects to 127.0.0.1 on a port not listed."""
    rebind(monkeypatch)
    with HostileServer() as other:
        other.route("/y", respond(200, "<html>Mali</html>"))
        start = hostile.route("/go", redirect(f"http://{INTRANET}:{other.port}/y"))
        with (
            fetcher(allowed_hosts=(f"127.0.0.1:{hostile.port}", INTRANET)) as one_port,
            pytest.raises(FetchError) as info,
        ):
            one_port.fetch(start)
        assert str(info.value) == (
            f"refusing to fetch from {INTRANET}: listed host name {INTRANET} resolved to "
            f'private address 127.0.0.1; list the address too: allowed_hosts = ["{INTRANET}", '
            f'"127.0.0.1"] (while fetching http://{INTRANET}:{other.port}/y)'
        )
        assert hostile.count("/go") == 1 and other.hits == []


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


def test_allowed_hosts_take_ports_and_are_kept_in_canonical_form(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[fetch]\nallowed_hosts = ["127.0.0.1", "10.1.0.0/16", "[::1]", "News.Intranet", '
        '"127.0.0.1:8080", "[::1]:8080", "Feeds.Example.org:8443", "10.1.0.0/16:8080", '
        '"[fd00::/8]:443"]\n',
        encoding="utf-8",
    )
    settings = load_settings(config, feed_urls=["http://127.0.0.1/f"])
    assert settings.fetch_settings().allowed_hosts == (
        "127.0.0.1", "10.1.0.0/16", "::1", "news.intranet", "127.0.0.1:8080", "[::1]:8080",
        "feeds.example.org:8443", "10.1.0.0/16:8080", "[fd00::/8]:443",
    )
    assert HttpFetcher(settings.fetch_settings())  # the fetcher reads them all back


def test_an_ipv6_entry_with_a_port_opens_that_port_only() -> None:
    """Parsed and matched only: no test connects to ::1."""
    entry = parse_allowed_host("[::1]:8080")
    assert (str(entry.network), entry.port, entry.name) == ("::1/128", 8080, None)
    allowed = address_policy.AllowList(["[::1]:8080", "[fd00::/8]"])
    assert allowed.allows_address("::1", 8080)
    assert not allowed.allows_address("::1", 8081)
    assert not allowed.allows_address("127.0.0.1", 8080)
    assert allowed.allows_address("fd00::5", 1) and allowed.allows_address("fd00::5", 65535)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("127.0.0.1:99999", "port 99999 is out of range (1-65535)"),
        ("127.0.0.1:0", "port 0 is out of range (1-65535)"),
        ("feeds.example.org:https", "port 'https' is not a number"),
        ("[::1]:", 'no port after ":"'),
        ("http://x", "URLs are not accepted"),
        ("https://feeds.example.org:8443/rss", "URLs are not accepted"),
        ("feeds.example.org/rss", "paths and URLs are not accepted"),
        ("a b", "not a host name, an IP address or an IP network in CIDR form"),
        ("", "an empty entry"),
        ("[10.0.0.1]:80", "brackets hold an IPv6 address or network"),
        ("fd00::1x:80", "write an IPv6 address with a port in brackets"),
    ],
)
def test_bad_allowed_hosts_entries_are_configuration_errors(
    tmp_path: Path, entry: str, problem: str
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f"[fetch]\nallowed_hosts = [{entry!r}]\n".replace("'", '"'), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config, feed_urls=["http://127.0.0.1/f"])
    message = str(info.value)
    assert f"fetch.allowed_hosts: entry {entry!r}: " in message
    assert problem in message
