"""spaCy NER in helper processes, behind the `NerModel` interface.

A Python process runs Python code on one core at a time (the GIL): spaCy's NER on the
flow's worker threads barely overlaps with extraction, cleaning and the entity rules of the
same process (measured in BENCHMARKS.md: two threads of NER take as long as one).
`ProcessNerModel` sends the texts to helper processes instead, each with its own
interpreter and its own copy of the pipelines, so the model runs on another core while the
flow's process fetches, extracts and stores.

Each helper is `python -m extractors.entities.ner_process`, started with `subprocess`
(not `multiprocessing`, which would re-import the caller's main script in the child and
run whatever it does at top level), that loads the English and French pipelines once and
then answers requests on its stdin/stdout: (texts, language) in, spans out, pickled. A few
kilobytes per article travel, against tens of milliseconds of NER.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import IO, Any

from extractors.entities.model import NerModelError, SpacyNerModel
from extractors.entities.records import RawSpan

__all__ = ["ProcessNerModel"]

_STOP_TIMEOUT_S = 10.0


# What a helper may see of the flow's environment: enough to run Python and spaCy (locale,
# temp folder, thread and BLAS knobs), never the alert channels' secrets or anything else.
_HELPER_ENV_NAMES = frozenset(
    {"PATH", "HOME", "LANG", "LANGUAGE", "TMPDIR", "TEMP", "TMP", "TZ", "VIRTUAL_ENV",
     "SYSTEMROOT"}
)
_HELPER_ENV_PREFIXES = ("LC_", "PYTHON", "OPENBLAS_", "OMP_", "MKL_", "SPACY_", "CUDA_")


def helper_environment(environ: Mapping[str, str], **extra: str) -> dict[str, str]:
    """The environment of a helper process: an allow-list of `environ`, plus `extra`."""
    kept = {
        name: value
        for name, value in environ.items()
        if name in _HELPER_ENV_NAMES or name.startswith(_HELPER_ENV_PREFIXES)
    }
    return {**kept, **extra}


class _Helper:
    """One helper process and its pipes; used by one thread at a time."""

    def __init__(self) -> None:
        path = os.pathsep.join(p for p in sys.path if p)
        env = helper_environment(os.environ, PYTHONPATH=path)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "extractors.entities.ner_process"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        )

    def call(self, texts: list[str], language: str) -> list[list[RawSpan]]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            pickle.dump((texts, language), self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.proc.stdin.flush()
            status, value = pickle.load(self.proc.stdout)
        except (OSError, EOFError, pickle.UnpicklingError) as e:
            code = self.proc.poll()
            raise NerModelError(
                f"the NER helper process stopped unexpectedly (exit code {code}): {e}"
            ) from e
        if status != "ok":
            raise NerModelError(str(value))
        return value  # type: ignore[no-any-return]

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):  # already gone
                self.proc.stdin.close()  # the helper's loop ends at end of input
        try:
            self.proc.wait(timeout=_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class ProcessNerModel:
    """spaCy NER (`SpacyNerModel`) in `processes` helper processes; thread-safe."""

    def __init__(self, processes: int = 1) -> None:
        if processes < 1:
            raise ValueError("ProcessNerModel needs at least one process")
        self.processes = processes
        self._lock = threading.Lock()
        self._helpers: list[_Helper] = []
        self._idle: queue.Queue[_Helper] = queue.Queue()

    def start(self) -> None:
        """Start the helpers now, without waiting: they load spaCy (a few seconds) while
        the first pages are fetched."""
        with self._lock:
            while len(self._helpers) < self.processes:
                helper = _Helper()
                self._helpers.append(helper)
                self._idle.put(helper)

    def entities(self, texts: Sequence[str], language: str) -> list[list[RawSpan]]:
        if not texts:
            return []
        self.start()
        helper = self._idle.get()
        try:
            return helper.call(list(texts), language)
        finally:
            if helper.alive:
                self._idle.put(helper)
            else:  # replaced on the next call
                with self._lock:
                    if helper in self._helpers:
                        self._helpers.remove(helper)

    def close(self) -> None:
        """Stop the helpers; a later call starts new ones."""
        with self._lock:
            helpers, self._helpers = self._helpers, []
            self._idle = queue.Queue()
        for helper in helpers:
            helper.stop()


def _serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """The helper's loop: load the pipelines, then answer until the input ends."""
    model = SpacyNerModel()
    for language in ("en", "fr"):
        with contextlib.suppress(NerModelError):  # reported by the first request needing it
            model.pipeline(language)
    while True:
        try:
            texts, language = pickle.load(requests)
        except EOFError:
            return
        reply: tuple[str, Any]
        try:
            reply = ("ok", model.entities(texts, language))
        except Exception as e:  # noqa: BLE001 - sent back to the caller as NerModelError
            reply = ("error", f"NER failed in the helper process: {type(e).__name__}: {e}")
        pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
        replies.flush()


if __name__ == "__main__":
    # Replies go on a private copy of stdout; anything printed (by spaCy, a C library ...)
    # goes to stderr instead of corrupting them.
    _replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    _serve(sys.stdin.buffer, _replies)
