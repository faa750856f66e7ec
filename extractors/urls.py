"""URL canonicalisation: one key per story however a feed decorates its link."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

# Query parameters that only track a click; they never select content.
_TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gclsrc|msclkid|yclid|mc_cid|mc_eid|igshid|at_\w+|xtor|"
    r"cmp|cmpid|ocid|ref|ref_src|referrer|src|ito|_ga|_gl|smid|partner|taid|cid|mbid|"
    r"rss|feed|feedtype|ns_mchannel|ns_source|ns_campaign|ns_linkname|ns_fee|amp)$",
    re.IGNORECASE,
)
_HOST_PREFIXES = ("www.", "m.", "amp.", "mobile.")
_AMP_PATH = re.compile(r"(/amp/?$|/amp(?=/)|\.amp(?=$|\.html?$))", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_http_url(url: str | None) -> bool:
    if not url:
        return False
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def absolute_url(link: str, base: str) -> str:
    """Resolve a possibly relative link against the feed or page it came from."""
    return urljoin(base, link.strip())


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no www./m./amp. host or /amp path, no tracking parameters,
    no fragment, no trailing slash, sorted query; https and http are one."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url.strip()
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = _AMP_PATH.sub("", parts.path) or "/"
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING_PARAMS.match(k)
    )
    return urlunsplit(("https", netloc, path, urlencode(query), ""))


def url_key(canonical: str) -> str:
    """Short stable id derived from a canonical URL (used as `article_id`)."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:20]
