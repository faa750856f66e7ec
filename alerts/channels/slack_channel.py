"""The Slack channel: its `[alerts.slack]` section, a digest as Block Kit messages (incoming
webhook payloads, with a text fallback), and the sender that posts them with slack_sdk's
WebhookClient.

The messages. Slack's limits are met by splitting, never by dropping: a message holds at
most 50 blocks (`MAX_BLOCKS`), a section's text at most 3000 characters, a header at most
150. Slack also refuses a message whose blocks hold too much text in all
(`msg_blocks_too_long`, observed from about 12,000 characters and not documented:
slackapi/bolt-js#2509, #2867), so a message carries at most `MAX_MESSAGE_CHARS` of block
text. `split_digest` cuts a digest into as many parts as needed, each a Digest of its own
(own id, "part 2 of 3"), and delivery sends and marks each part on its own.

Escaping untrusted text (names, titles, sentences, sources) for mrkdwn:
- `&`, `<`, `>` become `&amp;`, `&lt;`, `&gt;` as Slack's formatting reference asks, so
  `<!channel>`, `<!here>`, `<@U123>`, `<#C1>` and `<url|fake link>` stay inert text;
- Slack has no escape for `*`, `_`, `~` and `` ` ``: they are replaced by look-alike
  characters (∗ ˍ ∼ ˋ) so a title cannot open bold, italics, strike-through or code;
- every mrkdwn text object is `verbatim`, so Slack does not turn bare URLs, `@channel` or
  `#channel` into links or mentions;
- text is a single line (alerts.digest), so it can never start a `>` quote of its own.
An item whose escaped text would still pass 3000 characters (a hostile page) is shortened
with a visible '…', never cut silently.

The sender. Within one send, slack_sdk retries a 429 after its Retry-After (bounded: a wait
longer than `max_retry_wait_s` is not waited for; the alerts fail and the next run delivers
them), and a 500/503 once after a short pause. Anything else that is not HTTP 200 "ok" is a
DeliveryError.

The webhook URL is a secret: it is held as a SecretStr, never logged (slack_sdk's own logging,
whose debug lines print the URL and whose error lines print raw exceptions, goes to a logger
of ours that is silenced: the same facts reach the user redacted, as the DeliveryError), and
redacted from every error text *before* anything is cut from it (a server echoing the URL in
a long error body leaves no piece of its token behind). Errors are raised `from None` so no
traceback carries it. Only https:// is accepted, but for a loopback host (127.0.0.1, ::1,
localhost: local tests and the demo), where http:// is too.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from alerts.channels.spec import Channel, ChannelSettings, SecretKey, block_name, env_name
from alerts.credentials import read_secret
from alerts.digest import (
    KIND_TITLES,
    AlertItem,
    Digest,
    date_text,
    describe_subtype,
    find_highlights,
    single_line,
)
from alerts.errors import DeliveryError, Redactor, clip, url_redactor
from alerts.hosts import is_loopback_host

if TYPE_CHECKING:  # slack_sdk is imported when a sender posts (0.15 s no other command pays)
    from slack_sdk.http_retry.handler import RetryHandler
    from slack_sdk.webhook import WebhookClient

log = logging.getLogger(__name__)

# --- the [alerts.slack] section ------------------------------------------------------------


class SlackSettings(ChannelSettings):
    webhook_url_env: str = "MALI_MONITOR_SLACK_WEBHOOK"  # first; else the Secret block
    webhook_url_block: str = ""  # name of a Prefect Secret block ("" = none)
    timeout_s: float = Field(default=30.0, gt=0, le=600)

    _check_env = field_validator("webhook_url_env")(classmethod(lambda cls, v: env_name(v)))
    _check_block = field_validator("webhook_url_block")(
        classmethod(lambda cls, v: block_name(v))
    )


# --- the messages --------------------------------------------------------------------------


MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_MESSAGE_CHARS = 10_000
MAX_FALLBACK_CHARS = 300

_LOOK_ALIKES = str.maketrans(
    {
        "*": "\u2217",  # asterisk operator
        "\uff0a": "\ufe61",  # fullwidth asterisk -> small asterisk
        "_": "\u02cd",  # modifier letter low macron
        "\uff3f": "\u2e0f",  # fullwidth low line -> paragraphos
        "~": "\u223c",  # tilde operator
        "`": "\u02cb",  # modifier letter grave accent
        "\uff40": "\u02cb",
    }
)


def escape(text: str) -> str:
    """Untrusted text made inert in mrkdwn (see the module docstring)."""
    text = text.translate(_LOOK_ALIKES)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_url(url: str) -> str:
    """A URL for `<url|text>`: `|` would end the URL, so it is percent-encoded."""
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def link(url: str | None, text: str) -> str:
    return f"<{escape_url(url)}|{escape(text)}>" if url else escape(text)


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


# --- one item ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Budget:
    name: int | None = None
    title: int | None = None
    sentence: int | None = None
    links: bool = True


# From generous to terse: the first that fits 3000 characters once escaped is used.
_BUDGETS = (
    _Budget(),
    _Budget(sentence=400),
    _Budget(title=150, sentence=150, links=False),
    _Budget(name=80, title=80, sentence=0, links=False),
)


def _clip(text: str, limit: int | None) -> str:
    return text if limit is None else single_line(text, max(limit, 1))


def item_text(item: AlertItem) -> str:
    for budget in _BUDGETS:
        text = _item_text(item, budget)
        if len(text) <= MAX_SECTION_CHARS:
            return text
    return text[: MAX_SECTION_CHARS - 1] + "…"  # unreachable with the budgets above


def _item_text(item: AlertItem, budget: _Budget) -> str:
    lines = [f"*{escape(_clip(item.name, budget.name))}*  ·  {escape(describe_subtype(item))}"]
    if item.kind == "town":
        where = escape(item.place)
        if item.coordinates:
            where += "  ·  " + link(item.map_url if budget.links else None, item.coordinates)
        else:
            where += "  ·  coordinates unknown"
        lines.append(":round_pushpin: " + where)
    if item.why:
        lines.append(":mag: " + escape(item.why))
    if item.article:
        art = item.article
        title = _clip(art.title, budget.title)
        lines.append(
            f":newspaper: {link(art.url if budget.links else None, title)}  ·  "
            f"{escape(art.source)}, {date_text(art.published_at)}"
        )
    if item.sentence and budget.sentence != 0:
        shown = item
        if budget.sentence is not None and len(item.sentence) > budget.sentence:
            shown = _shortened(item, budget.sentence)
        quoted = "".join(
            f"*{escape(t)}*" if hit and t.strip() else escape(t)
            for t, hit in shown.sentence_parts()
        )
        lines.append(f">\u201c{quoted}\u201d")
    a, s = item.article_count, item.source_count
    lines.append(
        f"_{a} article{'s' if a != 1 else ''} · {s} source{'s' if s != 1 else ''} in this run_"
    )
    return "\n".join(lines)


def _shortened(item: AlertItem, limit: int) -> AlertItem:
    """The sentence cut around the first highlight, with visible ellipses."""
    start = item.highlights[0][0] if item.highlights else 0
    lo = max(0, start - limit // 3)
    piece = item.sentence[lo : lo + limit]
    text = ("…" if lo > 0 else "") + piece + ("…" if lo + limit < len(item.sentence) else "")
    return replace(item, sentence=text, highlights=find_highlights(text, [item.name]))


# --- messages ----------------------------------------------------------------------------


def _header_text(digest: Digest) -> str:
    if digest.test:
        return "mali-monitor: test alert"
    return f"mali-monitor: {digest.counts_text()}{digest.part_suffix()}"[:MAX_HEADER_CHARS]


def fallback_text(digest: Digest) -> str:
    """The notification text (shown where blocks are not): counts and the first names."""
    names = ", ".join(item.name for item in digest.items[:5])
    more = len(digest.items) - min(len(digest.items), 5)
    raw = f"{_header_text(digest)}: {names}" + (f" and {more} more" if more else "")
    return escape(single_line(raw, MAX_FALLBACK_CHARS))


def _context_text(digest: Digest) -> str:
    bits = ["test alert: the entity below is an example" if digest.test else "new since the "
            "seed corpus and every earlier run"]
    if digest.run_id:
        bits.append(f"run {escape(digest.run_id)}")
    bits.append(f"digest {digest.digest_id}")
    return "  ·  ".join(bits)


def _frame_blocks(digest: Digest) -> list[dict[str, Any]]:
    return [
        {"type": "header", "text": {"type": "plain_text", "text": _header_text(digest)}},
        {"type": "context", "elements": [_mrkdwn(_context_text(digest))]},
    ]


def _group_block(kind: str, count: int) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(f"*{KIND_TITLES[kind]}* ({count})")}


def render_payload(digest: Digest) -> dict[str, Any]:
    """One webhook payload for a digest that fits one message (see `split_digest`)."""
    blocks = _frame_blocks(digest)
    for n, (kind, items) in enumerate(digest.groups()):
        if n:
            blocks.append({"type": "divider"})
        blocks.append(_group_block(kind, len(items)))
        blocks += [{"type": "section", "text": _mrkdwn(item_text(item))} for item in items]
    payload = {
        "text": fallback_text(digest),
        "blocks": blocks,
        "unfurl_links": False,
        "unfurl_media": False,
    }
    problems = limit_problems(payload)
    if problems:  # split_digest guarantees this never happens
        raise ValueError("Slack message over its limits: " + "; ".join(problems))
    return payload


def limit_problems(payload: dict[str, Any]) -> list[str]:
    """What in a payload breaks Slack's documented limits (empty: it fits)."""
    problems = []
    blocks = payload.get("blocks", [])
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"{len(blocks)} blocks > {MAX_BLOCKS}")
    total = block_text_chars(blocks)
    if total > MAX_MESSAGE_CHARS:
        problems.append(f"{total} characters of block text > {MAX_MESSAGE_CHARS}")
    for block in blocks:
        text = block.get("text", {}).get("text", "")
        if block["type"] == "header" and len(text) > MAX_HEADER_CHARS:
            problems.append(f"header of {len(text)} characters > {MAX_HEADER_CHARS}")
        if block["type"] == "section" and len(text) > MAX_SECTION_CHARS:
            problems.append(f"section of {len(text)} characters > {MAX_SECTION_CHARS}")
    return problems


