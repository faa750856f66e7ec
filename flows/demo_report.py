"""The text `mali-monitor demo` prints after its run: the run summary, what the replay
served, the duplicates found, the new actors and towns, the alerts the local stand-ins
received, and where to go next."""

from __future__ import annotations

import shlex
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flows.output import run_summary

if TYPE_CHECKING:
    from flows.demo import DemoResult

EMAIL_LINES_SHOWN = 32


def _feed_paths() -> set[str]:
    from flows.demo import FEEDS  # flows.demo imports this module

    return {"/" + path for path, _, _ in FEEDS}


def _requests_text(result: DemoResult) -> list[str]:
    feeds = [r for r in result.requests if urlsplit(r.path).path in _feed_paths()]
    pages = [r for r in result.requests if urlsplit(r.path).path not in _feed_paths()]
    not_modified = sum(r.status == 304 for r in feeds)
    lines = [f"  the replay served {len(feeds)} feed requests ({not_modified} answered "
             f"304 Not Modified) and {len(pages)} article pages"]
    return lines


def _similarity(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "?"


def _duplicates_text(result: DemoResult) -> list[str]:
    f = result.findings
    if not f.copies:
        if f.copies_total:
            return [f"No new duplicates in this run ({f.copies_total} copies were found by "
                    f"earlier runs; see the queries below)."]
        return ["No duplicates found."]
    lines = [f"Duplicates found ({len(f.copies)}): each copy is stored with duplicate_of -> "
             f"its original"]
    for c in f.copies:
        origin = "seed article" if c.original_is_seed else c.original_source
        lines.append(f"  original  {c.original_title}  [{origin}]")
        lines.append(f"  copy      {c.copy_title}  [{c.copy_source}, {c.match} copy, "
                     f"similarity {_similarity(c.similarity)}]")
        lines.append("")
    return lines[:-1]


def _entities_text(result: DemoResult) -> list[str]:
    f = result.findings
    if not f.entities:
        if f.entities_total:
            return [f"No new actors or towns in this run ({f.entities_total} were found by "
                    f"earlier runs)."]
        return ["New actors and towns: none stored in the warehouse."]
    actors = [e for e in f.entities if e.kind == "actor"]
    towns = [e for e in f.entities if e.kind == "town"]
    lines = [f"New actors ({len(actors)}) and towns ({len(towns)}), absent from the seed "
             f"baseline:"]
    for e in actors + towns:
        kind = e.subtype or e.kind
        where = f", {e.region}" if e.region else ""
        seen = f'  first in "{e.article_title}"' if e.article_title else ""
        lines.append(f"  {e.kind:<5}  {e.name} ({kind}{where}){seen}")
    return lines


def _indent(text: str, prefix: str = "    ") -> list[str]:
    return [prefix + line if line.strip() else "" for line in text.rstrip().splitlines()]


def _slack_text(payload: dict[str, Any]) -> list[str]:
    blocks = payload.get("blocks") or []
    lines = [f'  Slack message: "{payload.get("text", "")}" ({len(blocks)} blocks)']
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            body = str(text.get("text", ""))
        elif block.get("type") == "context":
            body = " ".join(str(e.get("text", "")) for e in block.get("elements", []))
        else:
            continue
        first = _unlink(body).splitlines()[0] if body.strip() else ""
        if first:
            lines.append(f"    {first[:150]}")
    return lines


def _unlink(text: str) -> str:
    """Slack mrkdwn links `<url|label>` as their label, for the terminal."""
    out, rest = [], text
    while "<" in rest and ">" in rest.split("<", 1)[1]:
        before, _, after = rest.partition("<")
        inside, _, rest = after.partition(">")
        out.append(before + (inside.split("|", 1)[1] if "|" in inside else inside))
    out.append(rest)
    return "".join(out).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _messages_text(result: DemoResult) -> list[str]:
    if not result.messages_received:
        statuses = result.findings.alerts_by_status
        if statuses.get("sent"):
            return [f"Alerts: no new alerts: everything was already delivered "
                    f"({statuses['sent']} alerts, one per entity and channel, sent by "
                    f"earlier runs)."]
        waiting = sum(n for s, n in statuses.items() if s != "sent")
        if waiting:
            return [f"Alerts: none delivered in this run; {waiting} waiting in the outbox "
                    f"(see the alerts table)."]
        return ["Alerts: none sent (no new actor or town to alert on)."]
    lines = [f"Alerts received by the local stand-ins: {len(result.mails)} email(s), "
             f"{len(result.slack_payloads)} Slack message(s)"]
    for mail in result.mails:
        lines.append(f"  Email to {', '.join(mail.recipients)}")
        lines.append(f"  Subject: {mail.subject}")
        text = _indent(mail.text)
        shown = text[:EMAIL_LINES_SHOWN]
        if len(text) > EMAIL_LINES_SHOWN and "" in shown[1:]:
            shown = shown[: len(shown) - shown[::-1].index("")]  # end at a blank line
        lines += shown
        if len(text) > len(shown):
            lines.append(f"    [... {len(text) - len(shown)} more lines: the whole message "
                         f"is saved below]")
        lines.append("")
    for payload in result.slack_payloads:
        lines += _slack_text(payload)
    if result.saved:
        lines.append(f"  Saved as files (email with its HTML part, Slack payloads as JSON) in "
                     f"{result.saved[0].parent}:")
        lines += [f"    {path.name}" for path in result.saved]
    return lines


def _guide(result: DemoResult) -> list[str]:
    db = shlex.quote(str(result.db_path))
    default_config = resources.files("flows") / "default_config.toml"
    queries = (
        "select source, language, title from articles where not is_seed and duplicate_of is "
        "null order by source",
        "select original_title, copy_source, copy_title, round(similarity, 2) as similarity "
        "from story_copies",
        "select kind, subtype, name from entities where not in_seed_baseline order by kind, "
        "name",
    )
    lines = [
        "Next steps",
        f"  The warehouse is {result.db_path} (its configuration: {result.config_path}).",
        "  Query it:",
    ]
    lines += [f'    mali-monitor query "{q}" --db {db}' for q in queries]
    lines += [
        *([f"  Open the report (map, timeline, new actors and towns) in a browser: "
           f"{result.report_path}"] if result.report_path else []),
        f"  Run the demo again: mali-monitor demo --dir {shlex.quote(str(result.directory))}"
        "  (nothing new is fetched or sent)",
        "  Monitor real feeds: copy the bundled configuration, edit [[feeds]] and [alerts],",
        "  then create a warehouse and run:",
        f"    cp {shlex.quote(str(default_config))} mali-monitor.toml",
        "    mali-monitor init && mali-monitor run",
    ]
    return lines


def report(result: DemoResult) -> str:
    """The demo's report, for the terminal."""
    s = result.summary
    lines = ["", "=" * 78, "mali-monitor demo: what happened", "=" * 78, ""]
    lines.append(run_summary(s, result.elapsed_s))
    lines += _requests_text(result)
    if not s.articles_new and not s.duplicates:
        lines.append("  nothing new: the feeds are unchanged and every entry is known")
    lines.append("")
    lines += _duplicates_text(result)
    lines.append("")
    lines += _entities_text(result)
    lines.append("")
    lines += _messages_text(result)
    lines.append("")
    lines += _guide(result)
    lines += [f"  {n}" for n in result.notes]
    return "\n".join(lines)
