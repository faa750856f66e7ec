"""spaCy NER in helper processes, behind the `NerModel` interface.

A Python process runs Python code on one core at a time (the GIL): spaCy's NER on the
flow's worker threads barely overlaps with extraction, cleaning and the entity rules of the
same process (measured in BENCHMARKS.md: two threads of NER take as long as one).
`ProcessNerModel` sends the texts to helper processes instead, each with its own
interpreter and its own copy of the pipelines, so the model runs on another core while the
flow's process fetches, extracts and stores.

The helpers are *spawned* (the flow's process has threads, which `fork` does not copy
safely), start on the first call or on `start()`, load the English and French pipelines
once, and live until `close()`. Texts go there and spans come back pickled: a few
kilobytes per article, against tens of milliseconds of NER.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from extractors.entities.model import NerModelError, SpacyNerModel
from extractors.entities.records import RawSpan

__all__ = ["ProcessNerModel"]

_model: SpacyNerModel | None = None  # in a helper process: its one model


def _load() -> None:
    """Helper start-up: the pipelines once. A missing model is reported by the first call
    that needs it (as `NerModelError`), not here, where it would break the whole pool."""
    global _model
    _model = SpacyNerModel()
    for language in ("en", "fr"):
        try:
            _model.pipeline(language)
        except NerModelError:
            pass


def _ready() -> bool:
    return _model is not None


def _entities(texts: list[str], language: str) -> list[list[RawSpan]]:
    model = _model or SpacyNerModel()
    return model.entities(texts, language)


class ProcessNerModel:
    """spaCy NER (`SpacyNerModel`) in `processes` spawned helper processes."""

    def __init__(self, processes: int = 1) -> None:
        if processes < 1:
            raise ValueError("ProcessNerModel needs at least one process")
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_load,
                )
            return self._pool

    def start(self) -> list[Future[bool]]:
        """Start the helpers now (they take a few seconds to load spaCy), without waiting."""
        pool = self._executor()
        return [pool.submit(_ready) for _ in range(self.processes)]

    def entities(self, texts: Sequence[str], language: str) -> list[list[RawSpan]]:
        if not texts:
            return []
        try:
            return self._executor().submit(_entities, list(texts), language).result()
        except BrokenProcessPool as e:
            self.close()
            raise NerModelError(f"the NER helper process stopped unexpectedly: {e}") from e

    def close(self) -> None:
        """Stop the helpers; a later call starts new ones."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