def block_text_chars(blocks: list[dict[str, Any]]) -> int:
    """All the text a message's blocks carry."""
    total = 0
    for block in blocks:
        total += len(block.get("text", {}).get("text", ""))
        total += sum(len(e.get("text", "")) for e in block.get("elements", []))
    return total


def plan(digest: Digest) -> list[int]:
    """How many items go in each message, in order, so every message fits the limits."""
    frame = _frame_blocks(digest)
    # the frame as it will be once numbered "(part 10 of 10)"
    frame_chars = block_text_chars(frame) + len(" (part 10 of 10)")
    group_chars = len(_group_block("actor", 999)["text"]["text"]) + 2
    sizes: list[int] = []
    count = blocks = chars = 0
    kind: str | None = None
    for item in digest.items:
        new_group = item.kind != kind
        # the item's section, plus a title when the kind changes (and a divider before it
        # unless it opens the message)
        extra = 1 if not new_group else (3 if kind is not None else 2)
        cost = len(item_text(item)) + (group_chars if new_group else 0)
        if count and (
            len(frame) + blocks + extra > MAX_BLOCKS
            or frame_chars + chars + cost > MAX_MESSAGE_CHARS
        ):
            sizes.append(count)
            count = blocks = chars = 0
            extra, cost = 2, len(item_text(item)) + group_chars
        blocks += extra
        chars += cost
        count += 1
        kind = item.kind
    if count or not sizes:
        sizes.append(count)
    return sizes


