"""The requests/urllib3 plumbing under `HttpFetcher`: sessions whose connections enforce the
address policy on the connected socket and a total deadline.

- The peer check (`extractors.address_policy.peer_refusal`) runs in the connection's
  `_new_conn`, on the bare TCP socket, right after connecting and before anything is sent:
  for https that is before the TLS ClientHello, so a name rebound to a private address never
  receives a single byte from us.
- The `Watchdog` shuts the in-flight socket down at the deadline; it is handed every socket
  as soon as it is connected, so a server trickling its TLS handshake or its headers is cut
  off too.

Each thread has its own requests.Session, hence its own connection pools, so a connection is
only ever used by the thread that is fetching; a thread-local (`bind_request`) is therefore
enough to tell a connection which guards apply to the request it is carrying.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import requests
import urllib3
from requests.adapters import DEFAULT_POOLBLOCK, HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from extractors.address_policy import NOTHING_ALLOWED, AllowList, peer_refusal

__all__ = ["PrivatePeerError", "Watchdog", "bind_request", "new_session", "unbind_request"]

_request_state = threading.local()


class PrivatePeerError(Exception):
    """Raised inside urllib3 when a socket turns out to be connected to a non-public address.

    Deliberately not an OSError: urllib3 would wrap and retry those; this must propagate as is.
    """


class Watchdog:
    """Shuts the in-flight socket down at the deadline.

    Socket timeouts apply to each read, so a server sending one byte a second never trips
    them; while the TLS handshake or the headers are read (or while urllib3 decodes) there is
    no loop of ours to check the clock, so a timer thread enforces the total deadline instead.
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


def bind_request(*, allow_private: bool, allowed: AllowList, watchdog: Watchdog) -> None:
    """Tell the connections this thread opens or reuses which guards apply from now on."""
    _request_state.allow_private = allow_private
    _request_state.allowed = allowed
    _request_state.watchdog = watchdog


def unbind_request() -> None:
    """The fetch is over: no watchdog, and the strictest policy, for this thread."""
    _request_state.allow_private = False
    _request_state.allowed = NOTHING_ALLOWED
    _request_state.watchdog = None


def _watch_current_socket(sock: socket.socket | None) -> None:
    watchdog: Watchdog | None = getattr(_request_state, "watchdog", None)
    if watchdog is not None and sock is not None:
        watchdog.watch(sock)


def _refuse_private_peer(sock: socket.socket, host: str) -> None:
    """Raise PrivatePeerError when `sock` is connected to an address the policy refuses."""
    if getattr(_request_state, "allow_private", False):
        return
    allowed: AllowList = getattr(_request_state, "allowed", NOTHING_ALLOWED)
    peer = sock.getpeername()
    refusal = peer_refusal(host, str(peer[0]), int(peer[1]), allowed)
    if refusal is not None:
        raise PrivatePeerError(refusal)


def _guarded_socket(sock: socket.socket, host: str) -> socket.socket:
    """The freshly connected socket, once the watchdog has it and its peer is allowed;
    closed (nothing sent on it) when the peer is refused."""
    _watch_current_socket(sock)
    try:
        _refuse_private_peer(sock, host)
    except BaseException:
        sock.close()
        raise
    return sock


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _guarded_socket(super()._new_conn(), self.host)

    def getresponse(self) -> urllib3.response.HTTPResponse:  # type: ignore[override]
        _watch_current_socket(self.sock)
        return super().getresponse()


class _GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        """Checked before `connect` wraps the socket in TLS: no ClientHello to a refused peer."""
        return _guarded_socket(super()._new_conn(), self.host)

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


def new_session(user_agent: str) -> requests.Session:
    """A session with the guarded connections, ignoring proxy/netrc environment variables:
    a proxy would both defeat the address checks and make behaviour depend on the machine."""
    session = requests.Session()
    session.trust_env = False
    session.headers["User-Agent"] = user_agent
    adapter = _GuardedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
