"""A replay: a folder of feeds and article pages served on 127.0.0.1 as if they were the web.

A replay directory holds static files: RSS/Atom feeds and the HTML pages they link to, in
any layout (`outlet/feed.xml`, `outlet/news/story.html` ...). Their links are written with a
`{base}` placeholder (`<link>{base}/outlet/news/story.html</link>`), which the server replaces
with its own address (`http://127.0.0.1:PORT`) when it serves a text file, so one replay
works on any port.

`ReplayServer` serves such a folder (a `Path`, or package data through `importlib.resources`)
plus files given in memory (`put`, e.g. a page generated at run time), on 127.0.0.1 only:

- `GET` and `HEAD`; a query string is ignored (feeds link pages with `?utm_source=...`);
  `/a/b` also finds `a/b.html` and `a/b/index.html`;
- `Content-Type` from the file's extension (`.rss` application/rss+xml, `.atom`
  application/atom+xml, `.xml` application/xml, `.html` text/html, text types in UTF-8);
- a strong `ETag` (of the body as served) on every 200, and `304 Not Modified` to a matching
  `If-None-Match`, so conditional polling behaves as with a well-behaved news site;
- 404 for anything else (hidden files and `..` included); 405 for other methods;
- every request is logged (`requests`), so tests can assert what was fetched and that
  nothing went elsewhere.

The demo (`flows.demo`) serves the bundled replay `flows/demo_replay/`; tests and benchmarks
write a replay into a temporary folder and serve it the same way:

    with ReplayServer(tmp_path / "replay") as server:
        feed_url = server.url("/outlet/feed.xml")
"""

from __future__ import annotations

import hashlib
import posixpath
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources.abc import Traversable
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

__all__ = ["PLACEHOLDER", "ReplayRequest", "ReplayServer", "content_type_for"]

PLACEHOLDER = "{base}"
HOST = "127.0.0.1"

# extension -> (media type, is text). Text files get "; charset=utf-8" and the placeholder.
CONTENT_TYPES: dict[str, tuple[str, bool]] = {
    ".rss": ("application/rss+xml", True),
    ".atom": ("application/atom+xml", True),
    ".xml": ("application/xml", True),
    ".rdf": ("application/rdf+xml", True),
    ".html": ("text/html", True),
    ".htm": ("text/html", True),
    ".xhtml": ("application/xhtml+xml", True),
    ".txt": ("text/plain", True),
    ".md": ("text/markdown", True),
    ".json": ("application/json", True),
    ".css": ("text/css", True),
    ".js": ("text/javascript", True),
    ".svg": ("image/svg+xml", True),
    ".png": ("image/png", False),
    ".jpg": ("image/jpeg", False),
    ".jpeg": ("image/jpeg", False),
    ".gif": ("image/gif", False),
    ".webp": ("image/webp", False),
    ".ico": ("image/x-icon", False),
    ".pdf": ("application/pdf", False),
}
DEFAULT_TYPE = ("application/octet-stream", False)


def content_type_for(name: str) -> tuple[str, bool]:
    """(Content-Type header, whether the file is text) for a file name."""
    media, is_text = CONTENT_TYPES.get(posixpath.splitext(name.lower())[1], DEFAULT_TYPE)
    return (f"{media}; charset=utf-8" if is_text else media), is_text


@dataclass(frozen=True)
class ReplayRequest:
    """One request the server answered."""

    method: str
    path: str  # the request path with its query string, as sent
    status: int
    client: str  # the peer's address
    headers: dict[str, str]
    at: datetime


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # a port freed by the previous run can be bound again at once