def split_digest(digest: Digest) -> list[Digest]:
    """The digest as parts that each fit one Slack message (itself when it fits)."""
    sizes = plan(digest)
    return [digest] if len(sizes) == 1 else digest.split(sizes)


def render_payloads(digest: Digest) -> list[dict[str, Any]]:
    return [render_payload(part) for part in split_digest(digest)]


# --- the sender ----------------------------------------------------------------------------

# slack_sdk logs the webhook URL at DEBUG and unscrubbed exceptions at ERROR: silence it.
_sdk_log = logging.getLogger("alerts.slack_sdk")
_sdk_log.setLevel(logging.CRITICAL + 1)
_sdk_log.propagate = False


@cache
def bounded_rate_limit_handler() -> type[RetryHandler]:
    """The retry handler class for 429s, made on first use (it extends slack_sdk's)."""
    from slack_sdk.http_retry.handler import RetryHandler
    from slack_sdk.http_retry.request import HttpRequest
    from slack_sdk.http_retry.response import HttpResponse
    from slack_sdk.http_retry.state import RetryState

    class BoundedRateLimitRetryHandler(RetryHandler):
        """Retry a 429 after its Retry-After, unless that is longer than `max_wait_s`.

        slack_sdk's RateLimitErrorRetryHandler sleeps whatever the server asks; a run must not
        hang for an hour, so a longer wait gives up (the next run retries)."""

        def __init__(self, max_retry_count: int = 3, max_wait_s: float = 30.0) -> None:
            super().__init__(max_retry_count=max_retry_count)
            self.max_wait_s = max_wait_s

        @staticmethod
        def retry_after(response: HttpResponse | None) -> float | None:
            if response is None:
                return None
            for key, values in response.headers.items():
                if key.lower() == "retry-after" and values:
                    try:
                        return max(0.0, float(values[0]))
                    except ValueError:
                        return None
            return None

        def _can_retry(
            self,
            *,
            state: RetryState,
            request: HttpRequest,
            response: HttpResponse | None = None,
            error: Exception | None = None,
        ) -> bool:
            if response is None or response.status_code != 429:
                return False
            wait = self.retry_after(response)
            return wait is None or wait <= self.max_wait_s

        def prepare_for_next_attempt(
            self,
            *,
            state: RetryState,
            request: HttpRequest,
            response: HttpResponse | None = None,
            error: Exception | None = None,
        ) -> None:
            wait = self.retry_after(response)
            time.sleep((1.0 if wait is None else wait) + random.uniform(0, 0.2))
            state.next_attempt_requested = True
            state.increment_current_attempt()

    return BoundedRateLimitRetryHandler


