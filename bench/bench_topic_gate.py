"""The topic gate (issue 15) on real feed entries: how many off-topic entries of general
feeds it fetches only to decide, and how many Mali entries it would never fetch.

    python bench/bench_topic_gate.py [--realfeeds ../shared/realfeeds] [--show]

Reads, never copies, the third-party entries of `realfeeds/` (README there):
- `daily/*_entries.json`: whole days of general news feeds. Each entry's title and
  description go through `select_entries` as a `filter` feed; reported: % on topic, % in
  doubt (pages fetched only to decide) per feed-day and overall. Every entry on topic from
  its title on these days is about Mali (read with --show): the off-topic entries are the
  others, and the rate that matters is in doubt / (in doubt + off topic).
- `mali_entries_2021-2023.jsonl`: entries naming Mali or the Sahel; an entry that is
  neither on topic nor in doubt is never fetched: lost.
`--show` prints every entry that is not off topic, with its reason.
"""

from __future__ import annotations

import argparse
import glob
import html
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors.articles import select_entries  # noqa: E402
from extractors.models import FeedEntry  # noqa: E402
from extractors.topic import TopicFilter  # noqa: E402
from extractors.urls import canonical_url  # noqa: E402

DEFAULT_REALFEEDS = ROOT.parent / "shared" / "realfeeds"
_TAG = re.compile(r"<[^>]+>")


def _plain(value: str | None) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", value or "")).split())


def _entry(record: dict, feed_url: str) -> FeedEntry:
    return FeedEntry(
        feed_url=feed_url, url=record.get("link") or "", title=_plain(record.get("title")),
        summary=_plain(record.get("description")),
    )


def _gate(records: list[dict], feed_url: str, topic: TopicFilter) -> dict[str, str]:
    """link -> on_topic | in_doubt | off_topic, through the flow's own selection (no caps)."""
    entries = [_entry(r, feed_url) for r in records]
    chosen = select_entries(entries, set(), topic, feed_topics={feed_url: "filter"})
    out = {e.url: "off_topic" for e in entries}
    for e in chosen.to_fetch:
        out[e.url] = "in_doubt" if canonical_url(e.url) in chosen.doubts else "on_topic"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--realfeeds", type=Path, default=DEFAULT_REALFEEDS)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    topic = TopicFilter()
    built = time.perf_counter() - started

    print("## general feed-days (filter feeds)\n")
    print("| feed-day | entries | on topic | in doubt | off topic |")
    print("|---|---:|---:|---:|---:|")
    total: Counter[str] = Counter()
    shown: list[str] = []
    files = sorted(glob.glob(str(args.realfeeds / "daily" / "*_entries.json")))
    for path in files:
        records = json.loads(Path(path).read_text(encoding="utf-8"))
        feed_url = records[0]["source"] if records else path
        outcomes = _gate(records, feed_url, topic)
        counts: Counter[str] = Counter()
        for r in records:
            link = r.get("link") or ""
            kind = outcomes.get(link, "off_topic")
            counts[kind] += 1
            if kind != "off_topic":
                e = _entry(r, feed_url)
                shown.append(f"{kind:10} {topic.assess(e.title, e.summary).reason} | {e.title}")
        total.update(counts)
        day = Path(path).name.split("__")[3][:10] + " " + re.sub(
            r"^https?\.", "", Path(path).name.split("__")[4])[:40]
        print(f"| {day} | {len(records)} | {counts['on_topic']} | {counts['in_doubt']} | "
              f"{counts['off_topic']} |")
    off = total["in_doubt"] + total["off_topic"]
    print(f"| **all {len(files)}** | {off + total['on_topic']} | {total['on_topic']} | "
          f"{total['in_doubt']} | {total['off_topic']} |\n")
    print(f"Off-topic entries fetched only to decide (in doubt): {total['in_doubt']} of {off} "
          f"= {100 * total['in_doubt'] / max(off, 1):.2f}%; on topic from the title (about "
          f"Mali, fetched): {total['on_topic']}.\n")

    mali_path = args.realfeeds / "mali_entries_2021-2023.jsonl"
    records = [json.loads(line) for line in mali_path.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    mali: Counter[str] = Counter()
    lost = []
    for r in records:
        kind = _gate([r], r.get("source") or "mali", topic).get(r.get("link") or "", "off_topic")
        mali[kind] += 1
        if kind == "off_topic":
            lost.append(_plain(r.get("title")))
    n = len(records)
    print("## Mali entries 2021-2023\n")
    print(f"{n} entries: on topic {mali['on_topic']} ({100 * mali['on_topic'] / n:.1f}%), in "
          f"doubt {mali['in_doubt']} ({100 * mali['in_doubt'] / n:.1f}%), never fetched (lost) "
          f"{mali['off_topic']} ({100 * mali['off_topic'] / n:.1f}%).")
    for title in lost:
        print(f"  lost: {title}")
    print(f"\nterm table built in {built:.1f} s; {len(topic.settings.terms)} terms; "
          f"total {time.perf_counter() - started:.1f} s")
    if args.show:
        print("\n".join(["", "## entries not off topic (general feeds)", *shown]))


if __name__ == "__main__":
    main()
