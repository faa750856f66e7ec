"""Near-duplicate detection: how the [dedup] defaults were chosen, and what a check costs.

    python bench/bench_dedup.py                      # both parts, ~3 minutes on 2 cores
    python bench/bench_dedup.py --part measure       # thresholds only, ~30 s
    python bench/bench_dedup.py --part speed --sizes 1000 10000

`measure` uses the real seed corpus and the written texts of tests/test_dedup.py: each seed
is re-published in other page frames (through the real extraction and cleaning), with a new
headline, a wire dateline and credit and edited words, and compared with texts that must not
match (the other seeds, two outlets' reports of one event, a wire story rewritten, short
summaries). `speed` times one check against indexes of synthetic articles (a Zipf-distributed
invented vocabulary, so texts are distinct but share common words like real ones) beside
brute force, datasketch's own MinHashLSH, and the flow's start-up (loading from DuckDB).
Results are printed as markdown for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from corpus import GAO_CONVOY  # noqa: E402
from test_dedup import (  # noqa: E402
    SAME_EVENT_PAIRS,
    SHORT_SUMMARIES,
    edit_words,
    frame_blog,
    frame_portal,
    paragraphs,
    seed_articles,
    wire_dressing,
)

from extractors.articles import _page_text  # noqa: E402
from extractors.dedup import DedupSettings, DuplicateIndex  # noqa: E402
from extractors.extraction import extract_page  # noqa: E402
from extractors.fingerprints import content_hash  # noqa: E402
from extractors.shingles import exact_jaccard, shingles, signature, tokens  # noqa: E402

DEFAULTS = DedupSettings()


# ============================================================================ measure


def _extracted(html: str, title: str) -> str:
    """A page's text as the flow stores it."""
    return _page_text(extract_page(html, url="https://reprint.example/story"), title)


