"""Tests for extractors.fetching against real HTTP servers on 127.0.0.1 (never the internet).

pytest-httpserver serves ordinary responses; `_RawServer` below is a tiny threaded
http.server for what werkzeug will not do: trickling bytes, gzip bombs, unbounded bodies.
Every loop in it is bounded, and its handlers give up when the client goes away.
"""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import http.server
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from extractors import address_policy, guarded_transport
from extractors.errors import FetchError
from extractors.fetching import HttpFetcher, decode_html, parse_retry_after
from extractors.models import FetchSettings

FRENCH = "l’armée malienne à Tombouctou, « déjà »"
HTML = f"<html><head><title>Mali</title></head><body><p>{FRENCH}</p></body></html>"
PUBLIC_IP = "93.184.216.34"


def make_settings(**overrides: object) -> FetchSettings:
    """Test defaults: short timeout, no politeness delay, loopback allowed."""
    base = FetchSettings(
        timeout_s=3.0,
        max_bytes=100_000,
        allow_private_addresses=True,
        max_redirects=3,
        per_host_delay_s=0,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def fetcher() -> Iterator[HttpFetcher]:
    with HttpFetcher(make_settings()) as f:
        yield f


@pytest.fixture
def make_fetcher() -> Iterator[Callable[..., HttpFetcher]]:
    """Fetchers with custom settings, all closed at teardown."""
    made: list[HttpFetcher] = []

    def make(**overrides: object) -> HttpFetcher:
        made.append(HttpFetcher(make_settings(**overrides)))
        return made[-1]

    yield make
    for f in made:
        f.close()


# --------------------------------------------------------------------------------------------
# A raw server for misbehaving responses
# --------------------------------------------------------------------------------------------

TRICKLE_INTERVAL_S = 0.2
TRICKLE_MAX_BYTES = 40  # bounds each trickle to 8 s even if the client never hangs up
BIG_BODY_BYTES = 2_000_000
BOMB_DECODED_BYTES = 50_000_000


def _gzip_bomb() -> bytes:
    """gzip of 50 MB of zeros (about 50 KB), built without holding 50 MB in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    zeros = bytes(1_000_000)
    parts = [compressor.compress(zeros) for _ in range(BOMB_DECODED_BYTES // len(zeros))]
    parts.append(compressor.flush())
    return b"".join(parts)


class _RawServer(http.server.ThreadingHTTPServer):
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _RawHandler)
        self.paths: list[str] = []
        self.bomb = _gzip_bomb()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up mid-response is the point of these tests; stay quiet."""


class _RawHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # idle keep-alive connections cannot hold the server open for long
    server: _RawServer

    def log_message(self, format: str, *args: object) -> None:
        """Silence per-request logging."""

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        route = {
            "/ok": self._ok,
            "/trickle-body": self._trickle_body,
            "/trickle-headers": self._trickle_headers,
            "/gzip-bomb": self._gzip_bomb,
            "/big-no-length": self._big_no_length,
            "/redirect-endless-body": self._redirect_endless_body,
            "/bad-location": self._bad_location,
        }.get(self.path, self._not_found)
        try:
            route()
        except OSError:
            self.close_connection = True  # the client went away, as intended

    def _ok(self) -> None:
        body = HTML.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _not_found(self) -> None:
        self.send_error(404)

    def _trickle_body(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(TRICKLE_MAX_BYTES))
        self.end_headers()
        self.wfile.flush()
        self._trickle(b"x" * TRICKLE_MAX_BYTES)

    def _trickle_headers(self) -> None:
        self.close_connection = True
        self._trickle(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * TRICKLE_MAX_BYTES)

    def _trickle(self, data: bytes) -> None:
        for i in range(len(data)):
            self.wfile.write(data[i : i + 1])
            self.wfile.flush()
            time.sleep(TRICKLE_INTERVAL_S)
        self.close_connection = True

    def _gzip_bomb(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(self.server.bomb)))
        self.end_headers()
        self.wfile.write(self.server.bomb)

    def _big_no_length(self) -> None:
        """A body delimited by closing the connection: no Content-Length to refuse up front."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = b"y" * 65536
        for _ in range(BIG_BODY_BYTES // len(chunk)):
            self.wfile.write(chunk)

    def _bad_location(self) -> None:
        """Unbalanced IPv6 brackets: urljoin raises ValueError (werkzeug cannot send this)."""
        self.send_response(302)
        self.send_header("Location", "http://[oops/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _redirect_endless_body(self) -> None:
        """A redirect announcing a gigabyte body that then trickles: following the redirect
        must not wait for (or buffer) that body."""
        self.send_response(302)
        self.send_header("Location", "/ok")
        self.send_header("Content-Length", str(10**9))
        self.end_headers()
        self.wfile.write(b"z" * 65536)
        self._trickle(b"z" * TRICKLE_MAX_BYTES)


@pytest.fixture(scope="module")
def raw_server() -> Iterator[_RawServer]:
    server = _RawServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --------------------------------------------------------------------------------------------
# Ordinary responses
# --------------------------------------------------------------------------------------------


def test_fetch_html_with_charset(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    httpserver.expect_request("/page").respond_with_data(
        HTML.encode("utf-8"), content_type="text/html; charset=UTF-8", headers={"X-Custom": "1"}
    )
    url = httpserver.url_for("/page")

    result = fetcher.fetch(url, accept="text/html")

    assert result.status == 200
    assert result.url == result.final_url == url
    assert result.content == HTML.encode("utf-8")
    assert result.content_type == "text/html"
    assert result.charset == "UTF-8"
    assert result.headers["x-custom"] == "1"
    assert all(name == name.lower() for name in result.headers)
    assert not result.not_modified
    request = httpserver.log[0][0]
    assert request.headers["User-Agent"] == FetchSettings().user_agent
    assert request.headers["Accept"] == "text/html"


def test_conditional_get_304(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    etag = '"v42"'
    last_modified = "Tue, 04 Mar 2025 10:00:00 GMT"
    httpserver.expect_request("/feed").respond_with_data("", status=304, headers={"ETag": etag})

    result = fetcher.fetch(httpserver.url_for("/feed"), etag=etag, last_modified=last_modified)

    assert result.not_modified
    assert result.status == 304
    assert result.content == b""
    request = httpserver.log[0][0]
    assert request.headers["If-None-Match"] == etag
    assert request.headers["If-Modified-Since"] == last_modified


def test_no_conditional_headers_without_validators(
    httpserver: HTTPServer, fetcher: HttpFetcher
) -> None:
    httpserver.expect_request("/feed").respond_with_data("<rss/>", content_type="text/xml")

    fetcher.fetch(httpserver.url_for("/feed"))

    request = httpserver.log[0][0]
    assert "If-None-Match" not in request.headers
    assert "If-Modified-Since" not in request.headers


@pytest.mark.parametrize(
    ("status", "reason", "permanent"),
    [(404, "Not Found", True), (410, "Gone", True), (500, "Internal Server Error", False)],
)
def test_http_errors(
    httpserver: HTTPServer, fetcher: HttpFetcher, status: int, reason: str, permanent: bool
) -> None:
    httpserver.expect_request("/x").respond_with_data("nope", status=status)
    url = httpserver.url_for("/x")

    with pytest.raises(FetchError) as info:
        fetcher.fetch(url)

    assert info.value.status == status
    assert info.value.permanent is permanent
    assert info.value.url == url
    assert f"HTTP {status} {reason} for {url}" in str(info.value)


def test_429_retry_after_seconds(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    httpserver.expect_request("/x").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )

    with pytest.raises(FetchError) as info:
        fetcher.fetch(httpserver.url_for("/x"))

    assert info.value.status == 429
    assert info.value.retry_after == 120.0
    assert not info.value.permanent


def test_503_retry_after_http_date(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    when = datetime.now(UTC) + timedelta(seconds=60)
    httpserver.expect_request("/x").respond_with_data(
        "busy", status=503, headers={"Retry-After": email.utils.format_datetime(when, True)}
    )

    with pytest.raises(FetchError) as info:
        fetcher.fetch(httpserver.url_for("/x"))

    assert info.value.retry_after is not None
    assert 50 <= info.value.retry_after <= 61


def test_gzip_body_is_decoded(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(HTML.encode()),
        content_type="text/html",
        headers={"Content-Encoding": "gzip"},
    )

    assert fetcher.fetch(httpserver.url_for("/gz")).content == HTML.encode()


# --------------------------------------------------------------------------------------------
# Retry-After parsing
# --------------------------------------------------------------------------------------------

NOW = datetime(2025, 3, 4, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 04 Mar 2025 10:02:00 GMT", 120.0),
        ("Tue, 04 Mar 2025 09:00:00 GMT", 0.0),  # in the past: retry now
        ("Wed, 05 Mar 2025 10:00:00 GMT", 3600.0),  # capped
        ("30", 30.0),
        (" 0 ", 0.0),
        ("86400", 3600.0),
        ("9" * 5000, 3600.0),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_parse_retry_after_defaults_to_current_time() -> None:
    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=100), True)
    result = parse_retry_after(later)
    assert result is not None
    assert 90 <= result <= 101


@hypothesis_settings(max_examples=200, database=None, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=60)))
def test_parse_retry_after_never_raises(value: str | None) -> None:
    result = parse_retry_after(value, now=NOW)
    assert result is None or 0.0 <= result <= 3600.0


# --------------------------------------------------------------------------------------------
# Redirects
# --------------------------------------------------------------------------------------------


def test_relative_redirect_followed(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    httpserver.expect_request("/a/start").respond_with_data(
        "", status=302, headers={"Location": "../b/end?x=1"}
    )
    httpserver.expect_request("/b/end").respond_with_data(HTML, content_type="text/html")
    url = httpserver.url_for("/a/start")

    result = fetcher.fetch(url)

    assert result.url == url
    assert result.final_url == httpserver.url_for("/b/end?x=1")
    assert result.content == HTML.encode()


def test_redirect_chain_at_the_limit_is_followed(
    httpserver: HTTPServer, make_fetcher: Callable[..., HttpFetcher]
) -> None:
    for i in range(3):
        httpserver.expect_request(f"/r{i}").respond_with_data(
            "", status=301, headers={"Location": f"/r{i + 1}"}
        )
    httpserver.expect_request("/r3").respond_with_data("end", content_type="text/plain")

    result = make_fetcher(max_redirects=3).fetch(httpserver.url_for("/r0"))

    assert result.content == b"end"
    assert result.final_url == httpserver.url_for("/r3")


def test_too_many_redirects(
    httpserver: HTTPServer, make_fetcher: Callable[..., HttpFetcher]
) -> None:
    for i in range(5):
        httpserver.expect_request(f"/r{i}").respond_with_data(
            "", status=307, headers={"Location": f"/r{i + 1}"}
        )

    with pytest.raises(FetchError, match="more than 2 redirects") as info:
        make_fetcher(max_redirects=2).fetch(httpserver.url_for("/r0"))

    assert info.value.status is None
    assert len(httpserver.log) == 3  # the first request and two followed hops


def test_redirect_loop(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    httpserver.expect_request("/x").respond_with_data("", status=302, headers={"Location": "/y"})
    httpserver.expect_request("/y").respond_with_data("", status=302, headers={"Location": "/x"})

    with pytest.raises(FetchError, match="more than 3 redirects"):
        fetcher.fetch(httpserver.url_for("/x"))


@pytest.mark.parametrize("location", ["ftp://example.org/file", "javascript:alert(1)"])
def test_redirect_to_non_http_scheme_refused(
    httpserver: HTTPServer, fetcher: HttpFetcher, location: str
) -> None:
    httpserver.expect_request("/x").respond_with_data(
        "", status=302, headers={"Location": location}
    )

    with pytest.raises(FetchError, match="only http and https") as info:
        fetcher.fetch(httpserver.url_for("/x"))

    assert info.value.status is None
    assert "redirected from" in str(info.value)


def test_redirect_body_is_not_read(raw_server: _RawServer, fetcher: HttpFetcher) -> None:
    started = time.monotonic()

    result = fetcher.fetch(f"{raw_server.base}/redirect-endless-body")

    assert result.final_url == f"{raw_server.base}/ok"
    assert time.monotonic() - started < 2  # the fetcher's deadline is 3 s


def test_malformed_location_is_a_fetch_error(raw_server: _RawServer, fetcher: HttpFetcher) -> None:
    with pytest.raises(FetchError, match="invalid redirect") as info:
        fetcher.fetch(f"{raw_server.base}/bad-location")

    assert info.value.status is None


def test_3xx_without_location_is_an_error(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    httpserver.expect_request("/x").respond_with_data("", status=302)

    with pytest.raises(FetchError, match="without a usable Location") as info:
        fetcher.fetch(httpserver.url_for("/x"))

    assert info.value.status == 302


# --------------------------------------------------------------------------------------------
# Refused URLs and addresses
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "/relative/path",
        "article.html",
        "file:///etc/passwd",
        "ftp://example.org/x",
        "data:text/html,<p>x</p>",
        "mailto:someone@example.org",
    ],
)
def test_non_http_urls_refused(fetcher: HttpFetcher, url: str) -> None:
    with pytest.raises(FetchError, match="only http and https") as info:
        fetcher.fetch(url)

    assert info.value.status is None
    assert info.value.url == url


@pytest.mark.parametrize(
    "url", ["http://", "http:///path", "http://host:99999/", "http://[::1/", "http://bad host/"]
)
def test_malformed_http_urls_refused(fetcher: HttpFetcher, url: str) -> None:
    with pytest.raises(FetchError):
        fetcher.fetch(url)


def test_ssrf_loopback_ip_refused(
    raw_server: _RawServer, make_fetcher: Callable[..., HttpFetcher]
) -> None:
    before = len(raw_server.paths)

    with pytest.raises(FetchError) as info:
        make_fetcher(allow_private_addresses=False).fetch(f"{raw_server.base}/ok")

    message = str(info.value)
    assert "127.0.0.1" in message
    assert "[fetch] allow_private_addresses = true" in message
    assert info.value.status is None
    assert len(raw_server.paths) == before


def test_ssrf_localhost_refused(
    httpserver: HTTPServer, make_fetcher: Callable[..., HttpFetcher]
) -> None:
    httpserver.expect_request("/ok").respond_with_data("secret")
    url = f"http://localhost:{httpserver.port}/ok"

    with pytest.raises(FetchError, match="allow_private_addresses = true") as info:
        make_fetcher(allow_private_addresses=False).fetch(url)

    assert "localhost" in str(info.value)
    assert httpserver.log == []


def test_ssrf_checked_on_the_connected_socket(
    raw_server: _RawServer,
    make_fetcher: Callable[..., HttpFetcher],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: the pre-check sees a public address, the connection lands on loopback."""
    monkeypatch.setattr(address_policy, "resolve_host", lambda host, port: [PUBLIC_IP])
    before = len(raw_server.paths)

    with pytest.raises(FetchError, match="connected to 127.0.0.1") as info:
        make_fetcher(allow_private_addresses=False).fetch(f"{raw_server.base}/ok")

    assert "[fetch] allow_private_addresses = true" in str(info.value)
    assert len(raw_server.paths) == before


