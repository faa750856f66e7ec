"""`mali-monitor report`: one self-contained HTML page on what the monitor stored in a period:
a map of Mali and its neighbours with the towns named (new ones marked), a timeline of
articles and new entities, the new actors and towns with their first article and sentence,
the most reprinted stories, and the feeds' health.

The page opens offline and fetches nothing: inline CSS, inline SVG drawn on the server
(`alerts/charts.py`), no script, no font, image or stylesheet from anywhere, and a
Content-Security-Policy that forbids loading any. Every text from the warehouse (titles and
sentences come from arbitrary web pages) is HTML-escaped; only http(s) article links are
links. The data comes from `warehouse/report_queries.py`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from importlib import metadata
from pathlib import Path

from alerts import charts
from alerts.digest import safe_url
from alerts.evidence import country_name
from extractors.errors import MonitorError
from warehouse.report_queries import (
    FeedHealth,
    NewEntity,
    ReportData,
    ReprintedStory,
    read_report_data,
)

__all__ = ["ReportError", "ReportWritten", "render_report", "safe_href", "write_report"]

MAX_ERROR_CHARS = 300


class ReportError(MonitorError):
    """The report could not be written (the message says where and why)."""

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: #1f2933;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 20px 48px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header p { margin: 0; color: #52606d; }
section { background: #fff; border: 1px solid #e4e7eb; border-radius: 8px;
  padding: 18px 20px; margin-top: 18px; }
h2 { margin: 0 0 12px; font-size: 19px; }
h3 { margin: 16px 0 8px; font-size: 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 16px; }
.card { background: #fff; border: 1px solid #e4e7eb; border-radius: 8px; padding: 10px 14px;
  min-width: 130px; flex: 1; }
.card b { display: block; font-size: 24px; }
.card span { color: #52606d; font-size: 13px; }
figure { margin: 0; }
svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption, .note { color: #52606d; font-size: 13px; margin-top: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px;
  border-bottom: 1px solid #e4e7eb; }
th { background: #f9fafb; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
blockquote { margin: 4px 0 0; padding: 2px 0 2px 10px; border-left: 3px solid #d2d6dc;
  color: #3e4c59; font-size: 13.5px; }
mark { background: #fdecc8; padding: 0 1px; }
.kind { color: #52606d; font-size: 12.5px; }
.source { color: #52606d; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12.5px;
  font-weight: 600; }
.ok { background: #e3f4e8; color: #1e6b35; }
.failing { background: #fde2e1; color: #9b1c1c; }
.unknown { background: #eceff1; color: #52606d; }
.new { color: #c0392b; font-weight: 600; }
ol.stories > li { margin-bottom: 10px; }
ol.stories ul { margin: 4px 0 0; padding-left: 18px; color: #3e4c59; font-size: 14px; }
.error { color: #9b1c1c; font-size: 13px; word-break: break-word; }
.url { word-break: break-all; font-size: 12.5px; color: #52606d; }
footer { color: #7b8794; font-size: 12.5px; margin-top: 24px; }
a { color: #1f5f99; }
"""

# Nothing may be fetched: no script at all, styles only inline, images only as data.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
       "form-action 'none'")


def _e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def safe_href(url: str | None) -> str | None:
    """`url` escaped for an href when it is an http(s) URL with a host; None otherwise
    (javascript:, data:, file:, seed: ... are never links)."""
    checked = safe_url(url)
    return _e(checked) if checked else None


def _link(url: str | None, label: str | None, fallback: str = "(untitled)") -> str:
    text = _e(label.strip() if label and label.strip() else fallback)
    href = safe_href(url)
    if href is None:
        return text
    return f'<a href="{href}" rel="noopener noreferrer nofollow">{text}</a>'


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M")


