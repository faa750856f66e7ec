"""Fetching web pages: the public face of the modules that touch the network.

Import from here; each subject lives in its own module:

- `extractors.http_client`: `HttpFetcher`, the HTTP client (redirects checked hop by hop,
  size cap, total deadline, conditional GET, per-host politeness), and `parse_retry_after`;
- `extractors.address_policy`: which addresses may be fetched from (`[fetch] allowed_hosts`,
  `allow_private_addresses`, no private or local addresses otherwise), `parse_allowed_host`;
- `extractors.guarded_transport`: the requests/urllib3 sessions that apply that policy to the
  connected socket (before any byte is sent, TLS included) and enforce the deadline;
- `extractors.charset`: `decode_html`, bytes to text the way a browser would (no network).
"""

from __future__ import annotations

from extractors.address_policy import AllowedHost, parse_allowed_host
from extractors.charset import decode_html
from extractors.http_client import HttpFetcher, parse_retry_after

__all__ = ["AllowedHost", "HttpFetcher", "decode_html", "parse_allowed_host", "parse_retry_after"]