def test_ssrf_https_peer_refused_before_the_tls_handshake(
    make_fetcher: Callable[..., HttpFetcher], monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding over https: the peer is checked on the bare TCP socket, so not even the
    TLS ClientHello reaches the private address."""
    monkeypatch.setattr(address_policy, "resolve_host", lambda host, port: [PUBLIC_IP])
    received: list[bytes] = []

    def record_one_client(listener: socket.socket) -> None:
        with contextlib.suppress(OSError):
            client, _ = listener.accept()
            with client:
                client.settimeout(3)  # bounded even if the client kept the socket open
                data = b""
                with contextlib.suppress(OSError):
                    while chunk := client.recv(4096):
                        data += chunk
                received.append(data)

    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(5)
        recorder = threading.Thread(target=record_one_client, args=(listener,), daemon=True)
        recorder.start()
        url = f"https://127.0.0.1:{listener.getsockname()[1]}/ok"
        with pytest.raises(FetchError, match="connected to 127.0.0.1") as info:
            make_fetcher(allow_private_addresses=False).fetch(url)
        recorder.join(timeout=6)

    assert info.value.refused
    assert received == [b""]  # connected, then closed without a byte sent


def test_ssrf_checked_on_each_redirect_hop(
    httpserver: HTTPServer,
    make_fetcher: Callable[..., HttpFetcher],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A public page redirecting to an internal one must not be followed."""
    public_alias = "public.test"
    monkeypatch.setattr(
        address_policy,
        "resolve_host",
        lambda host, port: [PUBLIC_IP] if host == public_alias else ["127.0.0.1"],
    )
    monkeypatch.setattr(guarded_transport, "_refuse_private_peer", lambda sock, host: None)
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        _getaddrinfo_alias(public_alias, "127.0.0.1", socket.getaddrinfo),
    )
    httpserver.expect_request("/hop").respond_with_data(
        "", status=302, headers={"Location": f"http://localhost:{httpserver.port}/internal"}
    )

    with pytest.raises(FetchError, match="host localhost resolves to 127.0.0.1") as info:
        make_fetcher(allow_private_addresses=False).fetch(
            f"http://{public_alias}:{httpserver.port}/hop"
        )

    assert "redirected from" in str(info.value)
    assert [request.path for request, _ in httpserver.log] == ["/hop"]


