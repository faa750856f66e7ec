"""Inspect entity extraction on real feed entries (titles + descriptions, 2021-2023).

Reads ../shared/realfeeds/mali_entries_2021-2023.jsonl at run time (third-party data: never
copied into the project), runs the extractor over each entry's title and description, and
prints the entities found with their counts, type, evidence and one example sentence, so that
noise (precision) and misses (recall) can be inspected by eye.

    /tmp/venv/bin/python bench/eval_entities.py                 # summary tables
    /tmp/venv/bin/python bench/eval_entities.py --entries       # every entry and its entities
    /tmp/venv/bin/python bench/eval_entities.py --kind town     # only towns
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors.entities import (  # noqa: E402
    AliasTable,
    Gazetteer,
    SpacyNerModel,
    extract_entities,
)
from extractors.text import html_to_text  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "realfeeds" / "mali_entries_2021-2023.jsonl"


def load(path: Path) -> list[tuple[str, str, str]]:
    articles = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if not line.strip():
            continue
        row = json.loads(line)
        lang = (row.get("language") or "en").split("-")[0].lower()
        if lang not in ("en", "fr"):
            continue
        title = html_to_text(row.get("title") or "")
        desc = html_to_text(row.get("description") or "")
        text = title if not desc else f"{title}\n\n{desc}"
        articles.append((f"{n:04d}", text, lang))
    return articles


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--entries", action="store_true", help="print every entry")
    parser.add_argument("--kind", choices=["actor", "town"], help="only this kind")
    parser.add_argument("--min-count", type=int, default=1)
    args = parser.parse_args()
    if not args.path.exists():
        print(f"no file at {args.path}", file=sys.stderr)
        return 2
    articles = load(args.path)
    t0 = time.perf_counter()
    model = SpacyNerModel()
    gazetteer = Gazetteer.baseline()
    aliases = AliasTable.builtin()
    model.pipeline("en")
    t1 = time.perf_counter()
    found = extract_entities(articles, model, gazetteer, aliases)
    t2 = time.perf_counter()

    counts: Counter[str] = Counter()
    info: dict[str, tuple[str, str | None, str, tuple[str, ...], float]] = {}
    example: dict[str, str] = {}
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    texts = {aid: text for aid, text, _ in articles}
    for aid, cands in found.items():
        if args.entries:
            print(f"--- {aid}: {texts[aid][:300]!r}")
        for c in cands:
            if args.kind and c.kind != args.kind:
                continue
            counts[c.key] += 1
            info[c.key] = (c.kind, c.subtype, c.name, c.evidence, c.confidence)
            example.setdefault(c.key, c.mentions[0].sentence)
            for m in c.mentions:
                surfaces[c.key][m.surface] += 1
            if args.entries:
                print(f"    {c.kind:5} {c.subtype or '':12} {c.name!r} {c.evidence} {c.confidence}")

    print(
        f"{len(articles)} entries; load {t1 - t0:.1f}s, extract {t2 - t1:.1f}s; "
        f"{len(counts)} distinct entities, {sum(counts.values())} (entity, entry) pairs"
    )
    by_type: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for key in counts:
        by_type[(info[key][0], info[key][1])].append(key)
    for (kind, subtype), keys in sorted(by_type.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        print(f"\n== {kind} / {subtype}: {len(keys)}")
        for key in sorted(keys, key=lambda k: (-counts[k], k)):
            if counts[key] < args.min_count:
                continue
            _, _, name, evidence, conf = info[key]
            forms = ", ".join(f"{s}" for s, _ in surfaces[key].most_common(4))
            print(f"{counts[key]:4d}  {name:40.40} [{'/'.join(evidence)} {conf:.2f}] {forms:50.50}")
            print(f"        {example[key][:150]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
