"""The HTTP client: `HttpFetcher.fetch` wraps `requests` with the guards a crawler of
arbitrary news sites needs.

http(s) only; redirects followed by hand, every hop checked against the address policy
(`extractors.address_policy`: no private or local addresses unless listed in
`allowed_hosts` or `allow_private_addresses` is set), before connecting and again on the
connected socket (`extractors.guarded_transport`, against DNS rebinding); a size cap on the
*decoded* body (gzip bombs); a total deadline even against servers that trickle bytes;
conditional GET; per-host politeness. Every expected failure is a `FetchError`.
"""

from __future__ import annotations

import contextlib
import email.utils
import re
import socket
import threading
import time
from collections.abc import Collection
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from extractors.address_policy import AllowList, refuse_private_host
from extractors.errors import FetchError
from extractors.guarded_transport import (
    PrivatePeerError,
    Watchdog,
    bind_request,
    new_session,
    unbind_request,
)
from extractors.models import FetchResult, FetchSettings

__all__ = ["HttpFetcher", "parse_retry_after"]

_CONNECT_TIMEOUT_CAP_S = 10.0  # a host that takes longer to accept is as good as down
_READ_TIMEOUT_CAP_S = 30.0  # longest silence tolerated between two reads
_CHUNK_BYTES = 65536
_MAX_RETRY_AFTER_S = 3600.0  # a server asking for more than an hour is treated as asking an hour
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_HOST_MAP_PRUNE_AT = 1024


class HttpFetcher:
    """Fetches http(s) URLs with the guards of this module; safe to call from several threads.

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
        self._allowed = AllowList(settings.allowed_hosts)

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
        watchdog: Watchdog | None = None
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
            unbind_request()

    # -- per-thread sessions -----------------------------------------------------------------

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is not None and getattr(self._local, "generation", -1) == self._generation:
            return session
        session = new_session(self._settings.user_agent)
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
            refuse_private_host(url, target, host, port, via, self._allowed)
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

    def _start_watchdog(self) -> Watchdog:
        watchdog = Watchdog(self._settings.timeout_s)
        self._bind(watchdog)
        watchdog.start()
        return watchdog

    def _bind(self, watchdog: Watchdog) -> None:
        """Hand this fetch's guards to the connections this thread uses (see
        `extractors.guarded_transport`)."""
        bind_request(
            allow_private=self._settings.allow_private_addresses,
            allowed=self._allowed,
            watchdog=watchdog,
        )

    # -- one hop -----------------------------------------------------------------------------

    def _send(
        self,
        session: requests.Session,
        url: str,
        target: str,
        headers: dict[str, str],
        watchdog: Watchdog,
    ) -> requests.Response:
        """Send one GET without following redirects or reading the body.

        Goes through the adapter rather than Session.send: with allow_redirects=False the
        session still reads a redirect's whole body, uncapped, before returning.
        """
        remaining = watchdog.remaining()
        if remaining <= 0:
            raise self._timeout_error(url)
        timeout = (min(remaining, _CONNECT_TIMEOUT_CAP_S), min(remaining, _READ_TIMEOUT_CAP_S))
        self._bind(watchdog)
        try:
            prepared = session.prepare_request(requests.Request("GET", target, headers=headers))
            response = session.get_adapter(target).send(prepared, stream=True, timeout=timeout)
        except PrivatePeerError as e:
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
        watchdog: Watchdog,
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
        self, url: str, final_url: str, response: requests.Response, watchdog: Watchdog
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
        self, url: str, target: str, error: Exception, watchdog: Watchdog
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