def _getaddrinfo_alias(alias: str, address: str, real: Callable[..., Any]) -> Callable[..., Any]:
    """getaddrinfo that resolves `alias` to `address` locally (no DNS query leaves the box)."""

    def getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        return real(address if host == alias else host, *args, **kwargs)

    return getaddrinfo


@pytest.mark.parametrize(
    ("entry", "canonical", "port"),
    [
        ("127.0.0.1", "127.0.0.1", None),
        ("127.0.0.1:8080", "127.0.0.1:8080", 8080),
        ("[::1]", "::1", None),
        ("[::1]:8080", "[::1]:8080", 8080),
        ("::1:8080", "::1:8080", None),  # unbracketed: an IPv6 address, not ::1 on port 8080
        ("10.1.2.3/16:8080", "10.1.0.0/16:8080", 8080),
        ("[FD00::/8]:443", "[fd00::/8]:443", 443),
        (" Feeds.Example.org.:8443 ", "feeds.example.org:8443", 8443),
    ],
)
def test_allowed_host_entries_round_trip(entry: str, canonical: str, port: int | None) -> None:
    parsed = address_policy.parse_allowed_host(entry)
    assert (str(parsed), parsed.port) == (canonical, port)
    assert address_policy.parse_allowed_host(canonical) == parsed


