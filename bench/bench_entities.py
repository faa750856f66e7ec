"""Benchmark entity extraction: model load time, then articles/s and entities/s.

The five cleaned seed articles are repeated to about 200 articles and run through
`extract_entities` in one batch (spaCy `nlp.pipe`, NER only), with a fresh alias table so
nothing is learned across repeats that would make later copies cheaper than real articles.

    /tmp/venv/bin/python bench/bench_entities.py [--articles 200] [--language en]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extractors.cleaning import parse_plain_article  # noqa: E402
from extractors.entities import (  # noqa: E402
    AliasTable,
    Gazetteer,
    SpacyNerModel,
    extract_entities,
)
from extractors.entities.knowledge import common_english_words  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--language", default="en")
    args = parser.parse_args()
    seeds = sorted((ROOT / "warehouse" / "seeds").glob("*.txt"))
    bodies = [parse_plain_article(p.read_text(encoding="utf-8")).body for p in seeds]

    t0 = time.perf_counter()
    model = SpacyNerModel()
    model.pipeline(args.language)
    t1 = time.perf_counter()
    gazetteer = Gazetteer.baseline()
    gazetteer.lookup("Bamako")  # builds the name index
    aliases = AliasTable.builtin()
    common_english_words()
    t2 = time.perf_counter()

    articles = [(f"a{i}", bodies[i % len(bodies)], args.language) for i in range(args.articles)]
    chars = sum(len(text) for _, text, _ in articles)
    t3 = time.perf_counter()
    found = extract_entities(articles, model, gazetteer, aliases)
    t4 = time.perf_counter()
    spans = model.entities([text for _, text, _ in articles], args.language)
    t5 = time.perf_counter()

    entities = sum(len(c) for c in found.values())
    mentions = sum(len(e.mentions) for c in found.values() for e in c)
    run = t4 - t3
    print(f"model load ({args.language}, NER only): {t1 - t0:.2f} s")
    print(f"gazetteer + alias table + word list:   {t2 - t1:.2f} s")
    print(
        f"extract: {len(articles)} articles ({chars / 1000:.0f}k chars) in {run:.2f} s = "
        f"{len(articles) / run:.1f} articles/s, {entities / run:.0f} entities/s "
        f"({entities} entities, {mentions} mentions)"
    )
    print(
        f"of which NER (nlp.pipe alone): {t5 - t4:.2f} s "
        f"({sum(len(s) for s in spans)} raw spans); rules, matching, resolution: "
        f"{run - (t5 - t4):.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
