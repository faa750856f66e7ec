"""Rendering query results and run summaries for the terminal."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

MAX_CELL = 80


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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = json.dumps(_jsonable(value), ensure_ascii=False) if isinstance(
        value, list | tuple | dict
    ) else str(_jsonable(value))
    text = " ".join(text.split())
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def as_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
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


def run_summary(summary: dict[str, Any], elapsed_s: float) -> str:
    lines = [
        f"run {summary['run_id']} completed in {elapsed_s:.1f} s "
        f"(warehouse {summary['warehouse']})",
        f"  feeds polled   {summary['feeds_polled']} ({summary['not_modified']} unchanged)",
        f"  entries seen   {summary['entries_seen']}",
        f"  new articles   {summary['articles_new']}",
        f"  duplicates     {summary['duplicates']}",
        f"  skipped        {summary['skipped']} (off topic)",
        f"  errors         {summary['errors']}",
    ]
    if "entities_new" in summary:
        lines.insert(5, f"  new entities   {summary['entities_new']}")
    lines += _backed_off_lines(summary)
    alerts = summary.get("alerts") or {}
    if alerts.get("text"):
        lines += ["  " + line for line in alerts["text"].splitlines()]
    if summary.get("read_copy"):
        lines.append(f"  read copy      {summary['read_copy']}")
    if summary.get("export"):
        lines.append(f"  export         {summary['export']}")
    if summary["errors"]:
        lines.append(
            f"  see them with: mali-monitor query \"select stage, url, error from fetch_errors "
            f"where run_id = '{summary['run_id']}'\""
        )
    return "\n".join(lines)


def _backed_off_lines(summary: dict[str, Any]) -> list[str]:
    backed_off = summary.get("backed_off_feeds") or []
    if not backed_off:
        return []
    lines = [f"  backed off     {len(backed_off)} (failing feeds not polled this run)"]
    lines += [
        f"    {b['feed_url']}: {b['consecutive_failures']} failures, next poll at "
        f"{b['next_poll_at']}"
        for b in backed_off
    ]
    return lines


def summary_markdown(summary: dict[str, Any]) -> str:
    """The run summary as the markdown artifact Prefect shows."""
    rows = [
        ("feeds polled", summary["feeds_polled"]),
        ("feeds unchanged (304)", summary["not_modified"]),
        ("entries seen", summary["entries_seen"]),
        ("new articles", summary["articles_new"]),
        ("duplicates", summary["duplicates"]),
        ("skipped (off topic)", summary["skipped"]),
        ("errors", summary["errors"]),
    ]
    if "backed_off" in summary:
        rows.append(("feeds backed off", summary["backed_off"]))
    if "entities_new" in summary:
        rows.append(("new entities", summary["entities_new"]))
    alerts = summary.get("alerts") or {}
    for key in ("sent", "failed", "capped"):
        if key in alerts:
            rows.append((f"alerts {key}", alerts[key]))
    lines = [f"# mali-monitor run `{summary['run_id']}`", "", "| | |", "|---|---:|"]
    lines += [f"| {label} | {value} |" for label, value in rows]
    by_feed = summary.get("errors_by_feed") or {}
    if by_feed:
        lines += ["", "## Errors by feed", "", "| feed | errors |", "|---|---:|"]
        lines += [f"| {feed} | {n} |" for feed, n in sorted(by_feed.items(), key=lambda x: -x[1])]
    backed_off = summary.get("backed_off_feeds") or []
    if backed_off:
        lines += ["", "## Feeds backed off", ""]
        lines += ["| feed | failures | next poll |", "|---|---:|---|"]
        lines += [
            f"| {b['feed_url']} | {b['consecutive_failures']} | {b['next_poll_at']} |"
            for b in backed_off
        ]
    return "\n".join(lines) + "\n"
