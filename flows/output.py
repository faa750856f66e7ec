"""Rendering query results and run summaries for the terminal."""

from __future__ import annotations

import base64
import csv
import io
import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flows.run_summary import RunSummary

if TYPE_CHECKING:
    from warehouse.report_queries import RunMapData

MAX_CELL = 80  # a table cell's default cap when the width is not given (csv/json: never cut)
MIN_COLUMN = 6  # fitting a table to a width never narrows a column below this (or its header)
FIT_FLOORS = (16, 10, MIN_COLUMN)  # tried in turn: the widest floor that lets the table fit


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _cell(value: Any, *, short_times: bool = False) -> str:
    if value is None:
        return ""
    if short_times and isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return moment.strftime("%Y-%m-%d %H:%M")
    text = json.dumps(_jsonable(value), ensure_ascii=False) if isinstance(
        value, list | tuple | dict
    ) else str(_jsonable(value))
    return " ".join(text.split())


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def terminal_width() -> int | None:
    """The terminal's width when stdout is one (COLUMNS wins), else None."""
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return shutil.get_terminal_size().columns


def _fit(
    widths: list[int], floors: list[int], total: int, weights: list[float] | None = None
) -> list[int]:
    """Narrow the widest columns (never below their floor) until a line fits `total`
    characters, or as far as the floors allow. A column may be at most `level * weight`
    wide: a column of weight 1 keeps three times the room of one of weight 1/3."""
    room = total - 2 * (len(widths) - 1)
    weights = weights or [1.0] * len(widths)

    def sized(level: int) -> list[int]:
        return [min(w, max(int(level * k), f))
                for w, f, k in zip(widths, floors, weights, strict=True)]

    if sum(widths) <= room:
        return widths
    low, high = 0, int(max(widths, default=0) / min(weights, default=1.0)) + 1
    while low < high:  # the largest level whose table fits
        middle = (low + high + 1) // 2
        low, high = (middle, high) if sum(sized(middle)) <= room else (low, middle - 1)
    return sized(low)