def test_a_fetcher_refuses_a_malformed_allowed_hosts_entry() -> None:
    """Settings validate entries; a FetchSettings built by hand is checked too (fail closed)."""
    with pytest.raises(ValueError, match=r"allowed_hosts entry 'http://x': URLs are not"):
        HttpFetcher(make_settings(allowed_hosts=("127.0.0.1", "http://x")))


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),  # cloud metadata
        ("100.64.0.1", True),  # carrier-grade NAT
        ("0.0.0.0", True),
        ("224.0.0.1", True),
        ("240.0.0.1", True),
        ("255.255.255.255", True),
        ("::1", True),
        ("::", True),
        ("fe80::1%eth0", True),
        ("fc00::1", True),
        ("ff02::1", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:10.0.0.1", True),
        ("2002:7f00:1::", True),  # 6to4 wrapping 127.0.0.1
        ("not an address", True),
        ("8.8.8.8", False),
        ("93.184.216.34", False),
        ("2606:4700:4700::1111", False),
        ("::ffff:8.8.8.8", False),
    ],
)
def test_blocked_addresses(address: str, blocked: bool) -> None:
    assert address_policy.is_blocked_ip(address) is blocked


def test_connection_refused_is_a_fetch_error(fetcher: HttpFetcher) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"  # nothing listens there any more

    with pytest.raises(FetchError, match="could not connect") as info:
        fetcher.fetch(url)

    assert info.value.status is None
    assert url in str(info.value)


