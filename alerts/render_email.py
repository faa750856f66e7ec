"""A digest as an email: a plain-text part and an HTML part (multipart/alternative). When
the digest has new towns with coordinates, the HTML part shows them on a small map: a PNG
(`alerts.charts.map_png`) attached inline, referenced by `cid:` (multipart/related inside
the alternative); the plain-text part is the same either way.

Untrusted text (names, titles, sentences, sources) is made single-line by `alerts.digest` and
`html.escape`d in the HTML part; links are http(s) only. The subject is fixed text, counts and
single-line names, and the envelope recipients come from the configuration alone, so nothing
in an article can add a header or a recipient. The Message-ID is derived from the digest id:
the same alerts sent twice carry the same Message-ID, which mail clients use to thread and
drop duplicates.
"""

from __future__ import annotations

import html
import logging
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

logger = logging.getLogger(__name__)

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
    png = town_map_png(digest)
    cid = map_cid(digest) if png else None
    msg.add_alternative(html_text(digest, map_cid=cid), subtype="html")
    if png and cid:
        html_part = msg.get_body(preferencelist=("html",))
        assert html_part is not None  # just added
        html_part.add_related(png, "image", "png", cid=f"<{cid}>", filename="towns-map.png",
                              disposition="inline")
    return msg


# --- the map of the new towns ------------------------------------------------------------


def map_cid(digest: Digest) -> str:
    """The map's Content-ID, derived from the digest id (the same digest, the same email)."""
    return f"towns-map-{digest.digest_id}@mali-monitor"


def town_map_png(digest: Digest) -> bytes | None:
    """A small PNG map of the digest's new towns with coordinates; None when there is none,
    or when drawing fails (logged: the email goes without its map)."""
    towns = [item for item in digest.of_kind("town") if item.has_coordinates]
    if not towns:
        return None
    try:
        from alerts import charts  # matplotlib: loaded only to draw
        from warehouse.report_queries import TownPoint

        points = [
            TownPoint(item.name, item.latitude, item.longitude, item.country_code, item.region,
                      max(item.article_count, 1), True)
            for item in towns
        ]
        if not any(charts.on_map(p) for p in points):
            return None
        return charts.map_png(points, period="this run")
    except Exception as e:  # a picture is never worth an undelivered alert
        logger.warning("the email digest goes without its map: %s: %s", type(e).__name__, e)
        return None


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


def html_text(digest: Digest, *, map_cid: str | None = None) -> str:
    """The HTML part; with `map_cid`, the map of the new towns (an inline image of that
    Content-ID) heads the towns' list."""
    body = [f"<p>{_e(_intro(digest))}</p>"]
    for kind, items in digest.groups():
        body.append(f"<h2>{_e(KIND_TITLES[kind])} ({len(items)})</h2>")
        if kind == "town" and map_cid:
            body.append(
                f'<p><img src="cid:{_e(map_cid)}" width="540" alt="Map of Mali with the new '
                'towns" style="max-width:100%;height:auto;border:1px solid #ddd"></p>'
            )
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
