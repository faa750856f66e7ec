"""Delivering the outbox: what the flow calls after a run has stored its new entities.

Guarantee (also in the README): every alert is delivered at least once, and in normal
operation exactly once.

- An alert is queued in the same transaction as its entity (`warehouse.outbox.create_alerts`),
  with an id derived from (entity, channel): no entity is alerted twice on a channel.
- Each run sends one digest per channel (split into several Slack messages when Slack's
  limits require). Before a message leaves, its alerts are *claimed* (claimed_at, digest_id,
  attempts + 1); after the channel accepted it they are marked `sent`; when it failed they
  are marked `failed` with the error text. Every later run retries pending and failed alerts
  until they are sent or reach `[alerts] max_attempts` (then they stay `failed`, and every
  run's report counts them as capped).
- The one window for a duplicate: the process dies after the channel accepted a message and
  before the `sent` mark was written. The next run finds those alerts still claimed and sends
  the *same* digest again (same alerts, same digest id; for email the same Message-ID, which
  mail clients use to thread and drop the copy). Slack cannot deduplicate, so there one
  message may appear twice. Nothing is ever lost: an alert leaves `pending`/`failed` only
  by being marked sent after a successful send.
- After a failure on a channel, the rest of that channel's messages wait for the next run
  (a channel that is down is not hammered); other channels go on.

Call it outside any transaction, so that each mark is committed as soon as it is made.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from alerts.channels import CHANNELS, ChannelSections, build_sender
from alerts.channels.spec import AlertSender, one_message, text_preview
from alerts.digest import AlertItem, Digest, build_digest, item_from_row, make_article, make_item
from alerts.errors import DeliveryError
from warehouse import outbox

log = logging.getLogger(__name__)


# --- channels: how a digest is cut into messages, and previewed -------------------------


def split_for_channel(digest: Digest) -> list[Digest]:
    """One Digest per message the channel will send (the whole digest for a channel that
    is not registered: a sender given by a caller)."""
    channel = CHANNELS.get(digest.channel)
    return (channel.split if channel else one_message)(digest)


def preview(digest: Digest) -> str:
    channel = CHANNELS.get(digest.channel)
    return (channel.preview if channel else text_preview)(digest)


def alert_items(con: duckdb.DuckDBPyConnection, alert_ids: Sequence[str]) -> list[AlertItem]:
    """What a digest shows about these alerts, read from the outbox."""
    return [item_from_row(row) for row in outbox.alert_rows(con, alert_ids)]


# --- the report --------------------------------------------------------------------------


@dataclass
class ChannelReport:
    channel: str
    sent: int = 0  # alerts marked sent this run
    messages: int = 0  # messages the channel accepted this run
    failed: int = 0  # alerts whose send failed this run (retried next run)
    deferred: int = 0  # alerts not tried this run after an earlier failure on the channel
    resent_after_interruption: int = 0  # alerts of an interrupted digest sent again
    capped: int = 0  # alerts given up on (failed at max_attempts), all runs
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RenderedDigest:
    """A message as it would be sent (dry run)."""

    channel: str
    digest: Digest
    text: str


@dataclass
class DeliveryReport:
    run_id: str
    dry_run: bool
    max_attempts: int
    channels: dict[str, ChannelReport] = field(default_factory=dict)
    unconfigured: dict[str, int] = field(default_factory=dict)  # waiting, no sender given
    rendered: list[RenderedDigest] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(c.sent for c in self.channels.values())

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.channels.values())

    @property
    def capped(self) -> int:
        return sum(c.capped for c in self.channels.values())

    def summary(self) -> str:
        """Lines for the run summary."""
        if self.dry_run:
            lines = [f"alerts (dry run): {len(self.rendered)} message(s) rendered, none sent"]
        else:
            lines = []
        for c in self.channels.values():
            if self.dry_run:
                continue
            if not (c.sent or c.failed or c.deferred):
                lines.append(f"alerts {c.channel:<6} nothing to send")
                continue
            text = f"alerts {c.channel:<6} {c.sent} sent in {c.messages} message(s)"
            if c.failed:
                text += f", {c.failed} failed (retried next run)"
            if c.deferred:
                text += f", {c.deferred} deferred to the next run"
            if c.resent_after_interruption:
                text += f", {c.resent_after_interruption} re-sent after an interrupted run"
            lines.append(text)
            lines += [f"  error: {e}" for e in c.errors]
        for c in self.channels.values():
            if c.capped:
                lines.append(
                    f"alerts {c.channel:<6} {c.capped} given up after {self.max_attempts} "
                    f"attempts; see: mali-monitor query \"select alert_id, entity_id, "
                    f"attempts, last_error from alerts where channel = '{c.channel}' and "
                    f"status = 'failed' and attempts >= {self.max_attempts}\""
                )
        for channel, waiting in self.unconfigured.items():
            lines.append(
                f"alerts {channel:<6} {waiting} waiting: the channel is not configured "
                f"([alerts] channels)"
            )
        return "\n".join(lines) if lines else "alerts: nothing to send"


# --- delivery ----------------------------------------------------------------------------


def deliver_pending(
    con: duckdb.DuckDBPyConnection,
    senders: Iterable[AlertSender],
    *,
    run_id: str,
    max_attempts: int,
    dry_run: bool = False,
    now: datetime,
) -> DeliveryReport:
    """Send every pending or failed alert below the cap, one digest per channel, and mark
    each alert sent or failed. `dry_run` renders the messages into the report without
    sending or marking anything."""
    report = DeliveryReport(run_id=run_id, dry_run=dry_run, max_attempts=max_attempts)
    chosen = {sender.channel: sender for sender in senders}
    for channel, sender in chosen.items():
        report.channels[channel] = _deliver_channel(
            con, sender, report, run_id=run_id, max_attempts=max_attempts,
            dry_run=dry_run, now=now,
        )
    for channel, waiting in outbox.waiting_by_channel(con, max_attempts).items():
        if channel not in chosen:
            report.unconfigured[channel] = waiting
    return report


def _deliver_channel(
    con: duckdb.DuckDBPyConnection,
    sender: AlertSender,
    report: DeliveryReport,
    *,
    run_id: str,
    max_attempts: int,
    dry_run: bool,
    now: datetime,
) -> ChannelReport:
    channel = sender.channel
    result = ChannelReport(channel)
    if not dry_run:
        outbox.release_capped_claims(con, channel, max_attempts, now)
    # Interrupted digests first, each exactly as it was; then everything else due.
    batches = [(ids, True) for ids in outbox.interrupted_digests(con, channel, max_attempts)]
    due = outbox.due_alert_ids(con, channel, max_attempts)
    if due:
        batches.append((due, False))
    down = False
    for alert_ids, interrupted in batches:
        digest = build_digest(channel, alert_items(con, alert_ids), run_id=run_id)
        for part in split_for_channel(digest):
            if dry_run:
                report.rendered.append(RenderedDigest(channel, part, preview(part)))
                continue
            if down:
                result.deferred += len(part.items)
                continue
            sent = _send_part(con, sender, part, result, run_id=run_id, now=now)
            if sent and interrupted:
                result.resent_after_interruption += len(part.items)
            down = not sent
    result.capped = outbox.capped_count(con, channel, max_attempts)
    return result


def _send_part(
    con: duckdb.DuckDBPyConnection,
    sender: AlertSender,
    part: Digest,
    result: ChannelReport,
    *,
    run_id: str,
    now: datetime,
) -> bool:
    claimed = outbox.claim(con, part.alert_ids, digest_id=part.digest_id, run_id=run_id, now=now)
    if claimed != set(part.alert_ids):
        part = build_digest(
            part.channel, [i for i in part.items if i.alert_id in claimed], run_id=run_id
        )
        outbox.set_digest(con, part.alert_ids, part.digest_id)
    if not part.items:
        return True
    try:
        sender.send(part)
    except DeliveryError as e:
        error = str(e)
    except Exception as e:  # a bug in a sender: keep the outbox consistent, say what it was
        log.error("alerts: %s sender failed unexpectedly (%s)", part.channel, type(e).__name__)
        error = f"unexpected {type(e).__name__} in the {part.channel} sender"
    else:
        outbox.mark_sent(con, part.alert_ids, now)
        result.sent += len(part.items)
        result.messages += 1
        return True
    outbox.mark_failed(con, part.alert_ids, error, now)
    result.failed += len(part.items)
    result.errors.append(error)
    log.warning("alerts: %s digest %s failed: %s", part.channel, part.digest_id, error)
    return False


# --- test alerts -------------------------------------------------------------------------


def example_digest(channel: str, now: datetime | None = None) -> Digest:
    """An example digest (one town, one actor), clearly marked as a test."""
    stamp = now or datetime.now(UTC)
    nonce = secrets.token_hex(4)  # a fresh Message-ID for every test
    article = make_article(
        "test-article",
        "Test alert from mali-monitor: the channel works",
        "https://github.com/",
        "mali-monitor",
        stamp,
    )
    town = make_item(
        alert_id=f"test-town-{nonce}", entity_id="test-town", kind="town", subtype="town",
        name="Timbuktu", article=article,
        surface="Timbuktu",
        sentence="This example sentence names Timbuktu, highlighted as a new town would be.",
        article_count=1, source_count=1, region="Tombouctou",
        latitude=16.7666, longitude=-3.0026, country_code="ML",
        evidence=("gazetteer",), confidence=0.85,
    )
    actor = make_item(
        alert_id=f"test-actor-{nonce}", entity_id="test-actor", kind="actor",
        subtype="organisation", name="Example Organisation", article=article,
        surface="Example Organisation",
        sentence="The Example Organisation stands for a new actor in this test message.",
        article_count=1, source_count=1, evidence=("name-words",), confidence=0.75,
    )
    return build_digest(channel, [actor, town], run_id=None, test=True)


def send_test_alert(channel: str, alerts: ChannelSections) -> str:
    """Send an example digest through a channel as configured in `alerts` (the `[alerts]`
    settings); return what was done. Raises DeliveryError (secret-free) when the channel is
    not configured or fails."""
    sender = build_sender(channel, alerts)
    digest = example_digest(channel)
    for part in split_for_channel(digest):
        sender.send(part)
    describe = getattr(sender, "describe", None)
    where = describe() if callable(describe) else channel
    return f"test alert sent: {where}"