def as_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    width: int | None = None,
    limits: Mapping[str, int] | None = None,
    short_times: bool = False,
    terminal: int | None = None,
) -> str:
    """Aligned columns. `width` None: each cell cut at `limits[column]` (else MAX_CELL),
    then the table narrowed to `terminal` characters a line when given; `width` N > 0: no
    cap per cell, the table narrowed to N characters a line; 0: nothing cut. Cut cells end
    with "…". With `limits`, their (long text) columns are narrowed first, and the others
    (dates, codes, counts) only when that is not enough. `short_times`: timestamps as UTC
    minutes."""
    cells = [[_cell(v, short_times=short_times) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    fit_to = width
    if width is None:
        caps = [max((limits or {}).get(c, MAX_CELL), len(c)) for c in columns]
        widths = [min(w, cap) for w, cap in zip(widths, caps, strict=True)]
        fit_to = terminal
    if fit_to and limits:  # the long text columns give way first, in proportion to limits
        floors = [min(w, max(len(c), MIN_COLUMN)) if c in limits else w
                  for c, w in zip(columns, widths, strict=True)]
        widest = max(limits.values())
        weights = [limits.get(c, widest) / widest for c in columns]
        widths = _fit(widths, floors, fit_to, weights)
    if fit_to and sum(widths) + 2 * (len(widths) - 1) > fit_to:
        # then every column, keeping short ones (dates, codes, counts) whole if it can
        for floor in FIT_FLOORS:
            floors = [min(w, max(len(c), floor)) for c, w in zip(columns, widths, strict=True)]
            fitted = _fit(widths, floors, fit_to)
            if sum(fitted) + 2 * (len(fitted) - 1) <= fit_to:
                break
        widths = fitted
    if width != 0:
        cells = [[_cut(v, w) for v, w in zip(r, widths, strict=True)] for r in cells]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    footer = f"({len(rows)} row{'s' if len(rows) != 1 else ''})"
    return "\n".join([line.rstrip(), rule, *(b.rstrip() for b in body), footer])


def as_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [json.dumps(_jsonable(v), ensure_ascii=False) if isinstance(v, list | dict)
             else ("" if v is None else _jsonable(v)) for v in row]
        )
    return buffer.getvalue().rstrip("\n")


def as_json(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    records = [
        {c: _jsonable(v) for c, v in zip(columns, row, strict=True)} for row in rows
    ]
    return json.dumps(records, ensure_ascii=False, indent=2)


FORMATTERS = {"table": as_table, "csv": as_csv, "json": as_json}
FORMAT_HELP = (
    "table (default: aligned columns, long cells cut, see --width), csv or json "
    "(complete values, for other tools)"
)
WIDTH_HELP = (
    "table: fit each line into N characters, cutting long cells with '…'; 0: cut nothing "
    "(default: the terminal's width, and at most 80 characters a cell)"
)


def render(
    fmt: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    width: int | None = None,
    limits: Mapping[str, int] | None = None,
    short_times: bool = False,
) -> str:
    """`columns` and `rows` as `fmt` (table, csv, json). Table only: `width` as given by
    `--width` (None: each cell capped, then fitted to the terminal when stdout is one),
    `limits` per-column caps, `short_times` minutes in UTC. csv and json are never cut."""
    if fmt != "table":
        return FORMATTERS[fmt](columns, rows)
    return as_table(
        columns, rows, width=width, limits=limits, short_times=short_times,
        terminal=terminal_width() if width is None else None,
    )


def run_summary(s: RunSummary, elapsed_s: float) -> str:
    """What `mali-monitor run` prints after a run."""
    lines = [
        f"run {s.run_id} completed in {elapsed_s:.1f} s (warehouse {s.warehouse})",
        f"  feeds polled   {s.feeds_polled} ({s.not_modified} unchanged)",
        f"  entries seen   {s.entries_seen}",
        f"  new articles   {s.articles_new}",
        f"  duplicates     {s.duplicates}",
        f"  new entities   {s.entities_new}",
        f"  skipped        {s.skipped} (off topic)",
        f"  errors         {s.errors}",
    ]
    if s.in_doubt or s.deferred:
        lines.append(f"  in doubt       {s.in_doubt} fetched so the page decides, "
                     f"{s.deferred} deferred to the next run (over the budget)")
    if s.mali_focused_feeds:
        lines.append("  Mali-focused   " + ", ".join(s.mali_focused_feeds))
    if s.pages_retried or s.upgraded or s.gave_up:
        lines.append(
            f"  page retries   {s.pages_retried} tried again, "
            f"{s.upgraded} summaries upgraded to their page, {s.gave_up} given up"
        )
    lines += _backed_off_lines(s)
    lines += [f"  feed failed    {f.feed_url}: {f.error}" for f in s.failed_feeds]
    if s.alerts is not None and s.alerts.text:
        lines += ["  " + line for line in s.alerts.text.splitlines()]
    if s.read_copy:
        lines.append(f"  read copy      {s.read_copy}")
    if s.export:
        lines.append(f"  export         {s.export}")
    if s.errors:
        lines.append(
            f"  see them with: mali-monitor query \"select stage, url, error from fetch_errors "
            f"where run_id = '{s.run_id}'\""
        )
    return "\n".join(lines)


def _backed_off_lines(s: RunSummary) -> list[str]:
    if not s.backed_off_feeds:
        return []
    lines = [f"  backed off     {len(s.backed_off_feeds)} (failing feeds not polled this run)"]
    lines += [
        f"    {b.feed_url}: {b.consecutive_failures} failures, next poll at {b.next_poll_at}"
        for b in s.backed_off_feeds
    ]
    return lines


def summary_markdown(s: RunSummary) -> str:
    """The run summary as the markdown artifact Prefect shows."""
    rows: list[tuple[str, object]] = [
        ("feeds polled", s.feeds_polled),
        ("feeds unchanged (304)", s.not_modified),
        ("entries seen", s.entries_seen),
        ("new articles", s.articles_new),
        ("duplicates", s.duplicates),
        ("skipped (off topic)", s.skipped),
        ("errors", s.errors),
        ("feeds backed off", s.backed_off),
    ]
    for value, label in ((s.pages_retried, "pages tried again"),
                         (s.upgraded, "summaries upgraded to their page"),
                         (s.gave_up, "entries given up")):
        if value:
            rows.append((label, value))
    rows.append(("in doubt (fetched so the page decides)", s.in_doubt))
    rows.append(("in doubt, deferred to the next run", s.deferred))
    rows.append(("new entities", s.entities_new))
    if s.alerts is not None:
        rows += [("alerts sent", s.alerts.sent), ("alerts failed", s.alerts.failed),
                 ("alerts capped", s.alerts.capped)]
    lines = [f"# mali-monitor run `{s.run_id}`", "", "| | |", "|---|---:|"]
    lines += [f"| {label} | {value} |" for label, value in rows]
    if s.errors_by_feed:
        lines += ["", "## Errors by feed", "", "| feed | errors |", "|---|---:|"]
        lines += [f"| {feed} | {n} |"
                  for feed, n in sorted(s.errors_by_feed.items(), key=lambda x: -x[1])]
    if s.mali_focused_feeds:
        lines += ["", "## Feeds treated as Mali-focused (learnt)", ""]
        lines += [f"- {feed}" for feed in s.mali_focused_feeds]
    if s.backed_off_feeds:
        lines += ["", "## Feeds backed off", ""]
        lines += ["| feed | failures | next poll |", "|---|---:|---|"]
        lines += [
            f"| {b.feed_url} | {b.consecutive_failures} | {b.next_poll_at} |"
            for b in s.backed_off_feeds
        ]
    return "\n".join(lines) + "\n"


MAP_ALT = "Towns named in this run"
TIMELINE_ALT = "Articles, new actors and new towns per day, last 30 days"


def summary_images(data: RunMapData) -> str:
    """Markdown to append to `summary_markdown` when the run's articles named towns with
    coordinates: the map of those towns (new ones red) and the 30-day timeline, as PNG
    `data:` URIs (Prefect's UI shows them; about 600 px wide). "" when no town is on the
    map. Drawing raises what matplotlib raises: the caller logs and skips."""
    from alerts import charts  # matplotlib: loaded only to draw

    if not any(charts.on_map(t) for t in data.towns):
        return ""
    pictures = [(MAP_ALT, charts.map_png(data.towns, width_in=6.0, dpi=100,
                                         period="this run")),
                (TIMELINE_ALT, charts.timeline_png(data.days, width_in=6.0, dpi=100))]
    lines = [f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"
             for alt, png in pictures]
    return "\n" + "\n\n".join(lines) + "\n"


def markdown_as_text(markdown: str) -> str:
    """A summary artifact (summary_markdown) as plain text for the terminal: headings as
    lines, `| label | value |` rows as aligned `label  value`, rules and backticks gone,
    images (`summary_images`) left out. Any other markdown is shown as it is."""
    out: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if table:
            widths = [max(len(row[i]) for row in table if i < len(row))
                      for i in range(max(len(r) for r in table))]
            out.extend("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False))
                       .rstrip() for row in table)
            table.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        if line.startswith("|") and line.endswith("|"):
            cells = [c.strip().replace("`", "") for c in line.strip("|").split("|")]
            if all(not c or set(c) <= set("-:") for c in cells):
                continue  # header rule, or the empty `| | |` header
            table.append(cells)
            continue
        flush()
        if line.startswith("!["):
            continue  # an image (the run's map and timeline): nothing to print
        if line.startswith("#"):
            out.append(line.lstrip("#").strip().replace("`", ""))
        elif line:
            out.append(line.replace("`", ""))
    flush()
    return "\n".join(out)
