"""Where a run's time goes, without touching production code: timers wrapped around the
functions of each stage for the length of a benchmark (`Timings.instrument`).

Time is *exclusive*: a timed call made inside another timed call on the same thread (NER
inside entity extraction, fetch inside a page build) counts for its own stage only. Each
stage also remembers which threads spent it, so that time spent by the worker threads in
parallel (fetch, extract, NER after the change) can be told from time spent by the single
writer (the flow thread), whose stages add up to the run's critical path.

    timings = Timings()
    with timings.instrument(ingest_stages()):
        ingest(...)
    print(timings.table(wall_s))
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Probe:
    """Time `module.attr` (a function, or `Class.method` via `attr="Class.method"`)."""

    module: str
    attr: str
    stage: str
    when: Callable[..., bool] | None = None  # count only calls whose arguments pass


class Timings:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.busy: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)  # thread CPU time (no GIL waits)
        self.calls: dict[str, int] = defaultdict(int)
        self.threads: dict[str, set[str]] = defaultdict(set)
        self._local = threading.local()
        self.main_thread = threading.current_thread().name
        self.missing: list[str] = []  # probes whose target does not exist in this version
        self.origin = time.perf_counter()
        self.spans: dict[str, list[tuple[float, float]]] = defaultdict(list)  # stage -> calls

    # -- accounting --------------------------------------------------------------------

    def _enter(self) -> tuple[float, float]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        stack.append([0.0, 0.0])  # wall and CPU time spent in timed children
        return time.perf_counter(), time.thread_time()

    def _exit(self, stage: str, started: tuple[float, float]) -> None:
        elapsed = time.perf_counter() - started[0]
        cpu = time.thread_time() - started[1]
        stack = self._local.stack
        children = stack.pop()
        if stack:
            stack[-1][0] += elapsed
            stack[-1][1] += cpu
        with self._lock:
            self.spans[stage].append((started[0] - self.origin, started[0] - self.origin
                                      + elapsed))
            self.busy[stage] += elapsed - children[0]
            self.cpu[stage] += cpu - children[1]
            self.calls[stage] += 1
            self.threads[stage].add(threading.current_thread().name)

    @contextlib.contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        started = self._enter()
        try:
            yield
        finally:
            self._exit(stage, started)

    def wrap(self, fn: Callable[..., Any], stage: str,
             when: Callable[..., bool] | None = None) -> Callable[..., Any]:
        timings = self

        @functools.wraps(fn)
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            if when is not None and not when(*args, **kwargs):
                return fn(*args, **kwargs)
            started = timings._enter()
            try:
                return fn(*args, **kwargs)
            finally:
                timings._exit(stage, started)

        return timed_call

    @contextlib.contextmanager
    def instrument(self, probes: Sequence[Probe]) -> Iterator[Timings]:
        """Wrap every probe's target for the duration of the block, then restore it."""
        undo: list[tuple[Any, str, Any]] = []
        try:
            for probe in probes:
                owner: Any = importlib.import_module(probe.module)
                *path, name = probe.attr.split(".")
                for part in path:
                    owner = getattr(owner, part, None)
                if owner is None or not hasattr(owner, name):
                    self.missing.append(f"{probe.module}.{probe.attr}")
                    continue
                original = owner.__dict__[name] if isinstance(owner, type) else getattr(
                    owner, name)
                if isinstance(original, classmethod):
                    wrapped: Any = classmethod(self.wrap(original.__func__, probe.stage,
                                                         probe.when))
                elif isinstance(original, staticmethod):
                    wrapped = staticmethod(self.wrap(original.__func__, probe.stage, probe.when))
                else:
                    wrapped = self.wrap(original, probe.stage, probe.when)
                setattr(owner, name, wrapped)
                undo.append((owner, name, original))
            yield self
        finally:
            for owner, name, original in reversed(undo):
                setattr(owner, name, original)

    # -- reporting ---------------------------------------------------------------------

    def timeline(self, stages: Sequence[str], start: float, end: float, buckets: int = 12
                 ) -> str:
        """How much of each time slice of [start, end] (seconds since this object was made)
        some call of each stage was running: a coarse picture of stalls."""
        width = (end - start) / buckets
        lines = ["| stage | " + " | ".join(f"{start + i * width:.0f}s" for i in range(buckets))
                 + " |", "|---|" + "---|" * buckets]
        for stage in stages:
            calls = self.spans.get(stage, [])
            cells = []
            for i in range(buckets):
                lo, hi = start + i * width, start + (i + 1) * width
                covered = _union_length([(max(a, lo), min(b, hi)) for a, b in calls
                                         if b > lo and a < hi])
                cells.append(f"{100 * covered / width:.0f}%")
            lines.append(f"| {stage} | " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def on_main(self, stage: str) -> bool:
        return self.threads.get(stage) == {self.main_thread}

    def rows(self, order: Sequence[str]) -> list[tuple[str, float, float, int, str]]:
        seen = [s for s in order if s in self.busy] + sorted(set(self.busy) - set(order))
        return [
            (s, self.busy[s], self.cpu[s], self.calls[s],
             "flow thread" if self.on_main(s) else f"{len(self.threads[s])} threads")
            for s in seen
        ]

    def table(self, order: Sequence[str], wall_s: float, extra_cpu: dict[str, float] | None = None
              ) -> str:
        """Markdown: per stage, the wall time its calls took (GIL waits included, summed over
        threads) and the CPU time of those threads (this process only; `extra_cpu` adds
        stages measured elsewhere, e.g. a helper process)."""
        lines = ["| stage | time in calls (s) | CPU (s) | share of CPU | calls | where |",
                 "|---|---|---|---|---|---|"]
        rows = self.rows(order)
        extra = dict(extra_cpu or {})
        total = (sum(self.cpu.values()) + sum(extra.values())) or 1.0
        for stage, busy, cpu, calls, where in rows:
            lines.append(f"| {stage} | {busy:.2f} | {cpu:.2f} | {100 * cpu / total:.0f}% | "
                         f"{calls} | {where} |")
        for stage, cpu in extra.items():
            lines.append(f"| {stage} | | {cpu:.2f} | {100 * cpu / total:.0f}% | | "
                         f"other process |")
        main = sum(b for s, b, _, _, _ in rows if self.on_main(s))
        lines.append(f"| **all** | {sum(self.busy.values()):.2f} | {total:.2f} | | | wall "
                     f"{wall_s:.2f} s; flow thread in stages {main:.2f} s |")
        return "\n".join(lines)


def _union_length(intervals: list[tuple[float, float]]) -> float:
    total, last = 0.0, float("-inf")
    for a, b in sorted(intervals):
        a = max(a, last)
        if b > a:
            total += b - a
            last = b
    return total


def _is_page_fetch(*args: Any, **kwargs: Any) -> bool:
    """HttpFetcher.fetch(self, url, accept=...): pages ask for HTML, feeds for feeds."""
    return "text/html" in (kwargs.get("accept") or "")


STAGE_ORDER = (
    "poll", "fetch", "extract", "clean", "page other", "ner", "ner: wait for helper process",
    "dedup index load",
    "dedup", "entities load", "entity rules", "novelty", "store", "alerts", "wait for workers",
)


def ingest_stages() -> list[Probe]:
    """The stages of the `ingest` flow (threads runner: everything runs in this process)."""
    return [
        Probe("flows.polls", "poll_feed", "poll"),
        Probe("extractors.fetching", "HttpFetcher.fetch", "fetch", _is_page_fetch),
        Probe("extractors.articles", "decode_html", "extract"),
        Probe("extractors.articles", "extract_page", "extract"),
        Probe("extractors.articles", "clean_text", "clean"),
        Probe("flows.batches", "build_articles", "page other"),
        Probe("extractors.entities.model", "SpacyNerModel.entities", "ner"),
        Probe("extractors.entities.ner_process", "ProcessNerModel.entities",
              "ner: wait for helper process"),
        Probe("warehouse.signatures", "load_index", "dedup index load"),
        Probe("extractors.dedup", "DuplicateIndex.mark", "dedup"),
        Probe("extractors.entities.recognizer", "EntityRecognizer.build", "entities load"),
        Probe("extractors.entities.recognizer", "EntityRecognizer.extract", "entity rules"),
        Probe("flows.batches", "assess_novelty", "novelty"),
        Probe("warehouse.store", "save_batch", "store"),
        Probe("warehouse.store", "record_feed_poll", "store"),
        Probe("warehouse.store", "start_run", "store"),
        Probe("warehouse.store", "finish_run", "store"),
        Probe("warehouse.store", "known_canonical_urls", "store"),
        Probe("warehouse.store", "feed_states", "store"),
        Probe("flows.publishing", "deliver_pending", "alerts"),
        Probe("prefect.futures", "PrefectConcurrentFuture.result", "wait for workers"),
    ]


class CpuSampler:
    """CPU use of this process and its children (NER helpers, Prefect's ephemeral server,
    Dask workers ...) sampled every `interval_s` in a background thread (psutil)."""

    def __init__(self, interval_s: float = 2.0) -> None:
        self.interval_s = interval_s
        self.samples: list[tuple[float, dict[str, float]]] = []  # (t, name -> CPU s so far)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="cpu-sampler")
        self.origin = time.perf_counter()
        self._seen: dict[int, tuple[str, float]] = {}  # pid -> (label, CPU seconds)

    @staticmethod
    def _label(proc: Any) -> str:
        try:
            cmd = " ".join(proc.cmdline())
        except Exception:  # noqa: BLE001 - a process that just ended
            return "other"
        if "ner_process" in cmd:
            return "NER helper"
        if "spawn_main" in cmd or "multiprocessing" in cmd or "distributed" in cmd:
            return "Dask workers"
        if "prefect" in cmd and "server" in cmd or "uvicorn" in cmd:
            return "prefect server"
        if "ReplayServer" in cmd or "flows.replay" in cmd:
            return "replay server"
        return "other children"

    def _snapshot(self) -> dict[str, float]:
        """CPU seconds so far by kind of process; a process that ended keeps its last
        reading (so totals never go down)."""
        import psutil

        me = psutil.Process()
        t = me.cpu_times()
        self._seen[me.pid] = ("flow process", t.user + t.system)
        for child in me.children(recursive=True):
            try:
                ct = child.cpu_times()
                label = self._seen[child.pid][0] if child.pid in self._seen else \
                    self._label(child)
            except psutil.Error:
                continue
            self._seen[child.pid] = (label, ct.user + ct.system)
        totals: dict[str, float] = defaultdict(float)
        for label, cpu in self._seen.values():
            totals[label] += cpu
        return dict(totals)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.perf_counter() - self.origin, self._snapshot()))
            self._stop.wait(self.interval_s)

    def __enter__(self) -> CpuSampler:
        try:
            import psutil  # noqa: F401
        except ImportError:
            return self
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
            self.samples.append((time.perf_counter() - self.origin, self._snapshot()))

    def table(self, buckets: int = 10) -> str:
        """Cores used by each kind of process, per slice of the run (1.00 = one full core)."""
        if len(self.samples) < 2:
            return "(psutil not installed: no CPU timeline)"
        names = sorted({n for _, s in self.samples for n in s})
        t0, t1 = self.samples[0][0], self.samples[-1][0]
        width = (t1 - t0) / buckets
        edges = [t0 + i * width for i in range(buckets + 1)]

        def at(t: float, name: str) -> float:  # CPU seconds so far, interpolated
            prev = self.samples[0]
            for sample in self.samples:
                if sample[0] >= t:
                    a, b = prev, sample
                    va, vb = a[1].get(name, 0.0), b[1].get(name, 0.0)
                    if b[0] == a[0]:
                        return vb
                    return va + (vb - va) * (t - a[0]) / (b[0] - a[0])
                prev = sample
            return self.samples[-1][1].get(name, 0.0)

        header = " | ".join(f"{e - t0:.0f}s" for e in edges[:-1])
        lines = [f"| process | {header} | total CPU s |", "|---|" + "---|" * (buckets + 1)]
        for name in names:
            cells = [f"{(at(edges[i + 1], name) - at(edges[i], name)) / width:.2f}"
                     for i in range(buckets)]
            total = at(t1, name) - at(t0, name)
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {total:.1f} |")
        return "\n".join(lines)
