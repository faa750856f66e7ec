"""Recall and precision of the entity alerts on labelled texts, with every miss and noise.

The team's set is tests/entity_eval/texts_*.toml (what the quality gate reads); any file in
the same format can be scored too, for example a held-out set kept outside the project:

    python bench/eval_entity_set.py                      # the team's set
    python bench/eval_entity_set.py /path/to/texts.toml  # another set
    python bench/eval_entity_set.py --language fr        # one language only
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from entity_eval.scoring import TEXT_FILES, evaluate, load_texts  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=list(TEXT_FILES))
    parser.add_argument("--language", choices=["en", "fr"])
    parser.add_argument("--quiet", action="store_true", help="figures only")
    args = parser.parse_args()
    texts = load_texts(args.files)
    if args.language:
        texts = [t for t in texts if t.language == args.language]
    t0 = time.perf_counter()
    score = evaluate(texts)
    elapsed = time.perf_counter() - t0
    report = score.report()
    print(report.splitlines()[-1] if args.quiet else report)
    for lang in ("en", "fr"):
        part = [t for t in score.texts if t.id.split("-")[-2] == lang or t.id.startswith(lang)]
        if part and not args.language:
            sub = type(score)(part)
            print(f"  {lang}: recall {sub.recall:.3f}, precision {sub.precision:.3f}")
    print(f"({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
