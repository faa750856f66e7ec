"""A digest as an email: a plain-text part and an HTML part (multipart/alternative).

Untrusted text (names, titles, sentences, sources) is made single-line by `alerts.digest` and
`html.escape`d in the HTML part; links are http(s) only. The subject is fixed text, counts and
single-line names, and the envelope recipients come from the configuration alone, so nothing
in an article can add a header or a recipient. The Message-ID is derived from the digest id:
the same alerts sent twice carry the same Message-ID, which mail clients use to thread and
drop duplicates.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from alerts.digest import (
    KIND_TITLES,
    AlertItem,
    Digest,
    date_text,
    describe_subtype,
    single_line,
)

SUBJECT_PREFIX = "[mali-monitor]"
MAX_SUBJECT_NAMES = 3
MAX_SUBJECT_CHARS = 150


def subject(digest: Digest) -> str:
    """'[mali-monitor] 2 new actors, 1 new town: Ansar Dine, Kidal and 1 more'."""
    if digest.test:
        return f"{SUBJECT_PREFIX} test alert"
    names = [item.name for item in digest.items[:MAX_SUBJECT_NAMES]]
    more = len(digest.items) - len(names)
    listed = ", ".join(names) + (f" and {more} more" if more > 0 else "")
    text = f"{SUBJECT_PREFIX} {digest.counts_text()}: {listed}{digest.part_suffix()}"
    return single_line(text, MAX_SUBJECT_CHARS)


def message_id(digest: Digest, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "mali-monitor.invalid"
    domain = "".join(ch for ch in domain if ch.isalnum() or ch in ".-") or "mali-monitor.invalid"
    return f"<digest-{digest.digest_id}@{domain}>"


def build_message(
    digest: Digest,
    *,
    sender: str,
    recipients: Sequence[str],
    now: datetime | None = None,
) -> EmailMessage:
    """The whole email. Header values come from the configuration and fixed text only;
    EmailMessage also refuses any header value with a line break."""
    msg = EmailMessage()
    msg["Subject"] = subject(digest)
    msg["From"] = Address(addr_spec=sender)
    msg["To"] = ", ".join(recipients)
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = message_id(digest, sender)
    msg["X-Mali-Monitor-Digest"] = digest.digest_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(plain_text(digest))
    msg.add_alternative(html_text(digest), subtype="html")
    return msg


# --- plain text --------------------------------------------------------------------------


def plain_text(digest: Digest) -> str:
    lines = [_intro(digest), ""]
    for kind, items in digest.groups():
        title = f"{KIND_TITLES[kind]} ({len(items)})"
        lines += [title, "=" * len(title), ""]
        for item in items:
            lines += _plain_item(item) + [""]
    lines.append(_footer(digest))
    return "\n".join(lines) + "\n"


def _intro(digest: Digest) -> str:
    if digest.test:
        return (
            "This is a test alert from mali-monitor: the email channel works. "
            "The entity below is an example, not a finding."
        )
    return f"mali-monitor found {digest.counts_text()} never seen before{digest.part_suffix()}."


def _footer(digest: Digest) -> str:
    run = f" in run {digest.run_id}" if digest.run_id else ""
    return f"-- \nmali-monitor digest {digest.digest_id}{run}"


def _plain_item(item: AlertItem) -> list[str]:
    lines = [f"* {item.name} ({describe_subtype(item)})"]
    if item.kind == "town":
        lines.append("  " + _place_text(item))
    if item.article:
        art = item.article
        lines.append(f"  {art.title}")
        if art.url:
            lines.append(f"  {art.url}")
        lines.append(f"  {art.source}, {date_text(art.published_at)}")
    if item.sentence:
        quoted = "".join(f"**{t}**" if hit else t for t, hit in item.sentence_parts())
        lines.append(f"  \u201c{quoted}\u201d")
    lines.append("  " + _spread_text(item))
    return lines


def _place_text(item: AlertItem) -> str:
    where = item.region or "region unknown"
    if item.coordinates:
        return f"{where}, {item.coordinates}: {item.map_url}"
    return f"{where}, coordinates unknown"


def _spread_text(item: AlertItem) -> str:
    a, s = item.article_count, item.source_count
    return (
        f"named in {a} article{'s' if a != 1 else ''} from {s} source{'s' if s != 1 else ''} "
        f"in this run"
    )


# --- HTML --------------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def html_text(digest: Digest) -> str:
    body = [f"<p>{_e(_intro(digest))}</p>"]
    for kind, items in digest.groups():
        body.append(f"<h2>{_e(KIND_TITLES[kind])} ({len(items)})</h2>")
        body.append("<ul>")
        body += [_html_item(item) for item in items]
        body.append("</ul>")
    footer = _e(_footer(digest).replace("-- \n", ""))
    body.append(f'<p style="color:#777;font-size:small">{footer}</p>')
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{_e(subject(digest))}</title></head>\n"
        "<body style=\"font-family:sans-serif\">\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _link(url: str | None, text: str) -> str:
    if not url:
        return _e(text)
    return f'<a href="{_e(url)}">{_e(text)}</a>'


def _html_item(item: AlertItem) -> str:
    parts = [f"<li><strong>{_e(item.name)}</strong> <em>({_e(describe_subtype(item))})</em>"]
    if item.kind == "town":
        where = _e(item.region or "region unknown")
        if item.coordinates:
            where += ", " + _link(item.map_url, item.coordinates + " (map)")
        else:
            where += ", coordinates unknown"
        parts.append(f"<br>{where}")
    if item.article:
        art = item.article
        parts.append(
            f"<br>{_link(art.url, art.title)} &mdash; {_e(art.source)}, "
            f"{_e(date_text(art.published_at))}"
        )
    if item.sentence:
        quoted = "".join(
            f"<mark>{_e(t)}</mark>" if hit else _e(t) for t, hit in item.sentence_parts()
        )
        parts.append(f"<blockquote>{quoted}</blockquote>")
    parts.append(f"<small>{_e(_spread_text(item))}</small></li>")
    return "\n".join(parts)
