"""What one `ingest` run did: the typed summary the flow returns (`flows.tally` builds it
while the run goes).

`RunSummary` is what `mali-monitor run` prints (`flows.output.run_summary`), what the
`ingest-summary` artifact shows (`flows.output.summary_markdown`) and what a Python caller
of `ingest` gets back. It is frozen plain data, read by attribute (`summary.articles_new`):
`as_dict()` gives the JSON form (the keys and nesting of the dictionary the flow returned
before this class existed) and `from_dict()` reads it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alerts.delivery import DeliveryReport


@dataclass(frozen=True)
class FailedFeed:
    """A feed whose poll failed this run."""

    feed_url: str
    error: str | None


@dataclass(frozen=True)
class BackedOffFeed:
    """A feed not polled this run: still waiting after repeated failures."""

    feed_url: str
    next_poll_at: str  # ISO 8601, to the second
    consecutive_failures: int


@dataclass(frozen=True)
class AlertTally:
    """The run's alert delivery; `rendered` (the digests' text) only when it was tried."""

    sent: int = 0
    failed: int = 0
    capped: int = 0
    text: str = ""
    rendered: tuple[str, ...] | None = None

    @classmethod
    def of(cls, report: DeliveryReport | None, *, deliver: bool) -> AlertTally:
        if report is None:
            reason = "not delivered (--no-alerts)" if not deliver else "no channel"
            return cls(text=f"alerts: {reason}")
        return cls(report.sent, report.failed, report.capped, report.summary(),
                   tuple(r.text for r in report.rendered))

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"sent": self.sent, "failed": self.failed,
                                "capped": self.capped, "text": self.text}
        if self.rendered is not None:
            data["rendered"] = list(self.rendered)
        return data


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    warehouse: str = ""
    flow_run_id: str | None = None
    feeds_polled: int = 0
    entries_seen: int = 0
    articles_new: int = 0
    duplicates: int = 0
    errors: int = 0
    skipped: int = 0  # off topic
    not_modified: int = 0  # feeds that answered 304
    backed_off: int = 0  # feeds not polled: still waiting after repeated failures
    entities_new: int = 0
    in_doubt: int = 0  # entries fetched so that the page decides
    deferred: int = 0  # entries in doubt over the budget: next run
    pages_retried: int = 0  # failed pages of earlier runs tried again
    upgraded: int = 0  # articles stored from their summary, now from their page
    gave_up: int = 0  # entries with neither page nor summary after their tries
    mali_focused_feeds: tuple[str, ...] = ()  # topic = "auto" feeds learnt to be about Mali
    errors_by_feed: Mapping[str, int] = field(default_factory=dict)
    failed_feeds: tuple[FailedFeed, ...] = ()
    backed_off_feeds: tuple[BackedOffFeed, ...] = ()
    alerts: AlertTally | None = None
    read_copy: str | None = None  # the published read copy, or why it is not
    export: str | None = None  # the refreshed export (`[warehouse] export_dir`), or why not

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data (lists and dicts)."""
        return {
            "run_id": self.run_id,
            "flow_run_id": self.flow_run_id,
            "warehouse": self.warehouse,
            "feeds_polled": self.feeds_polled,
            "entries_seen": self.entries_seen,
            "articles_new": self.articles_new,
            "duplicates": self.duplicates,
            "errors": self.errors,
            "skipped": self.skipped,
            "not_modified": self.not_modified,
            "backed_off": self.backed_off,
            "entities_new": self.entities_new,
            "in_doubt": self.in_doubt,
            "deferred": self.deferred,
            "pages_retried": self.pages_retried,
            "upgraded": self.upgraded,
            "gave_up": self.gave_up,
            "mali_focused_feeds": list(self.mali_focused_feeds),
            "errors_by_feed": dict(self.errors_by_feed),
            "failed_feeds": [{"feed_url": f.feed_url, "error": f.error}
                             for f in self.failed_feeds],
            "backed_off_feeds": [
                {"feed_url": b.feed_url, "next_poll_at": b.next_poll_at,
                 "consecutive_failures": b.consecutive_failures}
                for b in self.backed_off_feeds
            ],
            "alerts": self.alerts.as_dict() if self.alerts is not None else None,
            "read_copy": self.read_copy,
            "export": self.export,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunSummary:
        """A summary from its dictionary form (`as_dict`); missing keys take defaults."""
        alerts = data.get("alerts")
        return cls(
            run_id=str(data["run_id"]),
            warehouse=str(data.get("warehouse") or ""),
            flow_run_id=data.get("flow_run_id"),
            **{name: int(data.get(name) or 0) for name in _COUNTS},
            mali_focused_feeds=tuple(data.get("mali_focused_feeds") or ()),
            errors_by_feed=dict(data.get("errors_by_feed") or {}),
            failed_feeds=tuple(FailedFeed(f["feed_url"], f.get("error"))
                               for f in data.get("failed_feeds") or ()),
            backed_off_feeds=tuple(
                BackedOffFeed(b["feed_url"], str(b["next_poll_at"]),
                              int(b["consecutive_failures"]))
                for b in data.get("backed_off_feeds") or ()
            ),
            alerts=None if alerts is None else AlertTally(
                int(alerts.get("sent", 0)), int(alerts.get("failed", 0)),
                int(alerts.get("capped", 0)), str(alerts.get("text", "")),
                tuple(alerts["rendered"]) if "rendered" in alerts else None,
            ),
            read_copy=data.get("read_copy"),
            export=data.get("export"),
        )


_COUNTS = (
    "feeds_polled", "entries_seen", "articles_new", "duplicates", "errors", "skipped",
    "not_modified", "backed_off", "entities_new", "in_doubt", "deferred", "pages_retried",
    "upgraded", "gave_up",
)

