"""HTTP fetching: the only module in mali-monitor that touches the network.

`HttpFetcher.fetch` wraps `requests` with the guards a crawler of arbitrary news sites needs:
http(s) only, redirects followed by hand (every hop checked), no private or local addresses
(checked before connecting and again on the connected socket, against DNS rebinding) unless
the address is on the `allowed_hosts` list (on that port, when the entry has one) or
`allow_private_addresses` is set, a size
cap on the *decoded* body (gzip bombs), a total deadline even against servers that trickle
bytes, conditional GET, and per-host politeness. Every expected failure is a `FetchError`.
"""

from __future__ import annotations

import codecs
import contextlib
import email.utils
import ipaddress
import re
import socket
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from charset_normalizer import from_bytes
from requests.adapters import DEFAULT_POOLBLOCK, HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from extractors.errors import FetchError
from extractors.models import FetchResult, FetchSettings

__all__ = ["AllowedHost", "HttpFetcher", "decode_html", "parse_allowed_host", "parse_retry_after"]

_CONNECT_TIMEOUT_CAP_S = 10.0  # a host that takes longer to accept is as good as down
_READ_TIMEOUT_CAP_S = 30.0  # longest silence tolerated between two reads
_CHUNK_BYTES = 65536
_MAX_RETRY_AFTER_S = 3600.0  # a server asking for more than an hour is treated as asking an hour
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_HOST_MAP_PRUNE_AT = 1024


# --------------------------------------------------------------------------------------------
# Per-request state shared with the connection classes below.
#
# Each thread has its own requests.Session, hence its own connection pools, so a connection is
# only ever used by the thread that is fetching; a thread-local is therefore enough to tell a
# connection which guards apply to the request it is carrying.
# --------------------------------------------------------------------------------------------

_request_state = threading.local()


class _PrivatePeerError(Exception):
    """Raised inside urllib3 when a socket turns out to be connected to a non-public address.

    Deliberately not an OSError: urllib3 would wrap and retry those; this must propagate as is.
    """