# --------------------------------------------------------------------------------------------
# Size cap and deadline
# --------------------------------------------------------------------------------------------


def test_body_over_cap_with_content_length(
    httpserver: HTTPServer, make_fetcher: Callable[..., HttpFetcher]
) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 2000, content_type="text/html")

    with pytest.raises(FetchError, match="larger than 1000 bytes") as info:
        make_fetcher(max_bytes=1000).fetch(httpserver.url_for("/big"))

    assert "Content-Length: 2000" in str(info.value)


def test_body_at_cap_is_accepted(
    httpserver: HTTPServer, make_fetcher: Callable[..., HttpFetcher]
) -> None:
    httpserver.expect_request("/exact").respond_with_data(b"x" * 1000, content_type="text/html")

    assert len(make_fetcher(max_bytes=1000).fetch(httpserver.url_for("/exact")).content) == 1000


def test_body_over_cap_without_content_length(
    raw_server: _RawServer, make_fetcher: Callable[..., HttpFetcher]
) -> None:
    with pytest.raises(FetchError, match="larger than 100000 bytes") as info:
        make_fetcher(max_bytes=100_000).fetch(f"{raw_server.base}/big-no-length")

    assert "Content-Length" not in str(info.value)


def test_gzip_bomb_cut_at_cap(
    raw_server: _RawServer, make_fetcher: Callable[..., HttpFetcher]
) -> None:
    assert len(raw_server.bomb) < 1_000_000  # the cap below is on decoded bytes
    started = time.monotonic()

    with pytest.raises(FetchError, match="larger than 1000000 bytes"):
        make_fetcher(max_bytes=1_000_000).fetch(f"{raw_server.base}/gzip-bomb")

    assert time.monotonic() - started < 5


