"""Where the parallel part of a run happens: the task runner chosen by `[run]` (the one
runner of a run: feed polls and page fetches both go to it), and what each worker process
keeps between tasks.

- `task_runner = "threads"` (the default): the poll and fetch tasks (fetch, extract, clean,
  NER) run on a `ThreadPoolTaskRunner` in the flow's process; with many pages to read, spaCy's
  NER goes to `ner_processes` helper processes (`ProcessNerModel`), because the threads of
  one process share one GIL and NER would otherwise hold it against everything else.
- `task_runner = "dask"`: the poll and fetch tasks run on prefect-dask's `DaskTaskRunner`, on a
  `LocalCluster` of `workers` processes bound to 127.0.0.1, or on the scheduler at
  `dask_address`; NER runs in the worker processes.

Either way dedup, the entity rules, novelty and every DuckDB write stay in the flow, one
batch at a time in submission order (one writer). The runner is opened inside the flow from
the settings, so `mali-monitor run`, `serve`, a work-pool deployment and a Python caller
all get the configured one (a runner given to `Flow.with_options` would not survive the
entrypoint import of a deployment).

Tasks receive settings (frozen, picklable dataclasses), never live objects: Dask pickles
task arguments, and a fetcher holds locks, sessions and thread-locals. Each process builds
its fetcher, topic filter and NER model once, from the cached factories below.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from extractors.entities.model import NerModel, SpacyNerModel
from extractors.fetching import HttpFetcher
from extractors.models import FetchSettings
from extractors.topic import TopicFilter, TopicSettings
from flows.settings import ConfigError

if TYPE_CHECKING:
    from prefect.task_runners import TaskRunner

    from flows.settings import Settings

__all__ = [
    "NER_PROCESS_MIN_ENTRIES",
    "RunnerUnavailable",
    "check_task_runner",
    "fetcher_for",
    "ner_mode",
    "ner_model_for",
    "open_task_runner",
    "release_process_resources",
    "start_ner",
    "topic_filter_for",
]

# Below this many pages to fetch, NER stays on the worker threads: a helper process takes
# 2-4 s to start and load spaCy, the NER of ~40 articles.
NER_PROCESS_MIN_ENTRIES = 50
DASK_EXTRA = "pip install 'mali-monitor[dask]'"


class RunnerUnavailable(ConfigError):
    """The configured task runner cannot be used here (its package is not installed)."""


# --------------------------------------------------------------------------- the runner


def check_task_runner(settings: Settings) -> None:
    """Fail fast (before Prefect starts) when `[run]` asks for what is not installed."""
    if settings.run.task_runner == "dask":
        try:
            import prefect_dask  # noqa: F401
        except ImportError as e:
            raise RunnerUnavailable(
                f'task_runner = "dask" needs prefect-dask and distributed: {DASK_EXTRA}'
            ) from e


def build_task_runner(settings: Settings) -> TaskRunner[Any]:
    run = settings.run
    if run.task_runner == "dask":
        check_task_runner(settings)
        from prefect_dask import DaskTaskRunner

        if run.dask_address:
            return DaskTaskRunner(address=run.dask_address)
        return DaskTaskRunner(
            cluster_class="distributed.LocalCluster",
            cluster_kwargs={
                "n_workers": run.workers or os.cpu_count() or 1,
                "threads_per_worker": 1,
                "processes": True,
                "host": "127.0.0.1",
                "dashboard_address": "127.0.0.1:0",  # health routes only (no bokeh); no fixed port
            },
        )
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=run.thread_count(settings.fetch.max_workers))


@contextlib.contextmanager
def open_task_runner(settings: Settings) -> Iterator[TaskRunner[Any]]:
    """The configured runner, started; a local Dask cluster is stopped on the way out.

    Dask workers are other processes: when the flow talks to Prefect's ephemeral API (no
    PREFECT_API_URL), they are given its address so that their task runs land in the same
    place instead of each starting an API of its own."""
    runner = build_task_runner(settings)
    with _api_url_for_workers(settings), runner:
        yield runner


@contextlib.contextmanager
def _api_url_for_workers(settings: Settings) -> Iterator[None]:
    if settings.run.task_runner != "dask" or settings.run.dask_address:
        yield
        return
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    if get_current_settings().api.url:
        yield
        return
    # The workers run each task in the flow's serialised settings: naming the ephemeral
    # API there sends their task runs to it.
    with get_client(sync_client=True) as client:
        api_url = str(client.api_url).rstrip("/")
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        yield


def ner_mode(settings: Settings, entries_to_fetch: int) -> str:
    """How the fetch tasks run NER: "" (entities off), "local" (in the task's process) or
    "processes:N" (N helper processes beside the flow's threads)."""
    if not settings.entities.enabled:
        return ""
    run = settings.run
    if (
        run.task_runner == "threads"
        and run.ner_processes
        and entries_to_fetch >= NER_PROCESS_MIN_ENTRIES
    ):
        return f"processes:{run.ner_processes}"
    return "local"


# --------------------------------------------------------------------------- per process

_lock = threading.Lock()
_fetchers: dict[FetchSettings, HttpFetcher] = {}
_topics: dict[tuple[Any, ...], TopicFilter] = {}
_models: dict[str, NerModel] = {}


def fetcher_for(settings: FetchSettings) -> HttpFetcher:
    """This process's fetcher for these settings (thread-safe; politeness per host is then
    shared by every task of the process)."""
    with _lock:
        fetcher = _fetchers.get(settings)
        if fetcher is None:
            fetcher = _fetchers[settings] = HttpFetcher(settings)
        return fetcher


def topic_filter_for(settings: TopicSettings) -> TopicFilter:
    key = (tuple(sorted(settings.terms.items())), settings.exclude, settings.min_score)
    with _lock:
        topic = _topics.get(key)
        if topic is None:
            topic = _topics[key] = TopicFilter(settings)
        return topic


class _OneAtATime:
    """A model called by one thread at a time: spaCy does not promise thread safety, and
    the GIL gives nothing to gain from two calls at once."""

    def __init__(self, model: NerModel) -> None:
        self._model = model
        self._lock = threading.Lock()

    def entities(self, texts: Any, language: str) -> Any:
        with self._lock:
            return self._model.entities(texts, language)


def ner_model_for(mode: str) -> NerModel | None:
    """This process's NER model for a `ner_mode`; None when entities are off."""
    if not mode:
        return None
    with _lock:
        model = _models.get(mode)
        if model is None:
            if mode.startswith("processes:"):
                from extractors.entities.ner_process import ProcessNerModel

                model = ProcessNerModel(int(mode.split(":", 1)[1]))
            else:
                model = _OneAtATime(SpacyNerModel())
            _models[mode] = model
        return model


def start_ner(mode: str) -> None:
    """Start helper processes early, so that they load spaCy while the first pages are
    fetched."""
    model = ner_model_for(mode)
    start = getattr(model, "start", None)
    if start is not None:
        start()


def release_process_resources() -> None:
    """End of a run: close this process's fetchers' connections and stop NER helper
    processes (in-process models stay loaded, like spaCy's own cache)."""
    with _lock:
        fetchers = list(_fetchers.values())
        helpers = [m for k, m in _models.items() if k.startswith("processes:")]
        for key in [k for k in _models if k.startswith("processes:")]:
            del _models[key]
    for fetcher in fetchers:
        fetcher.close()  # still usable: a later fetch opens new sessions
    for helper in helpers:
        close = getattr(helper, "close", None)
        if close is not None:
            close()
