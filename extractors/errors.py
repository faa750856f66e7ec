"""The exceptions mali-monitor raises on purpose.

    MonitorError
     +-- FeedError        a feed could not be fetched or parsed       (.url)
     +-- FetchError       an HTTP fetch failed                        (.url, .status, .retry_after,
                                                                         .refused)
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
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.retry_after = retry_after
        self.refused = refused  # refused by policy (address, scheme, size, redirects)

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