@pytest.mark.parametrize("path", ["/trickle-body", "/trickle-headers"])
def test_trickling_server_cut_at_deadline(
    raw_server: _RawServer, make_fetcher: Callable[..., HttpFetcher], path: str
) -> None:
    started = time.monotonic()

    with pytest.raises(FetchError, match="did not finish within 1 s") as info:
        make_fetcher(timeout_s=1.0).fetch(f"{raw_server.base}{path}")

    assert time.monotonic() - started < 5
    assert info.value.status is None


# --------------------------------------------------------------------------------------------
# Content types, politeness, threads
# --------------------------------------------------------------------------------------------


def test_pdf_refused_when_html_expected(httpserver: HTTPServer, fetcher: HttpFetcher) -> None:
    httpserver.expect_request("/doc").respond_with_data(
        b"%PDF-1.4 ...", content_type="application/pdf"
    )

    with pytest.raises(FetchError, match="unsupported content type application/pdf") as info:
        fetcher.fetch(httpserver.url_for("/doc"), allowed_types={"text/html"})

    assert info.value.status == 415
    assert info.value.permanent


def test_allowed_types_ignore_case_and_parameters(
    httpserver: HTTPServer, fetcher: HttpFetcher
) -> None:
    httpserver.expect_request("/page").respond_with_data(
        HTML, content_type="TEXT/HTML; charset=UTF-8"
    )

    result = fetcher.fetch(httpserver.url_for("/page"), allowed_types=["text/html"])

    assert result.content_type == "text/html"