class _Watchdog:
    """Shuts the in-flight socket down at the deadline.

    Socket timeouts apply to each read, so a server sending one byte a second never trips
    them; while headers are read (or while urllib3 decodes) there is no loop of ours to check
    the clock, so a timer thread enforces the total deadline instead.
    """

    def __init__(self, timeout_s: float) -> None:
        self.deadline = time.monotonic() + timeout_s
        self.expired = False
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._stopped = False
        self._timer = threading.Timer(timeout_s, self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        """After this returns the watchdog will not touch any socket again."""
        with self._lock:
            self._stopped = True
            self._sock = None
        self._timer.cancel()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                _shutdown_quietly(sock)

    def _fire(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self.expired = True
            if self._sock is not None:
                _shutdown_quietly(self._sock)


def _shutdown_quietly(sock: socket.socket) -> None:
    """Wake a thread blocked on `sock` (recv returns EOF) without closing the descriptor.

    Calls the plain socket method even for SSL sockets: SSLSocket.shutdown also drops the TLS
    object, which a concurrent reader may be using.
    """
    with contextlib.suppress(OSError):  # already closed: nothing left to wake
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _watch_current_socket(sock: socket.socket | None) -> None:
    watchdog: _Watchdog | None = getattr(_request_state, "watchdog", None)
    if watchdog is not None and sock is not None:
        watchdog.watch(sock)


def _refuse_private_peer(sock: socket.socket | None, host: str) -> None:
    """Check the address actually connected to: DNS may answer differently than it did for
    the pre-check (rebinding), so that check alone is not enough. A host listed by name is
    checked too: its peer must be public or listed as an address or network (on this port)."""
    if getattr(_request_state, "allow_private", False) or sock is None:
        return
    allowed: _AllowList = getattr(_request_state, "allowed", _NOTHING_ALLOWED)
    peer = sock.getpeername()
    address, port = str(peer[0]), int(peer[1])
    if not _is_blocked_ip(address) or allowed.allows_address(address, port):
        return
    named = allowed.name_entry(host, port)
    if named is not None:
        raise _PrivatePeerError(
            f"refusing to fetch from {host}: {_listed_name_refusal(named, address)}"
        )
    raise _PrivatePeerError(
        f"refusing to fetch from {host}: it connected to {address}, a private, loopback "
        f"or otherwise non-public address; {_allow_hint(address, port)}"
    )


class _GuardedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        try:
            _refuse_private_peer(self.sock, self.host)
        except _PrivatePeerError:
            self.close()
            raise

    def getresponse(self) -> urllib3.response.HTTPResponse:  # type: ignore[override]
        _watch_current_socket(self.sock)
        return super().getresponse()


class _GuardedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        try:
            _refuse_private_peer(self.sock, self.host)
        except _PrivatePeerError:
            self.close()
            raise

    def getresponse(self) -> urllib3.response.HTTPResponse:  # type: ignore[override]
        _watch_current_socket(self.sock)
        return super().getresponse()


class _GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections enforce the peer-address check and the watchdog."""

    def init_poolmanager(
        self,
        connections: int,
        maxsize: int,
        block: bool = DEFAULT_POOLBLOCK,
        **pool_kwargs: object,
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPConnectionPool,
            "https": _GuardedHTTPSConnectionPool,
        }


# --------------------------------------------------------------------------------------------
# The fetcher
# --------------------------------------------------------------------------------------------


class HttpFetcher:
    """Fetches http(s) URLs with the guards above; safe to call from several threads at once.

    Each thread gets its own requests.Session (sessions are not thread-safe); `close()` closes
    all of them.
    """

    def __init__(self, settings: FetchSettings) -> None:
        self._settings = settings
        self._local = threading.local()
        self._sessions_lock = threading.Lock()
        self._sessions: list[requests.Session] = []
        self._generation = 0  # bumped by close() so threads drop their closed sessions
        self._hosts_lock = threading.Lock()
        self._next_allowed: dict[str, float] = {}
        self._allowed = _AllowList(settings.allowed_hosts)

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close every thread's session and its pooled connections; idempotent."""
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
            self._generation += 1
        for session in sessions:
            session.close()

    def fetch(
        self,
        url: str,
        *,
        accept: str = "*/*",
        etag: str | None = None,
        last_modified: str | None = None,
        allowed_types: Collection[str] | None = None,
    ) -> FetchResult:
        """GET `url`, following redirects by hand; raise FetchError on any expected failure."""
        session = self._session()
        session.cookies.clear()  # cookies live for one redirect chain, not across fetches
        headers = _request_headers(accept, etag, last_modified)
        watchdog: _Watchdog | None = None
        started = time.monotonic()
        current = url
        previous: str | None = None
        try:
            for _hop in range(self._settings.max_redirects + 1):
                host = self._check_target(url, current, previous)
                self._wait_for_host(host)
                if watchdog is None:  # the deadline starts once politeness lets us go
                    started = time.monotonic()
                    watchdog = self._start_watchdog()
                response = self._send(session, url, current, headers, watchdog)
                target = session.get_redirect_target(response)
                if target is None:
                    return self._finish(url, current, response, watchdog, allowed_types, started)
                response.close()  # never read a redirect's body: it is not capped
                previous, current = current, _resolve_location(url, current, target)
            raise FetchError(
                f"too many redirects for {url}: more than {self._settings.max_redirects} "
                f"redirects (last location {current})",
                url=url,
                refused=True,
            )
        finally:
            if watchdog is not None:
                watchdog.stop()
            _request_state.watchdog = None

    # -- per-thread sessions -----------------------------------------------------------------

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is not None and getattr(self._local, "generation", -1) == self._generation:
            return session
        session = _new_session(self._settings)
        with self._sessions_lock:
            self._sessions.append(session)
            self._local.generation = self._generation
        self._local.session = session
        return session

    # -- guards ------------------------------------------------------------------------------

    def _check_target(self, url: str, target: str, redirected_from: str | None) -> str:
        """Refuse non-http(s) URLs and (unless allowed) hosts resolving to non-public
        addresses; return the host name."""
        via = f" (redirected from {redirected_from})" if redirected_from else ""
        try:
            parts = urlsplit(target)
        except ValueError as e:  # e.g. "http://[::1" (unbalanced IPv6 brackets)
            raise FetchError(f"invalid URL {target!r}{via}: {e}", url=url, refused=True) from e
        if parts.scheme not in ("http", "https"):
            what = f"scheme {parts.scheme!r}" if parts.scheme else "a relative URL"
            raise FetchError(
                f"refusing to fetch {target!r}{via}: only http and https URLs are supported, "
                f"got {what}",
                url=url,
                refused=True,
            )
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as e:
            raise FetchError(
                f"invalid port in {target!r}{via}: {e}", url=url, refused=True
            ) from e
        host = parts.hostname
        if not host:
            raise FetchError(f"no host in {target!r}{via}", url=url, refused=True)
        if not self._settings.allow_private_addresses:
            _refuse_private_host(url, target, host, port, via, self._allowed)
        return host

    def _wait_for_host(self, host: str) -> None:
        """Space successive requests to one host by per_host_delay_s (sleeping outside the
        lock, so other hosts are not held up)."""
        delay = self._settings.per_host_delay_s
        if delay <= 0:
            return
        with self._hosts_lock:
            now = time.monotonic()
            if len(self._next_allowed) > _HOST_MAP_PRUNE_AT:
                self._next_allowed = {h: t for h, t in self._next_allowed.items() if t > now}
            start = max(now, self._next_allowed.get(host, now))
            self._next_allowed[host] = start + delay
        if start > now:
            time.sleep(start - now)

    def _start_watchdog(self) -> _Watchdog:
        watchdog = _Watchdog(self._settings.timeout_s)
        _request_state.allow_private = self._settings.allow_private_addresses
        _request_state.allowed = self._allowed
        _request_state.watchdog = watchdog
        watchdog.start()
        return watchdog

    # -- one hop -----------------------------------------------------------------------------

    def _send(
        self,
        session: requests.Session,
        url: str,
        target: str,
        headers: dict[str, str],
        watchdog: _Watchdog,
    ) -> requests.Response:
        """Send one GET without following redirects or reading the body.

        Goes through the adapter rather than Session.send: with allow_redirects=False the
        session still reads a redirect's whole body, uncapped, before returning.
        """
        remaining = watchdog.remaining()
        if remaining <= 0:
            raise self._timeout_error(url)
        timeout = (min(remaining, _CONNECT_TIMEOUT_CAP_S), min(remaining, _READ_TIMEOUT_CAP_S))
        _request_state.allow_private = self._settings.allow_private_addresses
        _request_state.allowed = self._allowed
        try:
            prepared = session.prepare_request(requests.Request("GET", target, headers=headers))
            response = session.get_adapter(target).send(prepared, stream=True, timeout=timeout)
        except _PrivatePeerError as e:
            raise FetchError(f"{e} (while fetching {target})", url=url, refused=True) from e
        except (requests.RequestException, urllib3.exceptions.HTTPError) as e:
            raise self._transport_error(url, target, e, watchdog) from e
        session.cookies.update(response.cookies)
        return response

    def _finish(
        self,
        url: str,
        final_url: str,
        response: requests.Response,
        watchdog: _Watchdog,
        allowed_types: Collection[str] | None,
        started: float,
    ) -> FetchResult:
        """Turn the last hop's response into a FetchResult or a FetchError; always closes it."""
        try:
            status = response.status_code
            content_type, charset = _parse_content_type(response.headers.get("Content-Type"))
            headers = {name.lower(): value for name, value in response.headers.items()}
            if status == 304:
                content = b""
            else:
                _raise_for_status(url, final_url, response)
                _check_content_type(url, final_url, content_type, allowed_types)
                _check_content_length(url, final_url, response, self._settings.max_bytes)
                content = self._read_body(url, final_url, response, watchdog)
            if watchdog.expired:  # the watchdog may have cut the body short, looking like EOF
                raise self._timeout_error(url)
            return FetchResult(
                url=url,
                final_url=final_url,
                status=status,
                content=content,
                content_type=content_type,
                charset=charset,
                headers=headers,
                not_modified=status == 304,
                elapsed_s=time.monotonic() - started,
            )
        finally:
            response.close()

    def _read_body(
        self, url: str, final_url: str, response: requests.Response, watchdog: _Watchdog
    ) -> bytes:
        """Read the decoded body in pieces, checking size and the deadline between pieces."""
        max_bytes = self._settings.max_bytes
        raw = response.raw
        body = bytearray()
        while True:
            remaining = watchdog.remaining()
            if remaining <= 0:
                raise self._timeout_error(url)
            _set_read_timeout(raw, min(remaining, _READ_TIMEOUT_CAP_S))
            try:
                chunk = raw.read1(min(_CHUNK_BYTES, max_bytes + 1 - len(body)), decode_content=True)
            except urllib3.exceptions.HTTPError as e:
                raise self._transport_error(url, final_url, e, watchdog) from e
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > max_bytes:
                raise FetchError(
                    f"{final_url} is larger than {max_bytes} bytes", url=url, refused=True
                )

    # -- errors ------------------------------------------------------------------------------

    def _timeout_error(self, url: str) -> FetchError:
        return FetchError(f"{url} did not finish within {self._settings.timeout_s:g} s", url=url)

    def _transport_error(
        self, url: str, target: str, error: Exception, watchdog: _Watchdog
    ) -> FetchError:
        """Describe a requests/urllib3 failure; any failure after the deadline is a timeout."""
        if watchdog.expired or watchdog.remaining() <= 0:
            return self._timeout_error(url)
        if isinstance(error, requests.ConnectTimeout):
            what = f"connecting to {target} timed out"
        elif isinstance(error, requests.Timeout | urllib3.exceptions.TimeoutError):
            what = f"reading from {target} timed out"
        elif isinstance(error, requests.exceptions.SSLError):
            what = f"TLS error with {target}"
        elif isinstance(error, requests.ConnectionError):
            what = f"could not connect to {target}"
        elif isinstance(error, requests.exceptions.InvalidURL | requests.exceptions.InvalidHeader):
            what = f"invalid request for {target}"
        else:
            what = f"fetching {target} failed"
        return FetchError(
            f"{what}: {_root_cause(error)}", url=url, unresolved=_is_name_failure(error)
        )


def _is_name_failure(error: BaseException) -> bool:
    """A host name that did not resolve, anywhere in a requests/urllib3 chain."""
    layer: BaseException | None = error
    for _ in range(10):
        if layer is None:
            return False
        if isinstance(layer, socket.gaierror | urllib3.exceptions.NameResolutionError):
            return True
        layer = layer.__cause__ or layer.__context__
    return False


def _root_cause(error: BaseException) -> str:
    """The innermost exception of a requests/urllib3 chain ("ConnectionRefusedError: ...");
    the outer layers only repeat pool and connection reprs."""
    root = error
    for _ in range(10):  # chains are short; the bound guards against cycles
        inner = root.__cause__ or root.__context__
        if inner is None:
            break
        root = inner
    text = str(root)
    return f"{type(root).__name__}: {text}" if text else type(root).__name__


def _new_session(settings: FetchSettings) -> requests.Session:
    """A session that ignores proxy/netrc environment variables: a proxy would both defeat
    the address checks and make behaviour depend on the machine."""
    session = requests.Session()
    session.trust_env = False
    session.headers["User-Agent"] = settings.user_agent
    adapter = _GuardedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _resolve_location(url: str, current: str, location: str) -> str:
    """Absolute URL of a redirect's Location, which may be relative."""
    try:
        return urljoin(current, location)
    except ValueError as e:
        raise FetchError(f"invalid redirect from {current} to {location!r}: {e}", url=url) from e


def _request_headers(accept: str, etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {"Accept": accept}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _set_read_timeout(raw: urllib3.response.BaseHTTPResponse, timeout_s: float) -> None:
    """Bound the next socket read by the time left (a socket timeout of 0 would mean
    non-blocking, hence the floor)."""
    connection = getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is None:
        return  # body already fully read and the connection handed back to the pool
    with contextlib.suppress(OSError):  # already shut by the watchdog; the read reports it
        sock.settimeout(max(timeout_s, 0.001))


# --------------------------------------------------------------------------------------------
# Address checks
# --------------------------------------------------------------------------------------------


def _resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (what the connection may end up using)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


_HOST_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_HOST_LABEL}(?:\.{_HOST_LABEL})*\.?$")
_PORT_EXAMPLE = '"feeds.example.org:8443", "127.0.0.1:8080", "[::1]:8080"'


@dataclass(frozen=True)
class AllowedHost:
    """One `[fetch] allowed_hosts` entry: a host name or an IP network (a single address is
    a /32 or /128), on one port or (port None) on every port. `str()` is the canonical form
    that `parse_allowed_host` reads back."""

    name: str | None = None  # lower case, no trailing dot
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    port: int | None = None

    def __str__(self) -> str:
        if self.network is not None:
            host = _network_text(self.network)
            if self.port is not None and self.network.version == 6:
                host = f"[{host}]"
        else:
            host = self.name or ""
        return host if self.port is None else f"{host}:{self.port}"

    def allows_port(self, port: int) -> bool:
        return self.port is None or self.port == port


def parse_allowed_host(text: str) -> AllowedHost:
    """Read one `allowed_hosts` entry: "host", "host:port", "10.0.0.5", "10.0.0.5:8080",
    "10.1.0.0/16", "10.1.0.0/16:8080", "::1", "fd00::/8", "[::1]:8080", "[fd00::/8]:8080".

    Raises ValueError saying what is wrong (the caller names the entry). An IPv6 address
    with a port must be bracketed: "::1:8080" is itself a valid IPv6 address.
    """
    entry = text.strip().lower()
    if not entry:
        raise ValueError("an empty entry")
    if "://" in entry or any(c in entry for c in "?#@ \t"):
        if "://" in entry or "@" in entry:
            raise ValueError(
                f"URLs are not accepted: write the host name or address, with a port to open "
                f"only that port (e.g. {_PORT_EXAMPLE})"
            )
        raise ValueError(_NOT_A_HOST)
    if entry.startswith("["):
        inner, bracket, rest = entry[1:].partition("]")
        network = _parse_network(inner)
        if not bracket or network is None or network.version != 6:
            raise ValueError('brackets hold an IPv6 address or network, as in "[::1]:8080"')
        if rest and not rest.startswith(":"):
            raise ValueError(f'unexpected {rest!r} after "]"; expected :port')
        return AllowedHost(network=network, port=_parse_port(rest[1:]) if rest else None)
    network = _parse_network(entry)  # the whole entry: "::1", "fd00::/8", "10.0.0.5"
    if network is not None:
        return AllowedHost(network=network)
    host, colon, port_text = entry.rpartition(":")
    if not colon:
        host, port_text = entry, ""
    elif ":" in host:
        raise ValueError(
            "not an IPv6 address or network; write an IPv6 address with a port in brackets, "
            'as in "[::1]:8080"'
        )
    port = _parse_port(port_text) if colon else None
    network = _parse_network(host)
    if network is not None:
        return AllowedHost(network=network, port=port)
    if "/" in host:
        raise ValueError(
            'not an IP network in CIDR form (e.g. "10.1.0.0/16"); paths and URLs are not accepted'
        )
    if not _HOST_NAME.match(host):
        raise ValueError(_NOT_A_HOST)
    return AllowedHost(name=host.rstrip("."), port=port)


_NOT_A_HOST = (
    "not a host name, an IP address or an IP network in CIDR form, optionally followed by "
    f":port (e.g. {_PORT_EXAMPLE})"
)


def _parse_port(text: str) -> int:
    if not text:
        raise ValueError('no port after ":"')
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"port {text!r} is not a number")
    if len(text) > 5 or not 1 <= int(text) <= 65535:
        raise ValueError(f"port {text} is out of range (1-65535)")
    return int(text)


def _parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _network_text(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """ "10.0.0.5" for a single address, "10.1.0.0/16" for a wider network."""
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def _parse_ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a socket reports, zone id dropped, IPv4-mapped IPv6 read as IPv4."""
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
            address.split("%", 1)[0]
        )
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _address_entry(address: str, port: int | None) -> str:
    """The `allowed_hosts` entry that would open `address` (on `port`, or every port)."""
    ip = _parse_ip(address)
    if ip is None:
        return address
    return str(AllowedHost(network=ipaddress.ip_network(ip), port=port))


class _AllowList:
    """`[fetch] allowed_hosts`: host names and IP networks, each on one port or on all.

    A listed name only lets the URL's host pass the check made before connecting; the
    address actually connected to must still be public or itself listed (an address or a
    network, on that port), so a listed name that resolves, or is rebound, to a private
    address is refused. An IP entry opens that address or network for the URL's effective
    port (80/443 by default) when it carries a port, for every port when it does not.
    """

    def __init__(self, entries: Collection[str]) -> None:
        parsed = []
        for entry in entries:
            try:
                parsed.append(parse_allowed_host(entry))
            except ValueError as e:
                raise ValueError(f"[fetch] allowed_hosts entry {entry!r}: {e}") from None
        self._names = tuple(e for e in parsed if e.name is not None)
        self._networks = tuple(e for e in parsed if e.network is not None)

    def name_entry(self, host: str, port: int) -> AllowedHost | None:
        """The entry listing `host` by name for `port`, if any."""
        name = host.lower().rstrip(".")
        return next((e for e in self._names if e.name == name and e.allows_port(port)), None)

    def allows_address(self, address: str, port: int) -> bool:
        if not self._networks:
            return False
        ip = _parse_ip(address)
        if ip is None:
            return False
        return any(
            e.network is not None
            and e.allows_port(port)
            and ip.version == e.network.version
            and ip in e.network
            for e in self._networks
        )


_NOTHING_ALLOWED = _AllowList(())


def _allow_hint(address: str, port: int) -> str:
    """How to open a refused address: what to add to the configuration."""
    return (
        f"list the address or its network in `[fetch] allowed_hosts` "
        f'(allowed_hosts = ["{_address_entry(address, None)}"], or '
        f'"{_address_entry(address, port)}" for port {port} only), or set '
        f"`[fetch] allow_private_addresses = true`, to allow it"
    )


def _listed_name_refusal(entry: AllowedHost, address: str) -> str:
    """Why a listed host name is refused: its address is not listed too."""
    return (
        f"listed host name {entry.name} resolved to private address {address}; list the "
        f'address too: allowed_hosts = ["{entry}", "{_address_entry(address, entry.port)}"]'
    )


def _refuse_private_host(
    url: str, target: str, host: str, port: int, via: str, allowed: _AllowList
) -> None:
    """Refuse before any connection is attempted when the host resolves to an address that
    is neither public nor allowed (on `port`).

    A host listed by name passes unless none of its addresses could be connected to; the
    address it does connect to is checked by `_refuse_private_peer`.
    """
    try:
        addresses = _resolve_host(host, port)
    except (OSError, UnicodeError) as e:
        raise FetchError(
            f"could not resolve host {host} for {target}{via}: {e}", url=url,
            unresolved=isinstance(e, socket.gaierror | UnicodeError),
        ) from e
    if not addresses:
        raise FetchError(f"host {host} has no addresses ({target}{via})", url=url)
    refused = [a for a in addresses if _is_blocked_ip(a) and not allowed.allows_address(a, port)]
    if not refused:
        return
    named = allowed.name_entry(host, port)
    if named is None:
        raise FetchError(
            f"refusing to fetch {target}{via}: host {host} resolves to {refused[0]}, a "
            f"private, loopback or otherwise non-public address; {_allow_hint(refused[0], port)}",
            url=url,
            refused=True,
        )
    if len(refused) == len(addresses):
        raise FetchError(
            f"refusing to fetch {target}{via}: {_listed_name_refusal(named, refused[0])}",
            url=url,
            refused=True,
        )


def _is_blocked_ip(address: str) -> bool:
    """True for any address a public news site cannot legitimately be on.

    Unparseable input is blocked (fail closed). IPv4-mapped and 6to4 IPv6 addresses are
    judged by the IPv4 address they carry.
    """
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
            address.split("%", 1)[0]  # drop an IPv6 zone id ("fe80::1%eth0")
        )
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None and _is_special_ip(ip.sixtofour):
            return True
    return _is_special_ip(ip)


def _is_special_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global  # also carrier-grade NAT (100.64.0.0/10) and the like
    )


# --------------------------------------------------------------------------------------------
# Response checks
# --------------------------------------------------------------------------------------------


def _parse_content_type(value: str | None) -> tuple[str, str | None]:
    """("text/html", "utf-8") from "text/html; charset=UTF-8"; ("", None) when absent."""
    if not value:
        return "", None
    media_type, _, params = value.partition(";")
    charset: str | None = None
    for param in params.split(";"):
        name, _, param_value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = param_value.strip().strip("\"'").strip() or None
    return media_type.strip().lower(), charset


def _raise_for_status(url: str, final_url: str, response: requests.Response) -> None:
    status = response.status_code
    if status < 300:
        return
    if status < 400:  # a 3xx that is not a usable redirect (300, 305, no Location...)
        raise FetchError(
            f"HTTP {status} {_reason(response)} without a usable Location for {final_url}",
            url=url,
            status=status,
        )
    retry_after = None
    if status in _RETRY_AFTER_STATUSES:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
    raise FetchError(
        f"HTTP {status} {_reason(response)} for {final_url}",
        url=url,
        status=status,
        retry_after=retry_after,
    )


def _reason(response: requests.Response) -> str:
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return response.reason or "(unknown status)"


def _check_content_type(
    url: str, final_url: str, content_type: str, allowed_types: Collection[str] | None
) -> None:
    """Refuse unwanted media types before reading the body; 415 makes the error permanent."""
    if allowed_types is None:
        return
    allowed = {t.strip().lower() for t in allowed_types}
    if content_type not in allowed:
        raise FetchError(
            f"unsupported content type {content_type or '(none)'} for {final_url}; "
            f"expected {', '.join(sorted(allowed))}",
            url=url,
            status=415,
        )


def _check_content_length(
    url: str, final_url: str, response: requests.Response, max_bytes: int
) -> None:
    """Refuse up front when the server announces more than we will read."""
    value = response.headers.get("Content-Length")
    if value is None:
        return
    try:
        length = int(value.split(",")[0].strip())
    except ValueError:
        return  # a bogus header: the streaming cap still applies
    if length > max_bytes:
        raise FetchError(
            f"{final_url} is larger than {max_bytes} bytes (Content-Length: {length})",
            url=url,
            refused=True,
        )


# --------------------------------------------------------------------------------------------
# Retry-After
# --------------------------------------------------------------------------------------------

_DELTA_SECONDS = re.compile(r"\d+", re.ASCII)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date).

    None when absent or unparseable; a date in the past gives 0; capped at one hour so a
    hostile or broken server cannot park a source for days.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if _DELTA_SECONDS.fullmatch(text):
        if len(text) > 9:  # also keeps int() far from its digit limit
            return _MAX_RETRY_AFTER_S
        return min(float(int(text)), _MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" zones parse as naive; HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    reference = now or datetime.now(UTC)
    if reference.tzinfo is None:
        reference = reference.replace(tzinfo=UTC)
    seconds = (when - reference).total_seconds()
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER_S)


# --------------------------------------------------------------------------------------------
# HTML decoding
# --------------------------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9_.:+-]+)""", re.I)
_META_SCAN_BYTES = 4096
# Browsers decode these labels as windows-1252, and sites declaring them mean it: curly
# quotes and the euro sign sit in 0x80-0x9F, which real latin-1 maps to control characters.
_WINDOWS_1252_ALIASES = frozenset({"latin-1", "iso8859-1", "ascii"})
# Python codecs that are not character encodings a web page can be in.
_NOT_WEB_CODECS = frozenset(
    {
        "base64", "bz2", "hex", "quopri", "rot-13", "uu", "zlib", "undefined",
        "unicode-escape", "raw-unicode-escape", "punycode", "idna", "mbcs", "oem",
    }
)  # fmt: skip
_PREFERRED_GUESS = "cp1252"
_GUESS_CHAOS_MARGIN = 0.1


def decode_html(content: bytes, charset: str | None) -> str:
    """Decode an HTML page the way a browser would, tolerating wrong declarations.

    Order: byte-order mark; the declared charset (HTTP header, then <meta> in the first
    4 KB), unless it fails to decode or the bytes are clearly UTF-8 instead; strict UTF-8;
    charset_normalizer's guess; cp1252 with replacement characters.
    """
    by_bom = _decode_by_bom(content)
    if by_bom is not None:
        return by_bom
    for declared in (_web_codec(charset), _meta_codec(content)):
        if declared is None:
            continue
        if declared != "utf-8" and _is_non_ascii_utf8(content):
            # e.g. a server-wide "charset=iso-8859-1" in front of a UTF-8 page; valid
            # multi-byte UTF-8 almost never arises from text in a legacy encoding.
            return content.decode("utf-8")
        try:
            return content.decode(declared)
        except (UnicodeDecodeError, LookupError):
            continue  # a wrong declaration: detect instead
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    guess = _guess_codec(content)
    if guess is not None:
        try:
            return content.decode(guess, errors="replace")
        except LookupError:
            pass
    return content.decode("cp1252", errors="replace")


def _decode_by_bom(content: bytes) -> str | None:
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(codec, errors="replace")
    return None


def _web_codec(label: str | None) -> str | None:
    """Python codec name for a charset label, or None when unknown or not a text encoding."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'").strip()).name
    except (LookupError, ValueError):
        return None
    if name in _WINDOWS_1252_ALIASES:
        return "cp1252"
    if name in _NOT_WEB_CODECS:
        return None
    return name


def _meta_codec(content: bytes) -> str | None:
    match = _META_CHARSET.search(content[:_META_SCAN_BYTES])
    if match is None:
        return None
    codec = _web_codec(match.group(1).decode("ascii"))
    if codec is not None and codec.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a meta readable as ASCII cannot be UTF-16; browsers read UTF-8
    return codec


def _is_non_ascii_utf8(content: bytes) -> bool:
    if content.isascii():
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _guess_codec(content: bytes) -> str | None:
    """charset_normalizer's guess, preferring cp1252 when it fits about as well.

    On short French text the detector ties many Latin code pages (cp1250, cp1257...) and
    picks one arbitrarily; cp1252 is by far the likeliest for the sites we read.
    """
    matches = from_bytes(content)
    best = matches.best()
    if best is None:
        return None
    for match in matches:
        if (
            _PREFERRED_GUESS in match.could_be_from_charset
            and match.chaos <= best.chaos + _GUESS_CHAOS_MARGIN
        ):
            return _PREFERRED_GUESS
    return str(best.encoding)
