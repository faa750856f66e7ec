"""A hostile HTTP server on 127.0.0.1 for the fault suite (no tests here).

Raw sockets rather than http.server, so a behaviour controls every byte: headers sent one
byte a second, a body that never ends, a Content-Length that lies, a gzip bomb. Each
connection gets a daemon thread; every loop is bounded (by bytes, by time, and by the
server's stop event) and every socket has a send timeout, so nothing outlives a test even
when the client gives up mid-response.

    server = HostileServer().start()
    server.route("/feed.xml", respond(200, rss_bytes, content_type="application/rss+xml"))
    server.route("/slow", trickle(b"...", interval_s=1.0))
    ...
    server.stop()

A behaviour is a callable `(conn, request, server) -> None` writing the whole response.
"""

from __future__ import annotations

import gzip
import io
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus

MAX_SERVE_S = 60.0  # no behaviour keeps a connection longer than this
SEND_TIMEOUT_S = 5.0
_HEAD_LIMIT = 65536


@dataclass
class Request:
    method: str
    path: str  # without the query string
    target: str  # as sent
    headers: dict[str, str]
    hit: Hit | None = None


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    sent: int = 0  # body bytes the behaviour managed to send
    closed_early: bool = False  # the client hung up before the behaviour finished


Behaviour = Callable[[socket.socket, Request, "HostileServer"], None]


class ClientGone(Exception):
    """The client closed the connection (a cap or a deadline on its side)."""