class ReplayServer:
    """Serve a replay directory on 127.0.0.1 (a free port unless `port` is given)."""

    def __init__(
        self,
        root: Path | Traversable | None = None,
        *,
        port: int = 0,
        files: dict[str, str | bytes] | None = None,
    ) -> None:
        """`root`: the replay folder (or None: only files given with `files`/`put`).
        `port`: 0 for a free port; a taken port raises OSError (`start` is not needed to
        see it: the socket is bound here)."""
        self.root = root
        self._overlay: dict[str, bytes] = {}
        self._log: list[ReplayRequest] = []
        self._lock = threading.Lock()
        self._server = _Server((HOST, port), self._handler())
        self._thread: threading.Thread | None = None
        for path, body in (files or {}).items():
            self.put(path, body)

    # --- addresses -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT, what `{base}` becomes in served text."""
        return f"http://{HOST}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + "/" + path.lstrip("/")

    # --- content -------------------------------------------------------------------------

    def put(self, path: str, body: str | bytes) -> str:
        """Serve `body` at `path` (it wins over a file of the same path); returns its URL."""
        key = _clean_path(path)
        if not key or key.endswith("/"):
            raise ValueError(f"not a servable file path: {path!r}")
        with self._lock:
            self._overlay[key] = body.encode("utf-8") if isinstance(body, str) else body
        return self.url(key)

    def paths(self) -> list[str]:
        """Every servable file path (folder files and `put` files), sorted."""
        found = set(self._overlay)
        if self.root is not None:
            found.update(_walk(self.root, ""))
        return sorted(found)

    def render(self, path: str) -> tuple[bytes, str] | None:
        """The body and Content-Type served at `path`, or None (404)."""
        key = _clean_path(urlsplit(path).path)
        if key is None:
            return None
        if not key or key.endswith("/"):
            candidates = [key + "index.html"]
        else:
            candidates = [key, key + ".html", key + "/index.html"]
        for candidate in candidates:
            raw = self._read(candidate)
            if raw is not None:
                ctype, is_text = content_type_for(candidate)
                if is_text:
                    raw = raw.replace(PLACEHOLDER.encode(), self.base.encode())
                return raw, ctype
        return None

    def _read(self, key: str) -> bytes | None:
        if not key or key.endswith("/"):
            return None
        with self._lock:
            if key in self._overlay:
                return self._overlay[key]
        if self.root is None:
            return None
        node: Path | Traversable = self.root
        for part in key.split("/"):
            node = node.joinpath(part)
        try:
            return node.read_bytes() if node.is_file() else None
        except OSError:
            return None

    # --- the request log -----------------------------------------------------------------

    @property
    def requests(self) -> list[ReplayRequest]:
        with self._lock:
            return list(self._log)

    def requests_to(self, path: str) -> list[ReplayRequest]:
        """Requests whose path (query string ignored) is `path`."""
        wanted = "/" + path.lstrip("/")
        return [r for r in self.requests if urlsplit(r.path).path == wanted]

    def clear_requests(self) -> None:
        with self._lock:
            self._log.clear()

    def _record(self, request: ReplayRequest) -> None:
        with self._lock:
            self._log.append(request)

    # --- life cycle ----------------------------------------------------------------------

    def start(self) -> ReplayServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                name=f"replay-{self.port}", daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- HTTP ----------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "mali-monitor-replay"
            # Headers and body are two writes: without TCP_NODELAY the body waits for the
            # client's delayed ACK, 40 ms per page on Linux (1.7 ms with it).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return  # the request log replaces stderr lines

            def do_GET(self) -> None:  # noqa: N802
                self._answer(with_body=True)

            def do_HEAD(self) -> None:  # noqa: N802
                self._answer(with_body=False)

            def _refuse(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if 0 < length <= 1_000_000:
                    self.rfile.read(length)  # so that the connection stays usable
                else:
                    self.close_connection = True
                self._send(405, b"method not allowed\n", "text/plain; charset=utf-8",
                           {"Allow": "GET, HEAD"}, with_body=True)

            do_POST = do_PUT = do_DELETE = do_PATCH = _refuse  # noqa: N815

            def _answer(self, *, with_body: bool) -> None:
                found = replay.render(self.path)
                if found is None:
                    self._send(404, b"not found\n", "text/plain; charset=utf-8", {},
                               with_body=with_body)
                    return
                body, ctype = found
                etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                headers = {"ETag": etag, "Cache-Control": "no-cache"}
                if _etag_matches(self.headers.get("If-None-Match"), etag):
                    self._send(304, b"", None, headers, with_body=False)
                    return
                self._send(200, body, ctype, headers, with_body=with_body)

            def _send(
                self,
                status: int,
                body: bytes,
                ctype: str | None,
                headers: dict[str, str],
                *,
                with_body: bool,
            ) -> None:
                replay._record(
                    ReplayRequest(
                        method=self.command,
                        path=self.path,
                        status=status,
                        client=str(self.client_address[0]),
                        headers=dict(self.headers.items()),
                        at=datetime.now(UTC),
                    )
                )
                try:
                    self.send_response(status)
                    if ctype:
                        self.send_header("Content-Type", ctype)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    if status != 304:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if with_body and status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away

        return Handler


def _etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match: a list of tags (weak ones compare weakly, as RFC 9110 asks) or `*`."""
    if not header:
        return False
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


def _clean_path(path: str) -> str | None:
    """A request path as a relative file path, or None when it leaves the folder or names
    a hidden file."""
    parts = []
    for part in unquote(path).split("/"):
        if part in ("", "."):
            continue
        if part == ".." or part.startswith(".") or "\\" in part or "\x00" in part:
            return None
        parts.append(part)
    key = "/".join(parts)
    return key + "/" if path.endswith("/") and key else key


def _walk(node: Path | Traversable, prefix: str) -> Iterable[str]:
    for child in node.iterdir():
        if child.name.startswith(".") or child.name == "__pycache__":
            continue
        name = f"{prefix}{child.name}"
        if child.is_dir():
            yield from _walk(child, name + "/")
        elif child.is_file():
            yield name
