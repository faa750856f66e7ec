"""A real HTTP server on 127.0.0.1 serving feeds and pages for tests.

Routes are set per test; every request is logged so tests can assert what was fetched.
Feeds get an ETag and honour If-None-Match, like a well-behaved news site.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    etag: bool = False  # answer 304 to a matching If-None-Match


@dataclass
class Hit:
    path: str
    headers: dict[str, str]
    status: int


class Site:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | str, **kwargs: object) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def add_feed(self, path: str, xml: str, **kwargs: object) -> str:
        kwargs.setdefault("content_type", "application/rss+xml; charset=utf-8")
        kwargs.setdefault("etag", True)
        return self.add(path, xml, **kwargs)

    def requests_to(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def clear_hits(self) -> None:
        with self._lock:
            self.hits.clear()

    def start(self) -> Site:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body are two writes: without it each page waits 40 ms for the
            # client's delayed ACK
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                route = site.routes.get(path)
                status = route.status if route else 404
                body = route.body if route else b"not found"
                tag = '"' + hashlib.sha1(body).hexdigest() + '"'
                if route and route.etag and self.headers.get("If-None-Match") == tag:
                    status, body = 304, b""
                with site._lock:
                    site.hits.append(Hit(path, dict(self.headers.items()), status))
                if route and route.delay_s:
                    time.sleep(route.delay_s)
                try:
                    self.send_response(status)
                    if status != 304:
                        ctype = route.content_type if route else "text/plain"
                        self.send_header("Content-Type", ctype)
                    if route and route.etag:
                        self.send_header("ETag", tag)
                    for name, value in (route.headers if route else {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        return Handler


def rss(title: str, items: list[dict[str, str]], *, language: str = "en") -> str:
    """An RSS 2.0 document; each item dict may hold title, link, description, pubDate, guid."""
    parts = []
    for item in items:
        fields = "".join(
            f"<{key}>{escape(value)}</{key}>" for key, value in item.items() if value is not None
        )
        parts.append(f"<item>{fields}</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://example.org/</link>"
        f"<language>{language}</language>{''.join(parts)}</channel></rss>"
    )


def atom(title: str, entries: list[dict[str, str]]) -> str:
    """An Atom 1.0 document; each entry dict holds title, link, summary, updated, id."""
    parts = []
    for entry in entries:
        parts.append(
            "<entry>"
            f"<title>{escape(entry['title'])}</title>"
            f'<link rel="alternate" href="{escape(entry["link"])}"/>'
            f"<id>{escape(entry.get('id', entry['link']))}</id>"
            f"<updated>{entry.get('updated', '2024-03-02T08:00:00Z')}</updated>"
            f"<summary>{escape(entry.get('summary', ''))}</summary>"
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:test:{escape(title)}</id>"
        f"<updated>2024-03-02T08:00:00Z</updated>{''.join(parts)}</feed>"
    )


def article_page(
    title: str,
    paragraphs: list[str],
    *,
    author: str = "Staff reporter",
    published: str = "2024-03-02",
    lang: str = "en",
    site_name: str = "Sahel Test Daily",
    canonical: str | None = None,
) -> str:
    """A news page with the usual frame around the article: nav, share bar, footer."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    link = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)} | {site_name}</title>
<meta name="author" content="{escape(author)}">
<meta property="og:site_name" content="{escape(site_name)}">
<meta property="article:published_time" content="{published}T09:00:00Z">{link}
</head><body>
<header><nav><a href="/">Home</a> <a href="/africa">Africa</a>
<a href="/sport">Sport</a></nav></header>
<main><article><h1>{escape(title)}</h1>
<p class="byline">By {escape(author)}</p>
{body}
</article>
<aside><h2>Most read</h2><ul><li><a href="/x">Football results</a></li></ul></aside></main>
<footer><p>© {site_name}. All rights reserved.</p></footer>
</body></html>"""


def serving() -> Iterator[Site]:
    site = Site().start()
    try:
        yield site
    finally:
        site.stop()


Factory = Callable[[], Site]