@dataclass
class HostileServer:
    routes: dict[str, Behaviour] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    # -- set up ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, behaviour: Behaviour) -> str:
        self.routes[path] = behaviour
        return self.url(path)

    def start(self) -> HostileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what happened ---------------------------------------------------------------------

    def hits_to(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def count(self, path: str) -> int:
        return len(self.hits_to(path))

    # -- serving ---------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(SEND_TIMEOUT_S)
            try:
                request = _read_request(conn)
            except (OSError, ValueError):
                return
            if request is None:
                return
            request.hit = Hit(request.path, request.headers)
            with self._lock:
                self.hits.append(request.hit)
            behaviour = self.routes.get(request.path, respond(404, b"not found"))
            try:
                behaviour(conn, request, self)
            except (ClientGone, OSError):
                request.hit.closed_early = True


def _read_request(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
        if len(data) > _HEAD_LIMIT:
            raise ValueError("request head too long")
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Request(method, target.split("?", 1)[0], target, headers)


def _send(conn: socket.socket, request: Request, data: bytes, *, body: bool = False) -> None:
    try:
        conn.sendall(data)
    except OSError as e:
        raise ClientGone() from e
    if body and request.hit is not None:
        request.hit.sent += len(data)


def _head(status: int, headers: dict[str, str]) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Whatever"
    lines = [f"HTTP/1.1 {status} {reason}", f"Date: {formatdate(usegmt=True)}",
             "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# --------------------------------------------------------------------------------------------
# Behaviours
# --------------------------------------------------------------------------------------------


def respond(
    status: int = 200,
    body: bytes | str = b"",
    *,
    content_type: str | None = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
    content_length: bool = True,
) -> Behaviour:
    data = body.encode("utf-8") if isinstance(body, str) else body

    def behaviour(conn: socket.socket, request: Request, server: HostileServer) -> None:
        all_headers = {"Content-Type": content_type} if content_type else {}
        all_headers.update(headers or {})
        if content_length:
            all_headers["Content-Length"] = str(len(data))
        _send(conn, request, _head(status, all_headers))
        _send(conn, request, data, body=True)

    return behaviour


def redirect(location: str, status: int = 302) -> Behaviour:
    return respond(status, b"", content_type=None, headers={"Location": location})


def trickle(
    body: bytes,
    *,
    interval_s: float = 1.0,
    in_headers: bool = False,
    content_type: str = "text/html; charset=utf-8",
) -> Behaviour:
    """One byte every `interval_s`: of the headers (`in_headers`) or of the body. Never fast
    enough for a client with a total deadline; stops when the client hangs up."""

    def behaviour(conn: socket.socket, request: Request, server: HostileServer) -> None:
        head = _head(200, {"Content-Type": content_type, "Content-Length": str(len(body))})
        if not in_headers:
            _send(conn, request, head)
        data = (head if in_headers else b"") + body
        deadline = time.monotonic() + MAX_SERVE_S
        for i in range(len(data)):
            if server.stopping.is_set() or time.monotonic() > deadline:
                return
            _send(conn, request, data[i : i + 1], body=not in_headers)
            if server.stopping.wait(interval_s):
                return

    return behaviour


def endless(
    total_bytes: int,
    *,
    declare_length: bool = False,
    content_type: str = "text/html; charset=utf-8",
) -> Behaviour:
    """A body of `total_bytes` (50 MB ...), sent as fast as the client reads it; with
    `declare_length` the Content-Length says so up front."""
    chunk = (b"<p>" + b"Mali " * 13106 + b"</p>\n")[:65536]

    def behaviour(conn: socket.socket, request: Request, server: HostileServer) -> None:
        headers = {"Content-Type": content_type}
        if declare_length:
            headers["Content-Length"] = str(total_bytes)
        _send(conn, request, _head(200, headers))
        _send(conn, request, b"<html><body>", body=True)
        sent = 0
        deadline = time.monotonic() + MAX_SERVE_S
        while sent < total_bytes and not server.stopping.is_set():
            if time.monotonic() > deadline:
                return
            piece = chunk[: total_bytes - sent]
            _send(conn, request, piece, body=True)
            sent += len(piece)

    return behaviour


_BOMB_CACHE: dict[int, bytes] = {}


def gzip_bomb_bytes(decompressed_bytes: int) -> bytes:
    """`decompressed_bytes` of spaces, gzip-compressed (about a thousandth of the size)."""
    if decompressed_bytes not in _BOMB_CACHE:
        buffer = io.BytesIO()
        block = b" " * (1 << 20)
        with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as out:
            out.write(b"<html><body><p>")
            for _ in range(decompressed_bytes // len(block)):
                out.write(block)
        _BOMB_CACHE[decompressed_bytes] = buffer.getvalue()
    return _BOMB_CACHE[decompressed_bytes]


def gzip_bomb(decompressed_bytes: int) -> Behaviour:
    data = gzip_bomb_bytes(decompressed_bytes)
    return respond(
        200, data, headers={"Content-Encoding": "gzip"}, content_type="text/html; charset=utf-8"
    )


def stall_then(
    behaviour: Behaviour, *, release: threading.Event, max_s: float = MAX_SERVE_S
) -> Behaviour:
    """Hold the request without a byte of answer until `release` is set (or `max_s`), then
    behave as `behaviour`."""

    def stalled(conn: socket.socket, request: Request, server: HostileServer) -> None:
        deadline = time.monotonic() + max_s
        while not release.is_set() and not server.stopping.is_set():
            if time.monotonic() > deadline:
                break
            release.wait(0.1)
        behaviour(conn, request, server)

    return stalled


def sequence(*behaviours: Behaviour) -> Behaviour:
    """The n-th request gets the n-th behaviour; the last one answers every later request."""
    lock = threading.Lock()
    calls = [0]

    def behaviour(conn: socket.socket, request: Request, server: HostileServer) -> None:
        with lock:
            index = min(calls[0], len(behaviours) - 1)
            calls[0] += 1
        behaviours[index](conn, request, server)

    return behaviour


def on_hit(action: Callable[[], None], then: Behaviour) -> Behaviour:
    """Run `action` (fill a disk, set an event ...) when the request arrives, then answer."""

    def behaviour(conn: socket.socket, request: Request, server: HostileServer) -> None:
        action()
        then(conn, request, server)

    return behaviour
