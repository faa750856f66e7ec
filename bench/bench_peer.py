"""A peer, side by side in one run: newspaper4k fetching and parsing the same 1,000 pages
(served on 127.0.0.1) beside this pipeline's fetch + extract stage.

Both read every page once, one after the other on one thread, each in a fresh process:

- this pipeline: `HttpFetcher.fetch` (the guards, size cap, deadline), `decode_html`,
  `extract_page` (trafilatura) and `clean_text`, i.e. the text as the pipeline stores it;
- newspaper4k: `Article(url, config).download()` then `.parse()`, images not fetched.

Nothing may leave 127.0.0.1: an audit hook (`socket.connect`, `socket.getaddrinfo`) records
every destination in both processes and refuses any other. newspaper4k's URL helpers use
tldextract, whose default is to download the Public Suffix List on first use; the script
first lets one newspaper4k parse run with that default (under the same hook, which refuses
the download and reports it), then points tldextract at its bundled snapshot
(`suffix_list_urls=()`) for the measured run. newspaper4k 0.9 needs NLTK only for `.nlp()`,
which is not called; NLTK is not installed and nothing tries to download its data.

    python bench/bench_peer.py                 # ~3 minutes
    python bench/bench_peer.py --replay DIR --pages 300
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common  # noqa: F401
from common import ROOT, collect, emit, machine, replay_server_process

SCRIPT = Path(__file__).resolve()
# Furniture around the articles of bench/newsgen.py that must not reach the text.
FURNITURE = {
    "newsletter box": ("Sign up for our newsletter", "Abonnez-vous à notre newsletter"),
    "reader comments": ("Praying for the families", "Courage aux familles"),
    "photo caption": ("file photo", "photo d’archives"),
    "read-more teaser": ("Read more:", "Lire aussi:"),
    "cookie banner": ("We use cookies",),
}


def guard_network() -> list[str]:
    """Record every socket destination; refuse any outside 127.0.0.1."""
    attempts: list[str] = []

    def hook(event: str, args: tuple) -> None:
        if event == "socket.connect":
            address = args[1]
            host = address[0] if isinstance(address, tuple) else str(address)
        elif event == "socket.getaddrinfo":
            host = str(args[0])
        else:
            return
        if host in ("127.0.0.1", "localhost", "::1"):
            return
        attempts.append(f"{event} {host}")
        raise OSError(f"bench_peer: refusing to reach {host} (only 127.0.0.1 is allowed)")

    sys.addaudithook(hook)
    return attempts


def _urls(base: str, replay_root: Path, pages: int) -> list[str]:
    from newsgen import load_replay

    return [f"{base}/{p}" for p in load_replay(replay_root).page_paths[:pages]]


def _quality(texts: list[str]) -> dict[str, int]:
    found = {name: sum(any(m in t for m in marks) for t in texts)
             for name, marks in FURNITURE.items()}
    found["empty or < 200 chars"] = sum(len(t) < 200 for t in texts)
    return found


def part_ours(base: str, replay_root: Path, pages: int) -> dict:
    attempts = guard_network()
    from extractors.articles import HTML_ACCEPT, HTML_TYPES
    from extractors.cleaning import clean_text
    from extractors.extraction import extract_page
    from extractors.fetching import HttpFetcher, decode_html
    from extractors.models import FetchSettings

    urls = _urls(base, replay_root, pages)
    fetcher = HttpFetcher(FetchSettings(allow_private_addresses=True, per_host_delay_s=0))
    texts, fetch_s, extract_s = [], 0.0, 0.0
    started = time.perf_counter()
    for url in urls:
        t0 = time.perf_counter()
        result = fetcher.fetch(url, accept=HTML_ACCEPT, allowed_types=HTML_TYPES)
        t1 = time.perf_counter()
        page = extract_page(decode_html(result.content, result.charset), url=result.final_url)
        texts.append(clean_text(page.text))
        extract_s += time.perf_counter() - t1
        fetch_s += t1 - t0
    wall = time.perf_counter() - started
    fetcher.close()
    return {"wall_s": wall, "fetch_s": fetch_s, "extract_s": extract_s, "pages": len(urls),
            "chars": sum(map(len, texts)), "quality": _quality(texts),
            "network_attempts": attempts}


def part_newspaper(base: str, replay_root: Path, pages: int, offline_tld: bool) -> dict:
    attempts = guard_network()
    import warnings

    warnings.filterwarnings("ignore", message="nltk is not installed")
    import newspaper
    from newspaper import Article
    from newspaper.configuration import Configuration

    if offline_tld:
        import tldextract.tldextract as tld

        tld.TLD_EXTRACTOR = tld.TLDExtract(suffix_list_urls=(), cache_dir=None)
    config = Configuration()
    config.fetch_images = False
    config.request_timeout = 20
    urls = _urls(base, replay_root, pages)
    texts, errors, download_s, parse_s = [], [], 0.0, 0.0
    started = time.perf_counter()
    for url in urls:
        article = Article(url, config=config)
        t0 = time.perf_counter()
        try:
            article.download()
            t1 = time.perf_counter()
            article.parse()
            parse_s += time.perf_counter() - t1
            download_s += t1 - t0
            texts.append(article.text or "")
        except Exception as e:  # noqa: BLE001 - report, do not stop
            errors.append(f"{type(e).__name__}: {e}"[:300])
            texts.append("")
    wall = time.perf_counter() - started
    return {"wall_s": wall, "fetch_s": download_s, "extract_s": parse_s, "pages": len(urls),
            "chars": sum(map(len, texts)), "quality": _quality(texts), "errors": errors[:5],
            "error_count": len(errors), "network_attempts": sorted(set(attempts)),
            "version": newspaper.__version__,
            "nltk_loaded": "nltk" in sys.modules}


def _child(part: str, base: str, replay: Path, pages: int) -> dict:
    done = subprocess.run([sys.executable, str(SCRIPT), "--part", part, "--base", base,
                           "--replay", str(replay), "--pages", str(pages)],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        return {"failed": f"{done.stdout[-1500:]}\n{done.stderr[-3000:]}"}
    return collect(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["all", "ours", "newspaper", "newspaper-probe"],
                        default="all")
    parser.add_argument("--replay", type=Path)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--base")
    args = parser.parse_args()
    if args.part == "ours":
        emit(part_ours(args.base, args.replay, args.pages))
        return 0
    if args.part in ("newspaper", "newspaper-probe"):
        emit(part_newspaper(args.base, args.replay, args.pages,
                            offline_tld=args.part == "newspaper"))
        return 0
    replay = args.replay
    if replay is None:
        from newsgen import write_replay

        replay = Path(tempfile.mkdtemp(prefix="mali-bench-peer-")) / "replay"
        write_replay(replay)
    with replay_server_process(replay) as base:
        probe = _child("newspaper-probe", base, replay, 3)
        ours = _child("ours", base, replay, args.pages)
        peer = _child("newspaper", base, replay, args.pages)
    print(f"Machine: {machine()}\n")
    if "failed" in peer:
        print(f"newspaper4k could not run here:\n```\n{peer['failed']}\n```")
    print(f"newspaper4k with tldextract's default (3 pages, network refused by the audit "
          f"hook): attempts to leave 127.0.0.1: {probe.get('network_attempts') or 'none'}; "
          f"errors: {probe.get('error_count', probe.get('failed', '?'))}")
    print(f"measured runs: attempts to leave 127.0.0.1: ours "
          f"{ours.get('network_attempts') or 'none'}, newspaper4k "
          f"{peer.get('network_attempts') or 'none'}; NLTK imported by newspaper4k: "
          f"{peer.get('nltk_loaded')}\n")
    if "failed" in ours or "failed" in peer:
        print(ours.get("failed", ""))
        return 1
    print(f"| {args.pages} pages, one thread | wall (s) | pages/s | fetch (s) | extract/parse "
          f"(s) | text chars | " + " | ".join(FURNITURE) + " | empty or < 200 chars |")
    print("|---|---|---|---|---|---|" + "---|" * (len(FURNITURE) + 1))
    for name, r in (("mali-monitor: fetch + trafilatura + clean", ours),
                    (f"newspaper4k {peer['version']}: download + parse", peer)):
        q = r["quality"]
        print(f"| {name} | {r['wall_s']:.1f} | {r['pages'] / r['wall_s']:.1f} | "
              f"{r['fetch_s']:.1f} | {r['extract_s']:.1f} | {r['chars'] / 1e6:.2f} M | "
              + " | ".join(str(q[k]) for k in FURNITURE) + f" | {q['empty or < 200 chars']} |")
    print(f"\nratio newspaper4k / mali-monitor (wall): {peer['wall_s'] / ours['wall_s']:.2f}")
    if peer.get("error_count"):
        print(f"newspaper4k errors: {peer['error_count']}, e.g. {peer['errors'][:2]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
