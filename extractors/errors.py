"""The exceptions mali-monitor raises on purpose.

    MonitorError
     +-- FeedError        a feed could not be fetched or parsed       (.url)
     +-- FetchError       an HTTP fetch failed                        (.url, .status, .retry_after,
                                                                         .refused, .unresolved)
     +-- ExtractionError  a page gave no usable article text          (.url)

Each carries the URL it concerns so the flow can write a `fetch_errors` row and go on.
Warehouse and delivery errors live beside their owners (`warehouse.errors`, `alerts`).
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base class: an expected failure with a message meant for a user."""


class FeedError(MonitorError):
    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class FetchError(MonitorError):
    def __init__(
        self,
        message: str,
        *,
        url: str,
        status: int | None = None,
        retry_after: float | None = None,
        refused: bool = False,
        unresolved: bool = False,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.retry_after = retry_after
        self.refused = refused  # refused by policy (address, scheme, size, redirects)
        # the host name did not resolve (no such host, or no DNS at all: offline): retrying
        # within seconds cannot help, a later run may
        self.unresolved = unresolved

    @property
    def retry_soon(self) -> bool:
        """Worth another try within the same run (a timeout, 429, 5xx, a reset)."""
        return not self.permanent and not self.unresolved

    @property
    def permanent(self) -> bool:
        """True when retrying soon cannot help (4xx other than 408 and 429, bad content,
        a URL our policy refuses)."""
        if self.refused:
            return True
        if self.status is None:
            return False
        return 400 <= self.status < 500 and self.status not in (408, 429)


class ExtractionError(MonitorError):
    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url
