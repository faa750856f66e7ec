"""URL canonicalisation: one key per story however a feed decorates its link."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import (
    parse_qsl,
    quote,
    unquote_to_bytes,
    urlencode,
    urljoin,
    urlsplit,
    urlunsplit,
)

# Query parameters that only track a click; they never select content.
_TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gclsrc|msclkid|yclid|mc_cid|mc_eid|igshid|at_\w+|xtor|"
    r"cmp|cmpid|ocid|ref|ref_src|referrer|src|ito|_ga|_gl|smid|partner|taid|cid|mbid|"
    r"rss|feed|feedtype|ns_mchannel|ns_source|ns_campaign|ns_linkname|ns_fee|amp|"
    r"wt\.mc_id|wt\.mc_ev|wt_mc|_hsenc|_hsmi|mkt_tok|ncid|icid|s_cid|sr_share|vero_id|"
    r"oly_enc_id|oly_anon_id|__twitter_impression|fb_action_ids|fb_action_types|fb_source|"
    r"fb_ref|amp_\w+|usqp|ampshare|aoh)$",
    re.IGNORECASE,
)
# An AMP copy selected by a query value (`?outputType=amp`) rather than by the path.
_AMP_QUERY = frozenset({("outputtype", "amp")})
# Google's AMP cache: https://<any>.cdn.ampproject.org/c/s/<host>/<path> serves <host>'s page
# (`/s/` when the origin is https); `c` documents, `v` the viewer.
_AMP_CACHE_PATH = re.compile(r"^/[cv]/(?P<secure>s/)?(?P<rest>[^/]+\.[^/]+(?:/.*)?)$")
_SESSION_ID = re.compile(r";jsessionid=[^/]*", re.IGNORECASE)
_ENCODED_SLASH = re.compile(r"%2f", re.IGNORECASE)
# RFC 3986 path characters that need no escape (unreserved ones are always left alone).
_PATH_SAFE = "/:@!$&'()*+,;="
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
    unwrapped = _unwrap_amp_cache(parts.hostname or "", parts.path, parts.query)
    if unwrapped:
        return canonical_url(unwrapped)
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
            break
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = _normalise_escapes(_SESSION_ID.sub("", parts.path))
    path = _AMP_PATH.sub("", path) or "/"
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING_PARAMS.match(k) and (k.lower(), v.lower()) not in _AMP_QUERY
    )
    return urlunsplit(("https", netloc, path, urlencode(query), ""))


def _unwrap_amp_cache(host: str, path: str, query: str) -> str | None:
    """The publisher's URL behind a Google AMP cache URL, or None."""
    host = host.lower().rstrip(".")
    if not (host == "cdn.ampproject.org" or host.endswith(".cdn.ampproject.org")):
        return None
    match = _AMP_CACHE_PATH.match(path)
    if not match:
        return None
    scheme = "https" if match["secure"] else "http"
    return f"{scheme}://{match['rest']}" + (f"?{query}" if query else "")


def _normalise_escapes(path: str) -> str:
    """One spelling per path: `/armée`, `/arm%C3%A9e` and `/arm%c3%a9e` are one page (feeds
    and pages of French sites mix them). An escaped slash stays escaped: it is not a `/`."""
    return "%2F".join(
        quote(unquote_to_bytes(piece), safe=_PATH_SAFE)
        for piece in _ENCODED_SLASH.split(path)
    )


def url_key(canonical: str) -> str:
    """Short stable id derived from a canonical URL (used as `article_id`)."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:20]