def _reprint_pages(text: str, seed: int) -> dict[str, str]:
    """Reprints of one text through real page frames and extraction."""
    paras = paragraphs(text)
    n = len(text.split())
    title = "A new headline for a Mali story"
    variants = {
        "re-framed, new headline, dateline + credit": frame_portal(title, wire_dressing(paras)),
        "+ 5 words edited": frame_blog(title, wire_dressing(edit_words(paras, 5, seed=seed))),
        "+ 2% edited, last paragraph cut": frame_portal(
            title, wire_dressing(edit_words(paras[:-1], max(10, n // 50), seed=seed))),
        "+ 5% edited": frame_blog(title, wire_dressing(edit_words(paras, n // 20, seed=seed))),
        "+ 10% edited": frame_portal(title, edit_words(paras, n // 10, seed=seed)),
        "first 60% of paragraphs only": frame_portal(title, paras[: max(1, len(paras) * 6 // 10)]),
    }
    return {name: _extracted(html, title) for name, html in variants.items()}


def measure_shingle_sizes() -> None:
    seeds = seed_articles()
    reprints = [_reprint_pages(s.text, i) for i, s in enumerate(seeds)]
    gao = " ".join(GAO_CONVOY[1])
    print("### Exact Jaccard of word shingles, by shingle size\n")
    print("Reprints: the 5 seeds re-served in two page frames, extracted and cleaned like the "
          "flow does. Min - max over the 5 seeds.\n")
    print("| pair | k=2 | k=3 | k=4 | k=5 |")
    print("|---|---|---|---|---|")
    for name in reprints[0]:
        cells = []
        for k in (2, 3, 4, 5):
            values = [exact_jaccard(s.text, r[name], k) for s, r in zip(seeds, reprints,
                                                                           strict=True)]
            cells.append(f"{min(values):.2f} - {max(values):.2f}")
        print(f"| reprint: {name} | " + " | ".join(cells) + " |")
    negatives: list[tuple[str, list[tuple[str, str]]]] = [
        ("the 5 seeds, 10 pairs (same war, same week)",
         [(a.text, b.text) for a, b in itertools.combinations(seeds, 2)]),
        ("two outlets' reports of one event (3 pairs, written)", list(SAME_EVENT_PAIRS)),
        ("a wire story rewritten by an outlet (shared sentences)", [(gao, SAME_EVENT_PAIRS[2][0])]),
        ("two ~30-word summaries sharing a clause (2 pairs)", list(SHORT_SUMMARIES)),
    ]
    for name, pairs in negatives:
        cells = [f"max {max(exact_jaccard(a, b, k) for a, b in pairs):.3f}" for k in (2, 3, 4, 5)]
        print(f"| not a copy: {name} | " + " | ".join(cells) + " |")
    print()


# Slots of a one-sentence security brief, as agencies and feeds write them every day.
_BRIEF = ("{n} {victims} were killed {when} in an attack on {target} in the {region} region of "
          "central Mali, the army said in a statement, adding that {follow}.")
_SLOTS = {
    "n": ["At least 12", "Eight", "Some 20", "At least 30", "Five"],
    "victims": ["civilians", "soldiers", "villagers", "militiamen"],
    "when": ["on Sunday", "on Monday", "late on Tuesday", "overnight"],
    "target": ["a village", "an army post", "a weekly market", "a supply convoy"],
    "region": ["Mopti", "Ségou", "Bandiagara", "San"],
    "follow": ["reinforcements had been sent", "an investigation had been opened",
               "the attackers had fled on motorbikes"],
}


def measure_short_texts() -> None:
    """Why only exact matches below min_tokens: one-sentence briefs about different events
    share most of their words by construction."""
    rng = random.Random(5)
    briefs: dict[tuple[str, ...], str] = {}
    while len(briefs) < 150:
        choice = tuple(rng.choice(v) for v in _SLOTS.values())
        briefs[choice] = _BRIEF.format(**dict(zip(_SLOTS, choice, strict=True)))
    pairs = [(a, b) for a, b in itertools.combinations(briefs, 2)
             if sum(x != y for x, y in zip(a, b, strict=True)) >= 2]  # two different events
    values = sorted(exact_jaccard(briefs[a], briefs[b], DEFAULTS.shingle_size) for a, b in pairs)
    over = sum(v >= DEFAULTS.threshold for v in values)
    length = statistics.mean(len(tokens(t)) for t in briefs.values())
    print("### Short texts: templated one-sentence briefs about different events\n")
    print(f"150 briefs of {length:.0f} words from one template with 6 slots (victims, place, "
          f"day, ...); {len(pairs):,} pairs that differ in at least 2 slots, i.e. different "
          f"events. Jaccard (k={DEFAULTS.shingle_size}): median {statistics.median(values):.2f}, "
          f"max {values[-1]:.2f}; {over:,} pairs ({100 * over / len(pairs):.0f}%) at or above "
          f"the threshold {DEFAULTS.threshold}.\n")
    print("| words kept verbatim between two texts | 1/3 | 1/2 | 2/3 |")
    print("|---|---|---|---|")
    words = [w for s in seed_articles() for w in tokens(s.text)]
    cells = []
    for share in (1 / 3, 1 / 2, 2 / 3):
        found = []
        for length in (30, 60, 100, 200):
            shared_n = round(length * share)
            begin = rng.randrange(len(words) - 1000)
            shared = words[begin : begin + shared_n]
            a = shared + words[begin + 300 : begin + 300 + length - shared_n]
            b = shared + words[begin + 600 : begin + 600 + length - shared_n]
            found.append(exact_jaccard(" ".join(a), " ".join(b), DEFAULTS.shingle_size))
        cells.append(f"{min(found):.2f} - {max(found):.2f}")
    print("| Jaccard, texts of 30 to 200 words | " + " | ".join(cells) + " |\n")


def _variant(paras: list[str], kind: str, level: float, seed: int) -> str:
    n = sum(len(p.split()) for p in paras)
    if kind == "edit":
        count = int(level) if level >= 1 else max(1, round(n * level))
        return "\n\n".join(wire_dressing(edit_words(paras, count, seed=seed)))
    keep = paras[: max(1, round(len(paras) * level))]
    return "\n\n".join(keep)


def measure_detection(trials: int = 20) -> None:
    """Detection through the whole index (LSH, estimate, threshold) at the defaults."""
    seeds = seed_articles()
    background = [t for pair in SAME_EVENT_PAIRS for t in pair] + [" ".join(GAO_CONVOY[1])]
    print(f"### Detection at the defaults (threshold {DEFAULTS.threshold}, "
          f"{DEFAULTS.num_perm} permutations, {DEFAULTS.shingle_size}-word shingles, "
          f"min_tokens {DEFAULTS.min_tokens})\n")
    print(f"{trials} random edits of each of the 5 seeds per row ({trials * 5} copies), each "
          f"checked against an index of the 5 seeds and 7 other Mali articles.\n")
    print("| copy | exact Jaccard (mean) | estimate - exact (mean abs, max abs) "
          "| detected as a copy of its seed |")
    print("|---|---|---|---|")
    rows: list[tuple[str, str, float]] = [("edit", "5 words", 5), ("edit", "2% of words", 0.02),
                                          ("edit", "5% of words", 0.05),
                                          ("edit", "10% of words", 0.10),
                                          ("edit", "15% of words", 0.15),
                                          ("edit", "20% of words", 0.20),
                                          ("cut", "first 80% of paragraphs", 0.8),
                                          ("cut", "first 60% of paragraphs", 0.6),
                                          ("cut", "first half of paragraphs", 0.5)]
    for row, (kind, label, level) in enumerate(rows):
        exacts, errors, hits = [], [], 0
        for trial in range(trials):
            index = DuplicateIndex()
            stored = [*seeds]
            index.mark(stored)
            for i, text in enumerate(background):
                index.add(f"bg{i}", content_hash(text), signature(text, index.params), None)
            for s in seeds:
                copy = _variant(paragraphs(s.text), kind, level, seed=1000 * row + trial)
                sig = signature(copy, index.params)
                exact = exact_jaccard(s.text, copy, DEFAULTS.shingle_size)
                estimate = float((sig.hashvalues == signature(s.text, index.params).hashvalues)
                                 .mean())
                exacts.append(exact)
                errors.append(abs(estimate - exact))
                match = index.find(sig, content_hash(copy))
                hits += bool(match and match.original_id == s.article_id)
        total = trials * len(seeds)
        print(f"| {label} | {statistics.mean(exacts):.2f} | {statistics.mean(errors):.3f}, "
              f"{max(errors):.3f} | {hits}/{total} ({100 * hits / total:.0f}%) |")
    false_hits, pairs = 0, 0
    texts = [s.text for s in seeds] + background
    for a, b in itertools.permutations(texts, 2):
        index = DuplicateIndex()
        index.add("a", content_hash(a), signature(a, index.params), None)
        false_hits += index.find(signature(b, index.params), content_hash(b)) is not None
        pairs += 1
    print(f"| not a copy: every ordered pair of the 12 distinct articles | | | "
          f"{false_hits}/{pairs} flagged |")
    print()


# ============================================================================ speed

_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"] + ["ou", "ai", "an", "el"]


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choices(_SYLLABLES, k=rng.randint(1, 4))))
    return sorted(words)


class TextMaker:
    """Distinct synthetic articles: Zipf-distributed words (a few very common ones, a long
    tail), 150-450 words each."""

    def __init__(self, seed: int = 1, vocab_size: int = 20_000) -> None:
        self.words = np.array(vocabulary(vocab_size, random.Random(seed)))
        ranks = np.arange(1, vocab_size + 1)
        self.p = (1.0 / ranks) / (1.0 / ranks).sum()

    def text(self, n: int) -> str:
        rng = np.random.default_rng(n)
        length = int(rng.integers(150, 450))
        return " ".join(self.words[rng.choice(len(self.words), size=length, p=self.p)])

    def edited(self, text: str, share: float, seed: int) -> str:
        rng = np.random.default_rng(seed)
        words = text.split()
        for i in rng.choice(len(words), size=max(1, int(len(words) * share)), replace=False):
            words[i] = str(self.words[rng.integers(len(self.words))])
        return " ".join(words)


_MAKER: TextMaker | None = None


def _sign_range(bounds: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    global _MAKER
    _MAKER = _MAKER or TextMaker()
    texts = [_MAKER.text(n) for n in range(*bounds)]
    sigs = [signature(t, DEFAULTS.params) for t in texts]
    return (np.stack([s.hashvalues for s in sigs]),
            np.array([s.token_count for s in sigs]), [content_hash(t) for t in texts])


def synthetic_corpus(n: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Signatures of n synthetic articles, computed on every core."""
    chunk = 5000
    ranges = [(i, min(n, i + chunk)) for i in range(0, n, chunk)]
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        parts = list(pool.map(_sign_range, ranges))
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            [h for p in parts for h in p[2]])


def _timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def _ms(values: Sequence[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{1000 * statistics.median(ordered):.3f} / {1000 * p95:.3f}"


def _load(n: int, sigs: np.ndarray, counts: np.ndarray, hashes: list[str]) -> DuplicateIndex:
    index = DuplicateIndex()
    ids = [f"{i:020x}" for i in range(n)]  # ids like the warehouse's (20 hex characters)
    index.load(ids, [h[:] for h in hashes[:n]], [None] * n, counts[:n], sigs[:n])
    return index


def _build(n: int, sigs: np.ndarray, counts: np.ndarray, hashes: list[str]
           ) -> tuple[DuplicateIndex, float, int]:
    """Build time (untraced), then the memory the index keeps (a second, traced build)."""
    gc.collect()
    start = time.perf_counter()
    index = _load(n, sigs, counts, hashes)
    seconds = time.perf_counter() - start
    del index
    gc.collect()
    tracemalloc.start()
    index = _load(n, sigs, counts, hashes)
    memory = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return index, seconds, memory


def speed(sizes: Sequence[int], queries: int, datasketch_too: bool) -> None:
    maker = TextMaker()
    largest = max(sizes)
    start = time.perf_counter()
    sigs, counts, hashes = synthetic_corpus(largest)
    sign_s = time.perf_counter() - start
    print(f"### One check against an index of n articles ({queries} copies + {queries} new "
          f"articles per size; median / p95 in ms)\n")
    print(f"Signing the {largest:,} synthetic articles (150-450 words) took {sign_s:.0f} s "
          f"on {os.cpu_count()} processes.\n")
    copies = [maker.edited(maker.text(i), 0.05, seed=i)
              for i in np.random.default_rng(3).choice(min(sizes), queries, replace=False)]
    fresh = [maker.text(10_000_000 + i) for i in range(queries)]
    real = sorted(seed_articles(), key=lambda a: len(a.text))
    cost = []
    for article in real:
        times = _timed(lambda t=article.text: signature(t, DEFAULTS.params), 20)
        cost.append(f"{len(tokens(article.text))} words {1000 * statistics.median(times):.2f} ms")
    print(f"Signing the real seed texts (median of 20): {'; '.join(cost)}.\n")
    print("| n | build (s) | index memory (MB) | signature | lookup: copy | lookup: new "
          "| total per article | copies found | new flagged |")
    print("|---|---|---|---|---|---|---|---|---|")
    lookups: dict[int, list[float]] = {}
    for n in sizes:
        index, build_s, memory = _build(n, sigs, counts, hashes)
        sign_t, copy_t, new_t, found, flagged = [], [], [], 0, 0
        for i, text in enumerate(copies + fresh):
            t0 = time.perf_counter()
            sig = signature(text, index.params)
            t1 = time.perf_counter()
            match = index.find(sig, content_hash(text))
            t2 = time.perf_counter()
            sign_t.append(t1 - t0)
            is_copy = i < len(copies)
            (copy_t if is_copy else new_t).append(t2 - t1)
            found += is_copy and match is not None
            flagged += not is_copy and match is not None
        lookups[n] = copy_t + new_t
        total = [s + q for s, q in zip(sign_t, copy_t + new_t, strict=True)]
        print(f"| {n:,} | {build_s:.2f} | {memory / 1e6:.0f} | {_ms(sign_t)} | {_ms(copy_t)} "
              f"| {_ms(new_t)} | {_ms(total)} | {found}/{queries} | {flagged}/{queries} |")
        del index
    print()
    brute_force(sizes, sigs, maker, copies)
    if datasketch_too:
        datasketch_lsh([n for n in sizes if n <= 100_000], sigs)
    warehouse_start(largest, sigs, counts, hashes)


def brute_force(sizes: Sequence[int], sigs: np.ndarray, maker: TextMaker,
                copies: list[str]) -> None:
    print("### Brute force, for comparison (per article, median ms)\n")
    print("| n | exact Jaccard against all (Python sets) | MinHash against all (numpy) |")
    print("|---|---|---|")
    size = DEFAULTS.shingle_size
    for n in sizes:
        probe = signature(copies[0], DEFAULTS.params).hashvalues
        scan = _timed(lambda n=n, p=probe: (sigs[:n] == p).mean(axis=1).max(), 20)
        exact = "-"
        if n <= 10_000:
            sets = [shingles(tokens(maker.text(i)), size) for i in range(n)]

            def jaccard_all(text: str, sets: list[set[bytes]] = sets) -> float:
                q = shingles(tokens(text), size)
                return max(len(q & s) / len(q | s) for s in sets)

            exact = f"{1000 * statistics.median(_timed(lambda: jaccard_all(copies[1]), 5)):.1f}"
            del sets
        print(f"| {n:,} | {exact} | {1000 * statistics.median(scan):.2f} |")
    print()


def datasketch_lsh(sizes: Sequence[int], sigs: np.ndarray) -> None:
    from datasketch import MinHash, MinHashLSH

    from extractors.dedup import band_params

    bands, rows = band_params(DEFAULTS.threshold, DEFAULTS.num_perm)
    print(f"### datasketch MinHashLSH with the same bands ({bands} x {rows}), in-memory storage\n")
    print("| n | build (s) | memory (MB) | query (median ms) |")
    print("|---|---|---|---|")
    for n in sizes:
        gc.collect()
        template = MinHash(num_perm=DEFAULTS.num_perm, scheme="affine32")
        tracemalloc.start()
        start = time.perf_counter()
        lsh = MinHashLSH(num_perm=DEFAULTS.num_perm, params=(bands, rows))
        for i in range(n):
            mh = MinHash(num_perm=DEFAULTS.num_perm, hashvalues=sigs[i],
                         permutations=template.permutations, scheme="affine32")
            lsh.insert(i, mh, check_duplication=False)
        build = time.perf_counter() - start
        memory = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        probe = MinHash(num_perm=DEFAULTS.num_perm, hashvalues=sigs[n // 2],
                        permutations=template.permutations, scheme="affine32")
        query = statistics.median(_timed(lambda lsh=lsh, probe=probe: lsh.query(probe), 50))
        print(f"| {n:,} | {build:.1f} | {memory / 1e6:.0f} | {1000 * query:.3f} |")
        del lsh
    print("\n(build time measured under tracemalloc, which slows Python-level inserts)\n")


def warehouse_start(n: int, sigs: np.ndarray, counts: np.ndarray, hashes: list[str]) -> None:
    """The flow's start-up: load every stored signature with one query and build."""
    import pyarrow as pa

    from extractors.dedup import ArticleSignature
    from extractors.shingles import TextSignature
    from warehouse import signatures
    from warehouse.connection import connect
    from warehouse.migrations import migrate

    with tempfile.TemporaryDirectory() as folder:
        con = connect(Path(folder) / "bench.duckdb")
        migrate(con)
        ids = [f"{i:020x}" for i in range(n)]
        stamp = datetime.now(UTC)
        con.register("bench_articles", pa.table({
            "article_id": ids, "url": ids, "canonical_url": ids,
            "fetched_at": pa.array([stamp] * n, pa.timestamp("us", tz="UTC")),
            "content_hash": hashes[:n],
        }))
        con.execute("INSERT INTO articles (article_id, url, canonical_url, fetched_at, text, "
                    "content_hash, text_origin) SELECT article_id, url, canonical_url, "
                    "fetched_at, '(synthetic)', content_hash, 'page' FROM bench_articles")
        con.unregister("bench_articles")
        params = DEFAULTS.params
        start = time.perf_counter()
        con.execute("BEGIN TRANSACTION")
        signatures.insert_signatures(con, [
            ArticleSignature(ids[i], TextSignature(params, int(counts[i]), int(counts[i]),
                                                   sigs[i]))
            for i in range(n)
        ])
        con.execute("COMMIT")
        insert_s = time.perf_counter() - start
        gc.collect()
        tracemalloc.start()
        start = time.perf_counter()
        index = signatures.load_index(con)
        load_s = time.perf_counter() - start
        memory = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        con.close()
    print("### Flow start: the index rebuilt from DuckDB\n")
    print(f"{n:,} stored signatures: `signatures.load_index` (one query + one bulk build) "
          f"took {load_s:.2f} s; the index holds {memory[0] / 1e6:.0f} MB (peak while loading "
          f"{memory[1] / 1e6:.0f} MB; numpy arrays {index.nbytes / 1e6:.0f} MB). Writing the "
          f"{n:,} signatures in one Arrow insert took {insert_s:.1f} s.\n")


# ============================================================================ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["all", "measure", "speed"], default="all")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--no-datasketch", action="store_true",
                        help="skip datasketch's MinHashLSH comparison")
    args = parser.parse_args()
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {platform.platform()}\n")
    started = time.perf_counter()
    if args.part in ("all", "measure"):
        measure_shingle_sizes()
        measure_short_texts()
        measure_detection(args.trials)
    if args.part in ("all", "speed"):
        speed(sorted(args.sizes), args.queries, not args.no_datasketch)
    print(f"(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