def test_per_host_delay_spaces_requests(
    raw_server: _RawServer, make_fetcher: Callable[..., HttpFetcher]
) -> None:
    polite = make_fetcher(per_host_delay_s=0.3)
    started = time.monotonic()

    polite.fetch(f"{raw_server.base}/ok")
    polite.fetch(f"{raw_server.base}/ok")

    assert time.monotonic() - started >= 0.3


def test_concurrent_fetches(raw_server: _RawServer, fetcher: HttpFetcher) -> None:
    urls = [f"{raw_server.base}/ok"] * 24

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(fetcher.fetch, urls))

    assert all(r.status == 200 and r.content == HTML.encode() for r in results)


def test_fetcher_usable_after_close(raw_server: _RawServer, fetcher: HttpFetcher) -> None:
    fetcher.fetch(f"{raw_server.base}/ok")
    fetcher.close()
    fetcher.close()

    assert fetcher.fetch(f"{raw_server.base}/ok").status == 200


# --------------------------------------------------------------------------------------------
# decode_html
# --------------------------------------------------------------------------------------------


def _page(head: str = "") -> str:
    return f"<html><head>{head}</head><body><p>{FRENCH}</p></body></html>"


@pytest.mark.parametrize(
    ("content", "charset"),
    [
        pytest.param(_page().encode("cp1252"), "iso-8859-1", id="cp1252-declared-latin1"),
        pytest.param(_page().encode("cp1252"), "windows-1252", id="cp1252-declared"),
        pytest.param(_page().encode("cp1252"), None, id="cp1252-undeclared"),
        pytest.param(FRENCH.encode("cp1252"), None, id="cp1252-undeclared-short"),
        pytest.param(_page().encode("utf-8"), "utf-8", id="utf8-declared"),
        pytest.param(_page().encode("utf-8"), None, id="utf8-undeclared"),
        pytest.param(_page().encode("utf-8"), "iso-8859-1", id="utf8-declared-latin1"),
        pytest.param(_page().encode("utf-8"), "no-such-charset", id="utf8-unknown-charset"),
        pytest.param(
            _page('<meta charset="windows-1252">').encode("cp1252"), None, id="meta-charset"
        ),
        pytest.param(
            _page(
                '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
            ).encode("cp1252"),
            None,
            id="meta-http-equiv",
        ),
        pytest.param(
            _page('<meta charset="windows-1252">').encode("cp1252"),
            "base64",
            id="non-text-codec-ignored",
        ),
    ],
)
def test_decode_html(content: bytes, charset: str | None) -> None:
    assert FRENCH in decode_html(content, charset)


@pytest.mark.parametrize(
    ("content", "charset"),
    [
        pytest.param(b"\xef\xbb\xbf" + _page().encode("utf-8"), "iso-8859-1", id="utf8-bom"),
        pytest.param(_page().encode("utf-16"), None, id="utf16-bom"),
        pytest.param(b"\xfe\xff" + _page().encode("utf-16-be"), "utf-8", id="utf16be-bom"),
    ],
)
def test_decode_html_bom_wins(content: bytes, charset: str | None) -> None:
    text = decode_html(content, charset)
    assert text.startswith("<html>")  # BOM stripped, not decoded as a character
    assert FRENCH in text


def test_decode_html_meta_utf16_means_utf8() -> None:
    content = _page('<meta charset="utf-16">').encode("utf-8")
    assert FRENCH in decode_html(content, None)


def test_decode_html_http_header_beats_meta() -> None:
    content = _page('<meta charset="utf-8">').encode("cp1252")
    assert FRENCH in decode_html(content, "windows-1252")


def test_decode_html_empty() -> None:
    assert decode_html(b"", None) == ""


@hypothesis_settings(max_examples=100, database=None, deadline=None)
@given(
    st.binary(max_size=300),
    st.sampled_from([None, "utf-8", "iso-8859-1", "utf-16", "base64", "rot13", "junk", ""]),
)
def test_decode_html_never_raises(content: bytes, charset: str | None) -> None:
    assert isinstance(decode_html(content, charset), str)