def _day(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d") if moment else ""


def _version() -> str:
    try:
        return metadata.version("mali-monitor")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "dev"


# --- sections ------------------------------------------------------------------------------


def _header(data: ReportData, period_label: str | None) -> str:
    until = _when(data.generated_at)
    if data.since is None:
        period = f"Everything the monitor stored, up to {until} UTC"
    else:
        label = f" (<code>--since {_e(period_label)}</code>)" if period_label else ""
        period = f"What the monitor stored from {_when(data.since)} to {until} UTC{label}"
    t = data.totals
    cards = [
        (t.articles, "articles stored"),
        (t.copies, "of them copies of a story"),
        (t.new_actors, "new actors"),
        (t.new_towns, "new towns"),
        (t.runs, "ingest runs"),
        (t.fetch_errors, "fetch errors"),
    ]
    card_html = "".join(
        f'<div class="card"><b>{n}</b><span>{_e(what)}</span></div>' for n, what in cards
    )
    return (
        f"<header><h1>Mali monitor report</h1><p>{period}.</p></header>"
        f'<div class="cards">{card_html}</div>'
    )


def _map_section(data: ReportData) -> str:
    shown = [t for t in data.towns if charts.on_map(t)]
    missing = [t for t in data.towns if not charts.on_map(t)]
    parts = ['<section id="map"><h2>Towns named in the period</h2><figure>',
             charts.map_svg(data.towns)]
    if shown:
        caption = (f"{len(shown)} town(s) on the map; red dots: first seen in the period, "
                   f"blue squares: known towns named again. The towns' coordinates are "
                   f"those stored in the warehouse (GeoNames).")
    else:
        caption = "No town with coordinates was named in the period."
    parts.append(f"<figcaption>{_e(caption)}</figcaption></figure>")
    if missing:
        names = ", ".join(
            f'<span class="new">{_e(t.name)}</span>' if t.is_new else _e(t.name)
            for t in missing
        )
        parts.append(f'<p class="note">Named but not on the map (no coordinates stored, or '
                     f'too far away): {names}.</p>')
    parts.append("</section>")
    return "".join(parts)


def _timeline_section(data: ReportData) -> str:
    return (
        '<section id="timeline"><h2>Timeline</h2><figure>'
        + charts.timeline_svg(data.days)
        + "<figcaption>An article counts on the day it was published (the day it was fetched "
        "when that is unknown); a new actor or town on the day of its first article."
        "</figcaption></figure></section>"
    )


def _sentence(entity: NewEntity) -> str:
    if not entity.sentence:
        return ""
    text = _e(" ".join(entity.sentence.split()))
    name = _e(entity.name)
    if name and name in text:
        text = text.replace(name, f"<mark>{name}</mark>", 1)
    return f"<blockquote>{text}</blockquote>"


def _entity_rows(entities: list[NewEntity]) -> str:
    rows = []
    for e in entities:
        kind = e.subtype.replace("_", " ") if e.subtype else e.kind
        # a town's country by name ("Mali"), the code when the name is not known
        where = ", ".join(_e(x) for x in (e.region, country_name(e.country_code)) if x)
        detail = f"{_e(kind)}{' · ' + where if where else ''}"
        if e.article_title or e.article_url:
            first = (f"{_link(e.article_url, e.article_title)} "
                     f'<span class="source">— {_e(e.article_source or "")}'
                     f'{", " + _day(e.article_date) if e.article_date else ""}</span>')
        else:
            first = '<span class="source">(first article unknown)</span>'
        rows.append(
            f'<tr><td><b>{_e(e.name)}</b><br><span class="kind">{detail}</span></td>'
            f'<td class="num">{e.articles}</td>'
            f"<td>{first}{_sentence(e)}</td>"
            f'<td class="num">{_when(e.first_seen_at)}</td></tr>'
        )
    return "".join(rows)


def _entities_section(data: ReportData) -> str:
    parts = ['<section id="new-entities"><h2>New actors and towns</h2>']
    for title, entities in (("Actors", data.new_actors), ("Towns", data.new_towns)):
        parts.append(f"<h3>{title} ({len(entities)})</h3>")
        if not entities:
            parts.append(f'<p class="note">No new {title.lower()} in the period.</p>')
            continue
        parts.append(
            "<table><thead><tr><th>Name</th><th class=\"num\">Articles</th>"
            "<th>First article and sentence</th><th class=\"num\">First seen (UTC)</th>"
            f"</tr></thead><tbody>{_entity_rows(entities)}</tbody></table>"
        )
    parts.append("</section>")
    return "".join(parts)


def _story(story: ReprintedStory) -> str:
    source = "seed corpus" if story.is_seed else (story.source or "")
    copies = "".join(
        f"<li>{_link(c.url, c.title)} <span class=\"source\">— {_e(c.source or '')}, "
        f"{_e(c.match)} copy"
        f"{f', similarity {c.similarity:.2f}' if c.similarity is not None else ''}"
        f"</span></li>"
        for c in story.copies
    )
    n = len(story.copies)
    return (f"<li><b>{_link(story.url, story.title)}</b> <span class=\"source\">— "
            f"{_e(source)} · {n} cop{'y' if n == 1 else 'ies'}</span><ul>{copies}</ul></li>")


def _stories_section(data: ReportData) -> str:
    body = (f'<ol class="stories">{"".join(_story(s) for s in data.stories)}</ol>'
            if data.stories else '<p class="note">No story was reprinted in the period.</p>')
    return f'<section id="stories"><h2>Most reprinted stories</h2>{body}</section>'


def _status(feed: FeedHealth) -> str:
    if feed.consecutive_failures:
        return f'<span class="badge failing">failing ×{feed.consecutive_failures}</span>'
    if feed.last_status:
        return f'<span class="badge ok">{_e(feed.last_status)}</span>'
    return '<span class="badge unknown">never polled</span>'


def _feeds_section(data: ReportData, feed_names: Mapping[str, str]) -> str:
    if not data.feeds:
        return ('<section id="feeds"><h2>Feed health</h2><p class="note">No feed polled '
                'yet.</p></section>')
    rows = []
    for f in data.feeds:
        name = feed_names.get(f.feed_url)
        label = (f"<b>{_e(name)}</b><br><span class=\"url\">{_link(f.feed_url, f.feed_url)}"
                 f"</span>" if name else f'<span class="url">{_link(f.feed_url, f.feed_url)}'
                 f"</span>")
        error = f.last_error or ""
        if len(error) > MAX_ERROR_CHARS:
            error = error[:MAX_ERROR_CHARS] + "…"
        next_poll = _when(f.next_poll_at) if f.next_poll_at else ""
        rows.append(
            f"<tr><td>{label}</td><td>{_status(f)}</td>"
            f'<td class="num">{_when(f.last_polled_at)}</td>'
            f'<td class="num">{next_poll}</td>'
            f'<td class="num">{f.articles}</td>'
            f'<td class="error">{_e(error)}</td></tr>'
        )
    return (
        '<section id="feeds"><h2>Feed health</h2><table><thead><tr><th>Feed</th>'
        '<th>Status</th><th class="num">Last polled (UTC)</th>'
        '<th class="num">Backed off until</th><th class="num">Articles</th>'
        f"<th>Last error</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def render_report(
    data: ReportData,
    *,
    feed_names: Mapping[str, str] | None = None,
    period_label: str | None = None,
) -> str:
    """The whole page as one string of HTML."""
    generated = _when(data.generated_at)
    body = "".join([
        _header(data, period_label),
        _map_section(data),
        _timeline_section(data),
        _entities_section(data),
        _stories_section(data),
        _feeds_section(data, feed_names or {}),
    ])
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta http-equiv="x-dns-prefetch-control" content="off">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Mali monitor report, {_e(generated)} UTC</title>"
        f"<style>{CSS}</style></head><body><main>{body}"
        f"<footer>Made by mali-monitor {_e(_version())} on {_e(generated)} UTC. A "
        "self-contained page: nothing in it is loaded from the network. Country outlines: "
        "Natural Earth (public domain).</footer></main></body></html>\n"
    )


@dataclass(frozen=True)
class ReportWritten:
    path: Path
    data: ReportData
    size: int


def write_report(
    db_path: str | Path,
    out: str | Path,
    *,
    since: datetime | None = None,
    period_label: str | None = None,
    feed_names: Mapping[str, str] | None = None,
    lock_wait_s: float | None = None,
    now: datetime | None = None,
) -> ReportWritten:
    """Read the warehouse file `db_path` (usually its read copy) and write the report to
    `out`, replacing it at once (a reader never sees half a page)."""
    data = read_report_data(db_path, since, now or datetime.now(UTC), lock_wait_s=lock_wait_s)
    page = render_report(data, feed_names=feed_names, period_label=period_label).encode()
    target = Path(out).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(page)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise ReportError(f"cannot write the report to {target}: {e}") from e
    return ReportWritten(target, data, len(page))