class SlackSender:
    channel = "slack"

    def __init__(
        self,
        webhook_url: SecretStr,
        *,
        timeout_s: float = 30.0,
        max_retry_wait_s: float = 30.0,
        server_error_pause_s: float = 0.5,
        source: str | None = None,
    ) -> None:
        """`source` says where the URL came from ("$MALI_MONITOR_SLACK_WEBHOOK", a Prefect
        Secret block), for messages that must not show the URL itself."""
        url = webhook_url.get_secret_value()
        self._redactor: Redactor = url_redactor(url)
        self.source = source
        if not _acceptable_url(url):
            raise DeliveryError(
                "slack: the webhook URL must start with https:// (http:// only to a loopback "
                "host: 127.0.0.1, ::1, localhost) and hold no user:password@ part; its value, "
                f"from {source or 'the settings'}, is not shown",
                channel="slack",
                secrets=self._redactor,
            )
        self._url = webhook_url
        self.timeout_s = timeout_s
        self.max_retry_wait_s = max_retry_wait_s
        self.server_error_pause_s = server_error_pause_s

    def describe(self) -> str:
        return f"Slack incoming webhook (URL from {self.source or 'the settings'}, not shown)"

    def _client(self) -> WebhookClient:
        from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
        from slack_sdk.http_retry.builtin_interval_calculators import (
            FixedValueRetryIntervalCalculator,
        )
        from slack_sdk.webhook import WebhookClient

        bounded = bounded_rate_limit_handler()
        return WebhookClient(
            self._url.get_secret_value(),
            timeout=int(max(1, round(self.timeout_s))),
            logger=_sdk_log,
            retry_handlers=[
                bounded(max_retry_count=3, max_wait_s=self.max_retry_wait_s),  # type: ignore[call-arg]
                ServerErrorRetryHandler(
                    max_retry_count=1,
                    interval_calculator=FixedValueRetryIntervalCalculator(
                        self.server_error_pause_s
                    ),
                ),
            ],
        )

    def _fail(self, what: str) -> DeliveryError:
        return DeliveryError(
            f"slack webhook: {what}", channel="slack", secrets=self._redactor
        )

    def send(self, digest: Digest) -> None:
        """Post the digest (one message when delivery split it first; several otherwise,
        in which case a failure part way leaves the earlier ones posted)."""
        client = self._client()
        for payload in render_payloads(digest):
            self._post(client, payload)
        log.info("slack digest %s (%d alerts) posted", digest.digest_id, len(digest.items))

    def _post(self, client: WebhookClient, payload: dict[str, Any]) -> None:
        try:
            response = client.send_dict(payload)
        except Exception as e:  # urllib, socket and slack_sdk errors alike
            raise self._fail(_describe(e, self._redactor)) from None
        # Redact the whole body first, then fold and cut it: a body echoing the URL must not
        # be cut through the token (DeliveryError cuts the message again, after redacting).
        body = clip(" ".join(self._redactor.scrub(str(response.body or "")).split()), 200)
        if response.status_code == 429:
            wait = response.headers.get("Retry-After") or response.headers.get("retry-after")
            raise self._fail(f"HTTP 429 rate limited (Retry-After {wait} s); the next run retries")
        if response.status_code != 200:
            hint = _HINTS.get(body, "")
            raise self._fail(f"HTTP {response.status_code} {body}{hint}")


