"""The Slack channel: Block Kit payloads posted to an incoming webhook with slack_sdk's
WebhookClient.

Within one send, slack_sdk retries a 429 after its Retry-After (bounded: a wait longer than
`max_retry_wait_s` is not waited for; the alerts fail and the next run delivers them), and a
500/503 once after a short pause. Anything else that is not HTTP 200 "ok" is a DeliveryError.

The webhook URL is a secret: it is held as a SecretStr, never logged (slack_sdk's own logging,
whose debug lines print the URL and whose error lines print raw exceptions, goes to a logger
of ours that is silenced: the same facts reach the user redacted, as the DeliveryError), and
redacted from every error text *before* anything is cut from it (a server echoing the URL in
a long error body leaves no piece of its token behind). Errors are raised `from None` so no
traceback carries it. Only https:// is accepted, but for a loopback host (127.0.0.1, ::1,
localhost: local tests and the demo), where http:// is too.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient

from alerts.digest import Digest
from alerts.errors import DeliveryError, Redactor, clip, url_redactor
from alerts.hosts import is_loopback_host
from alerts.render_slack import render_payloads

log = logging.getLogger(__name__)

# slack_sdk logs the webhook URL at DEBUG and unscrubbed exceptions at ERROR: silence it.
_sdk_log = logging.getLogger("alerts.slack_sdk")
_sdk_log.setLevel(logging.CRITICAL + 1)
_sdk_log.propagate = False


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
        return WebhookClient(
            self._url.get_secret_value(),
            timeout=int(max(1, round(self.timeout_s))),
            logger=_sdk_log,
            retry_handlers=[
                BoundedRateLimitRetryHandler(max_retry_count=3, max_wait_s=self.max_retry_wait_s),
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
