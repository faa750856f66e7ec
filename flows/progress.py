"""Quiet runs: one progress display for `run` and `demo`, Prefect's logs in a file.

The flow reports its steps through `update(...)` (a no-op unless a reporter is installed):

    progress.update(feeds_polled=3, feeds_total=11)
    progress.update(pages_fetched=12, pages_total=40, stored=5)
    progress.update(alerts_sent=2)

The command line installs a `Reporter` for the length of a run (`reporting`): on a terminal
it redraws one line in place; otherwise it writes a plain line at most every
`interval_s` seconds (a short run writes none), so a log or a test sees stable output. The
reporter writes to stderr: stdout keeps the summary alone.

`log_to_file` sends Prefect's own logs (this process's, and those of the Prefect server it
starts, which inherits the setting) to a private file instead of the console, by pointing
PREFECT_LOGGING_SETTINGS_PATH at a copy of Prefect's logging configuration whose console
handlers write to that file. It must run before Prefect is first imported.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TextIO

RUN_LOG = "mali-monitor-run.log"
LOGGING_CONFIG = "mali-monitor-logging.yml"
LOGGING_SETTINGS_ENV = "PREFECT_LOGGING_SETTINGS_PATH"
COUNTERS = ("feeds_polled", "pages_fetched", "stored", "alerts_sent")
TOTALS = ("feeds_total", "pages_total")


class Reporter:
    """Receives the run's counters; this one shows nothing."""

    def update(self, **values: Any) -> None:
        pass

    def close(self) -> None:
        pass


class ConsoleReporter(Reporter):
    """The counters on `stream`: redrawn in place on a terminal (`tty`), else one plain
    line at most every `interval_s` seconds. `stage` is a short note shown first
    ("starting Prefect")."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        tty: bool | None = None,
        interval_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        width: int | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = _isatty(self.stream) if tty is None else tty
        self.interval_s = interval_s
        self.clock = clock
        self.width = width
        self.values: dict[str, Any] = dict.fromkeys(COUNTERS, 0)
        self.stage = ""
        self._lock = threading.Lock()
        self._last_plain = clock()
        self._drawn = False

    def line(self) -> str:
        v = self.values
        parts = [
            f"feeds {_of(v['feeds_polled'], v.get('feeds_total'))}",
            f"pages {_of(v['pages_fetched'], v.get('pages_total'))}",
            f"stored {v['stored']}",
            f"alerts sent {v['alerts_sent']}",
        ]
        text = " · ".join(parts)
        return f"{self.stage} · {text}" if self.stage else text

    def update(self, **values: Any) -> None:
        with self._lock:
            stage = values.pop("stage", None)
            if stage is not None:
                self.stage = str(stage)
            unknown = set(values) - set(COUNTERS) - set(TOTALS)
            if unknown:
                raise TypeError(f"unknown progress counters: {sorted(unknown)}")
            self.values.update(values)
            if self.tty:
                self._draw()
            elif self.clock() - self._last_plain >= self.interval_s:
                self._last_plain = self.clock()
                self._write(f"progress: {self.line()}\n")

    def _draw(self) -> None:
        width = self.width or _terminal_columns()
        text = self.line()
        if len(text) > width - 1:
            text = text[: max(width - 2, 0)] + "…"
        self._write(f"\r{text}\x1b[K")
        self._drawn = True

    def close(self) -> None:
        with self._lock:
            if self.tty and self._drawn:
                self._write("\r\x1b[K")  # the summary (or the error) replaces the line
                self._drawn = False

    def _write(self, text: str) -> None:
        with suppress(OSError, ValueError):  # a closed or broken stream never fails a run
            self.stream.write(text)
            self.stream.flush()


def _of(done: int, total: int | None) -> str:
    return f"{done}/{total}" if total is not None else str(done)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _terminal_columns() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


_current: Reporter = Reporter()


def update(**values: Any) -> None:
    """Report counters (absolute values: feeds_polled, feeds_total, pages_fetched,
    pages_total, stored, alerts_sent) and optionally a `stage` note."""
    _current.update(**values)


def current() -> Reporter:
    return _current


@contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    """Install `reporter` process-wide for the block; closed (its line cleared) at the end."""
    global _current
    previous, _current = _current, reporter
    try:
        yield reporter
    finally:
        _current = previous
        reporter.close()


def prefect_home_before_import() -> Path:
    """PREFECT_HOME as Prefect will read it (the variable, else ~/.prefect)."""
    if "prefect" in sys.modules:
        from prefect.settings import get_current_settings

        return Path(get_current_settings().home).expanduser()
    return Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()


def log_to_file(home: Path | None = None) -> Path | None:
    """Send Prefect's console logs to `home`/mali-monitor-run.log (0600, appended to) by
    setting PREFECT_LOGGING_SETTINGS_PATH, for this process and its children (the ephemeral
    Prefect server). Returns the log's path; None (nothing changed) when the user chose a
    logging configuration of their own or Prefect is already imported (its logging is set)."""
    if os.environ.get(LOGGING_SETTINGS_ENV) or "prefect" in sys.modules:
        return None
    home = home or prefect_home_before_import()
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    log_path = home / RUN_LOG
    os.close(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    with suppress(OSError):
        log_path.chmod(0o600)
    config_path = home / LOGGING_CONFIG
    config_path.write_text(file_logging_config(log_path), encoding="utf-8")
    os.environ[LOGGING_SETTINGS_ENV] = str(config_path)
    return log_path


def file_logging_config(log_path: Path) -> str:
    """Prefect's own logging.yml, its stderr handlers (console, debug) replaced by one
    appending to `log_path`; Prefect's ${...} templates are kept for it to fill in."""
    import importlib.util

    import yaml

    spec = importlib.util.find_spec("prefect")
    assert spec is not None and spec.origin is not None, "prefect is not installed"
    source = Path(spec.origin).parent / "logging" / "logging.yml"
    config = yaml.safe_load(source.read_text(encoding="utf-8"))
    for name, formatter in (("console", "standard"), ("debug", "debug")):
        if name in config.get("handlers", {}):
            config["handlers"][name] = {
                "level": 0,
                "class": "logging.FileHandler",
                "formatter": formatter,
                "filename": str(log_path),
                "encoding": "utf-8",
                "delay": True,
            }
    return yaml.safe_dump(config, sort_keys=False)