_HINTS = {
    "invalid_token": " (the webhook was revoked: create a new one)",
    "no_service": " (the webhook was removed or its app uninstalled)",
    "channel_not_found": " (the webhook's channel no longer exists)",
    "channel_is_archived": " (the webhook's channel is archived)",
    "invalid_payload": " (a bug in mali-monitor's message: please report it)",
    "invalid_blocks": " (a bug in mali-monitor's message: please report it)",
}


def _acceptable_url(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return False
    if not host or "@" in parts.netloc:  # a login in the URL: not a webhook, and a secret
        return False
    scheme = parts.scheme.lower()
    return scheme == "https" or (scheme == "http" and is_loopback_host(host))


def _describe(error: BaseException, redactor: Redactor) -> str:
    reason = getattr(error, "reason", None)  # URLError wraps the socket error
    if isinstance(reason, BaseException):
        error = reason
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    text = " ".join(redactor.scrub(str(error) or type(error).__name__).split())
    return f"{type(error).__name__}: {text}"


# --- the channel ---------------------------------------------------------------------------


def build_sender(cfg: SlackSettings, env: Mapping[str, str]) -> SlackSender:
    """The webhook sender of `[alerts.slack]`, its URL read now from the environment
    variable it names, else from the Prefect Secret block it names."""
    name = cfg.webhook_url_env
    url, url_from = read_secret(env, name, cfg.webhook_url_block, "slack", "webhook_url_block")
    if url is None:
        raise DeliveryError(
            f"slack: the environment variable {name} is not set; set it to the channel's "
            f"incoming webhook URL (https://hooks.slack.com/services/...), or name a "
            f"Prefect Secret block holding it in [alerts.slack] webhook_url_block",
            channel="slack",
        )
    return SlackSender(SecretStr(url.strip()), timeout_s=cfg.timeout_s, source=url_from)


def preview(digest: Digest) -> str:
    return json.dumps(render_payloads(digest), ensure_ascii=False, indent=2)


CHANNEL = Channel(
    "slack",
    SlackSettings,
    build_sender,
    split=split_digest,
    preview=preview,
    secrets=(
        SecretKey("webhook_url", "Slack webhook URL", "webhook_url_env", "webhook_url_block"),
    ),
)
