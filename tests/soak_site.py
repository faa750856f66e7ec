"""The soak (issue 13), shared by bench/soak.py and tests/test_soak.py (no tests here).

`mali-monitor serve --config X` runs as a real process with a short schedule against a web on
127.0.0.1 that changes run by run, and is stopped with SIGTERM:

- a feed site (tests/faults/hostile_server.py) with four outlets of invented Mali news
  (bench/newsgen.py, two English, two French); new entries appear every run, conditional GET
  (ETag / 304) when nothing changed; some pages answer 500 or stall past the fetch timeout
  and then recover; one feed answers 500 for three runs and then recovers;
- an SMTP server (aiosmtpd, tests/alert_standins.py) that is down for three runs of
  every cycle, then up;
- a Slack incoming-webhook stand-in (tests/alert_standins.py) that answers 500 for one
  run of every cycle.

What changes is driven by a *phase* = the number of the run under way. The driver advances it
when serve's output says a flow run reached its final state (a new run needs seconds to start
its process, so the site is never changed under a run), and the site counts every request by
phase, so a phase that did not see exactly one poll of the first feed shows in the figures.
The warehouse is read only after serve has stopped (the DuckDB file is held by its writer).

The serve process is watched from outside: every half second its process tree (found by
walking /proc/*/stat parent ids) with each process's VmRSS; every process ever seen in it is
remembered, and after serve exits none of them may be alive. Every process started under serve
also inherits a marker environment variable, and /proc/*/environ is searched for it at the end
(which finds a process that left the tree between two samples).
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from html import unescape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "tests", ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import duckdb  # noqa: E402
from alert_standins import SlackWebhook, SmtpServer, free_port  # noqa: E402
from faults.hostile_server import HostileServer, Request, respond, stall_then  # noqa: E402
from faults.support import config_toml  # noqa: E402
from newsgen import Outlet, Story, build_outlets, render_feed, render_page  # noqa: E402

CYCLE = 10  # runs; the faults below repeat every cycle
FETCH_TIMEOUT_S = 4
SHORT_SUMMARY = "Mali: the full report."  # under 40 characters: not stored from the summary
MARKER_ENV = "MALI_SOAK_MARKER"
SENDER = "monitor@example.org"
RECIPIENT = "analyst@example.org"

# what each position of the cycle does (phase p is at position (p - 1) % CYCLE + 1)
EVENTS = {
    1: "new entries",
    2: "page A 500 (short summary), page B stalls past the timeout",
    3: "page A 500 again, page C 500 (stored from its summary); feed 2 500",
    4: "page A recovers; feed 2 500; SMTP down",
    5: "feed 2 500 (third failure: backoff of one interval); SMTP down",
    6: "feed 2 recovers; SMTP down",
    7: "SMTP up again; Slack webhook 500",
    8: "Slack webhook up again",
    9: "new entries",
    10: "no new entries (every feed unchanged)",
}
FAILING_FEED = 1  # index of the outlet whose feed answers 500 at positions 3-5
SMTP_DOWN = (4, 5, 6)
SLACK_DOWN = (7,)
FEED_DOWN = (3, 4, 5)


def position(phase: int) -> int:
    return (phase - 1) % CYCLE + 1


def describe(phase: int, runs: int) -> str:
    return EVENTS[position(phase)] if phase <= runs else "after the last run: nothing new"


# --------------------------------------------------------------------------- the feed site


@dataclass
class Published:
    story: Story
    outlet: int
    phase: int  # the run in which it first appears in its feed
    path: str  # what the feed links, as requested (no query string)
    page: bytes = b""
    fault: str = ""  # "" | "500" | "500x2" | "stall"


class SoakSite:
    """Four outlets of invented Mali news on a HostileServer; what it serves depends on
    `phase`, which the driver advances between runs."""

    def __init__(self, runs: int, *, per_run: int = 3, seed: int = 13,
                 window: int = 25) -> None:
        self.runs = runs
        self.per_run = per_run
        self.window = window  # a feed lists its latest `window` entries
        self.phase = 0
        self.server = HostileServer()
        self.counts: dict[int, Counter[str]] = defaultdict(Counter)
        self._lock = threading.Lock()
        self._feed_cache: dict[tuple[int, int], bytes] = {}
        self.outlets, self.published = self._plan(seed)

    # -- the plan: which story appears in which run, and which page fails ----------------

    def _plan(self, seed: int) -> tuple[list[Outlet], list[Published]]:
        new_per_phase = [0 if position(p) == CYCLE else self.per_run
                         for p in range(1, self.runs + 1)]
        need = sum(new_per_phase) // 4 + 2
        # 16 newsgen outlets: the first two are English, the last two French; keep those four
        everything = build_outlets(articles=need * 16, feeds=16, seed=seed)
        outlets = [everything[i] for i in (0, 1, 14, 15)]
        queues = [list(o.stories) for o in outlets]
        rng = random.Random(seed)
        published: list[Published] = []
        k = 0
        for phase, count in enumerate(new_per_phase, start=1):
            batch = []
            for _ in range(count):
                index = k % 4
                story = queues[index].pop(0)
                path = story.feed_link.replace("{base}", "").split("?", 1)[0]
                batch.append(Published(story, index, phase, path))
                k += 1
            healthy = [p for p in batch if p.outlet != FAILING_FEED]
            if position(phase) == 2 and len(healthy) >= 2:
                healthy[0].fault = "500x2"
                healthy[0].story.summary = SHORT_SUMMARY
                healthy[1].fault = "stall"
            if position(phase) == 3 and healthy:
                healthy[0].fault = "500"
            published += batch
        for outlet in outlets:
            outlet.stories = []
        for item in published:
            outlets[item.outlet].stories.append(item.story)
        for item in published:
            siblings = [s for s in outlets[item.outlet].stories if s is not item.story]
            related = rng.sample(siblings, min(6, len(siblings)))
            item.page = render_page(outlets[item.outlet], item.story, related, rng).encode()
        return outlets, published

    # -- serving --------------------------------------------------------------------------

    @property
    def feed_urls(self) -> list[tuple[str, str, str]]:
        """(url, name, language) of the four feeds."""
        return [(self.server.url("/" + o.feed_path), o.name, o.language) for o in self.outlets]

    def start(self) -> SoakSite:
        base = self.server.base
        for item in self.published:
            item.page = item.page.replace(b"{base}", base.encode())
            self.server.route(item.path, self._page(item))
        for index, outlet in enumerate(self.outlets):
            self.server.route("/" + outlet.feed_path, self._feed(index))
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def count(self, what: str) -> None:
        with self._lock:
            self.counts[self.phase][what] += 1

    def feed_body(self, index: int, phase: int) -> bytes:
        key = (index, phase)
        if key not in self._feed_cache:
            outlet = self.outlets[index]
            shown = [i.story for i in self.published
                     if i.outlet == index and i.phase <= phase][-self.window:]
            xml = render_feed(replace(outlet, stories=shown))
            self._feed_cache[key] = xml.replace("{base}", self.server.base).encode()
        return self._feed_cache[key]

    def _feed(self, index: int) -> Callable[..., None]:
        def behaviour(conn: Any, request: Request, server: HostileServer) -> None:
            phase = self.phase
            self.count(f"feed{index} poll")
            if index == FAILING_FEED and position(phase) in FEED_DOWN and phase <= self.runs:
                self.count("feed 500")
                respond(500, "internal error", content_type="text/plain")(conn, request, server)
                return
            body = self.feed_body(index, phase)
            etag = '"' + hashlib.sha1(body).hexdigest() + '"'
            if request.headers.get("if-none-match") == etag:
                self.count("feed 304")
                respond(304, b"", content_type=None, headers={"ETag": etag},
                        content_length=False)(conn, request, server)
                return
            self.count("feed 200")
            kind = "application/atom+xml" if self.outlets[index].feed_kind == "atom" else (
                "application/rss+xml")
            respond(200, body, content_type=kind + "; charset=utf-8",
                    headers={"ETag": etag})(conn, request, server)

        return behaviour

    def _page(self, item: Published) -> Callable[..., None]:
        ok = respond(200, item.page)

        def behaviour(conn: Any, request: Request, server: HostileServer) -> None:
            late = self.phase - item.phase  # 0 in the run where the entry first appears
            if (item.fault == "500" and late == 0) or (item.fault == "500x2" and late in (0, 1)):
                self.count("page 500")
                respond(500, "internal error", content_type="text/plain")(conn, request, server)
                return
            if item.fault == "stall" and late == 0:
                self.count("page stalled")
                stall_then(ok, release=threading.Event(), max_s=FETCH_TIMEOUT_S + 3)(
                    conn, request, server)
                return
            self.count("page 200")
            ok(conn, request, server)

        return behaviour


# --------------------------------------------------------------------------- processes


def _stat(pid: int) -> tuple[int, int, str] | None:
    """(ppid, start time in clock ticks, state) of a process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[19]), fields[0]


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return " ".join(raw.decode("utf-8", "replace").split("\0")).strip()[:160]


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for pid in _pids():
        stat = _stat(pid)
        if stat:
            children[stat[0]].append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int, start: int) -> bool:
    """The very process (same start time), and not a zombie."""
    stat = _stat(pid)
    return stat is not None and stat[1] == start and stat[2] != "Z"


def marked_processes(marker: str) -> list[tuple[int, str]]:
    """Processes (not this one) whose environment holds MARKER_ENV=marker."""
    needle = f"{MARKER_ENV}={marker}".encode()
    found = []
    for pid in _pids():
        if pid == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            stat = _stat(pid)
            if stat and stat[2] != "Z":
                found.append((pid, _cmdline(pid)))
    return found


class TreeWatch(threading.Thread):
    """Samples the process tree under `root` every `every_s`: total VmRSS, peak since the
    last `mark()`, and every process seen (pid, start time) -> command line."""

    def __init__(self, root: int, every_s: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.every_s = every_s
        self.seen: dict[tuple[int, int], str] = {}
        self.peak_kb = 0
        self.last_kb = 0
        self.last_parts: dict[str, int] = {}  # kind of process -> VmRSS kB, last sample
        self.samples = 0
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def sample(self) -> int:
        total = _rss_kb(self.root)
        parts: Counter[str] = Counter({"serve": total})
        for pid in descendants(self.root):
            stat = _stat(pid)
            if stat is None:
                continue
            key = (pid, stat[1])
            if key not in self.seen:
                self.seen[key] = _cmdline(pid)
            rss = _rss_kb(pid)
            parts[_kind(self.seen[key])] += rss
            total += rss
        with self._lock:
            self.last_kb = total
            self.last_parts = dict(parts)
            self.peak_kb = max(self.peak_kb, total)
            self.samples += 1
        return total

    def mark(self) -> int:
        """The peak since the previous mark (kB), and start a new one."""
        with self._lock:
            peak, self.peak_kb = self.peak_kb, self.last_kb
        return peak

    def run(self) -> None:
        while not self._stop_event.wait(self.every_s):
            if _stat(self.root) is None:
                return
            self.sample()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


# --------------------------------------------------------------------------- the soak


FLOW_END = re.compile(r"Flow run '([^']+)' - Finished in state (\w+)")
FLOW_CRASH = re.compile(r"flow run '([^']+)' as crashed", re.IGNORECASE)
# the line flows/ingest.py logs at the end of a run (its RunSummary's main counts)
SUMMARY = re.compile(
    r"Flow run '([^']+)' - run (\S+) finished: (\d+) feeds polled, (\d+) new articles, "
    r"(\d+) duplicates, (\d+) errors"
)
SUMMARY_COUNTS = ("feeds_polled", "articles_new", "duplicates", "errors")


@dataclass
class RunRecord:
    number: int
    events: str
    flow_run: str
    state: str
    seconds_since_start: float
    serve_rss_kb: int
    tree_rss_kb: int
    tree_peak_kb: int
    tree_processes: int
    emails: int  # messages the SMTP server accepted during this run
    slack_posts: int  # webhook posts answered 200 during this run
    site: dict[str, int]
    summary: dict[str, Any] | None = None  # run_id and SUMMARY_COUNTS, from the flow's log line
    email_alerts: int = 0  # alerts (entities) in the messages accepted during this run
    slack_alerts: int = 0
    parts_kb: dict[str, int] = field(default_factory=dict)  # RSS by kind of process, run end


@dataclass
class SoakResult:
    runs_planned: int
    interval_minutes: float
    workdir: Path
    records: list[RunRecord] = field(default_factory=list)
    emails: list[Any] = field(default_factory=list)  # alert_standins.Received
    slack_hits: list[Any] = field(default_factory=list)  # alert_standins.WebhookHit
    published: int = 0
    published_paths: list[str] = field(default_factory=list)
    published_faults: dict[str, int] = field(default_factory=dict)
    processes_seen: dict[tuple[int, int], str] = field(default_factory=dict)
    left_alive: list[tuple[int, str]] = field(default_factory=list)
    marked_left: list[tuple[int, str]] = field(default_factory=list)
    serve_exit_code: int | None = None
    serve_exit_s: float | None = None
    started_at: float = 0.0
    wall_s: float = 0.0
    db: Path = Path()
    log: Path = Path()
    after: Counter[str] = field(default_factory=Counter)  # site requests after the last run


def serve_command() -> list[str]:
    """`mali-monitor serve`, the console script beside this interpreter when installed."""
    script = Path(sys.executable).with_name("mali-monitor")
    if script.is_file():
        return [str(script)]
    found = shutil.which("mali-monitor")
    return [found] if found else [
        sys.executable, "-c", "import sys; from flows.console import main; sys.exit(main())"]


def write_config(path: Path, db: Path, site: SoakSite, smtp_port: int,
                 interval_minutes: float) -> Path:
    text = config_toml({
        "warehouse": {"path": str(db)},
        "schedule": {"interval_minutes": interval_minutes},
        "fetch": {"timeout_s": FETCH_TIMEOUT_S, "batch_size": 10, "retries": 1,
                  "retry_delay_s": 0, "backoff_after_failures": 3},
        "alerts": {
            "channels": ["email", "slack"],
            "email": {"host": "127.0.0.1", "port": smtp_port, "tls": "none",
                      "sender": SENDER, "recipients": [RECIPIENT], "timeout_s": 5},
            "slack": {"webhook_url_env": "MALI_MONITOR_SLACK_WEBHOOK", "timeout_s": 5},
        },
    })
    for url, name, language in site.feed_urls:
        text += f'\n[[feeds]]\nurl = "{url}"\nname = "{name}"\nlanguage = "{language}"\n'
    path.write_text(text, encoding="utf-8")
    return path


def serve_environment(prefect_home: Path, webhook_url: str, marker: str) -> dict[str, str]:
    env = {**os.environ, "PREFECT_HOME": str(prefect_home), "PREFECT_LOGGING_LEVEL": "INFO",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "MALI_MONITOR_SLACK_WEBHOOK": webhook_url, MARKER_ENV: marker}
    for name in ("PREFECT_API_URL", "PREFECT_API_KEY", "MALI_MONITOR_CONFIG", "MALI_MONITOR_DB",
                 "MALI_MONITOR_SMTP_USER", "MALI_MONITOR_SMTP_PASSWORD"):
        env.pop(name, None)
    return env


class _Channels:
    """The SMTP server (up or down on a fixed port) and the webhook (200 or 500)."""

    def __init__(self) -> None:
        self.smtp_port = free_port()
        self.webhook = SlackWebhook()
        self._smtp: SmtpServer | None = None
        self._done: list[SmtpServer] = []

    def start(self) -> None:
        self.webhook.__enter__()

    def set_phase(self, phase: int, runs: int) -> None:
        pos = position(phase) if phase <= runs else 0
        if pos in SMTP_DOWN and self._smtp is not None:
            self._smtp.__exit__()
            self._done.append(self._smtp)
            self._smtp = None
        elif pos not in SMTP_DOWN and self._smtp is None:
            self._smtp = SmtpServer(self.smtp_port, server_hostname="localhost").__enter__()
        with self.webhook._lock:
            self.webhook.script = (
                [(500, {}, "internal_error")] * 50 if pos in SLACK_DOWN else [])

    @property
    def emails(self) -> list[Any]:
        servers = [*self._done, *([self._smtp] if self._smtp else [])]
        return [m for s in servers for m in s.received]

    def stop(self) -> None:
        if self._smtp is not None:
            self._smtp.__exit__()
            self._done.append(self._smtp)
            self._smtp = None
        self.webhook.__exit__()


def run_soak(
    workdir: Path,
    runs: int,
    interval_minutes: float,
    *,
    per_run: int = 3,
    say: Callable[[str], None] = print,
    run_timeout_s: float | None = None,
    extra_env: dict[str, str] | None = None,
) -> SoakResult:
    """Serve `runs` scheduled runs against the changing site, then SIGTERM serve and check
    what is left. The warehouse is left in `workdir` for `check`."""
    workdir.mkdir(parents=True, exist_ok=True)
    db, log_path = workdir / "soak.duckdb", workdir / "serve.log"
    prefect_home = workdir / "prefect-home"
    prefect_home.mkdir(exist_ok=True)
    marker = uuid.uuid4().hex
    result = SoakResult(runs, interval_minutes, workdir, db=db, log=log_path)
    run_timeout_s = run_timeout_s or max(300.0, interval_minutes * 60 * 3 + 180)

    site = SoakSite(runs, per_run=per_run).start()
    channels = _Channels()
    channels.start()
    result.published = len(site.published)
    result.published_paths = [p.path for p in site.published]
    result.published_faults = dict(Counter(p.fault for p in site.published if p.fault))
    config = write_config(workdir / "soak.toml", db, site, channels.smtp_port, interval_minutes)
    env = {**serve_environment(prefect_home, channels.webhook.url(), marker),
           **(extra_env or {})}
    cli = serve_command()
    init = subprocess.run([*cli, "init", "--db", str(db)], env=env, capture_output=True,
                          text=True, timeout=600)
    if init.returncode != 0:
        raise RuntimeError(f"init failed: {init.stderr[-2000:]}")

    site.phase = 1
    channels.set_phase(1, runs)
    log = log_path.open("wb")
    result.started_at = time.monotonic()
    serve = subprocess.Popen(
        [*cli, "serve", "--config", str(config)], stdout=log, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, env=env, start_new_session=True,
    )
    say(f"serve pid {serve.pid}; log {log_path}; {runs} runs every {interval_minutes} min")
    watch = TreeWatch(serve.pid)
    watch.start()
    counted_emails = counted_posts = 0
    ended: set[str] = set()
    summaries: dict[str, dict[str, Any]] = {}  # flow run name -> the run's summary
    try:
        with log_path.open("rb") as tail:
            buffer = b""
            last_progress = time.monotonic()
            while len(result.records) < runs:
                if serve.poll() is not None:
                    raise RuntimeError(f"serve exited with {serve.returncode}; see {log_path}")
                if time.monotonic() - last_progress > run_timeout_s:
                    raise RuntimeError(f"no run ended for {run_timeout_s:.0f} s; see {log_path}")
                chunk = tail.read()
                if not chunk:
                    time.sleep(0.2)
                    continue
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for raw in lines:
                    line = raw.decode("utf-8", "replace")
                    found = SUMMARY.search(line)
                    if found:
                        summaries[found.group(1)] = {
                            "run_id": found.group(2),
                            **dict(zip(SUMMARY_COUNTS, map(int, found.groups()[2:]),
                                       strict=True)),
                        }
                    end = FLOW_END.search(line) or FLOW_CRASH.search(line)
                    if not end or end.group(1) in ended:
                        continue
                    ended.add(end.group(1))
                    state = end.group(2) if end.re is FLOW_END else "Crashed"
                    number = len(result.records) + 1
                    # the next run's site and channels, before its process can start
                    site_counts = dict(site.counts[number])
                    site.phase = number + 1
                    channels.set_phase(number + 1, runs)
                    time.sleep(0.3)  # let the flow run's last messages land
                    mails, accepted = channels.emails, channels.webhook.accepted
                    emails, posts = len(mails), len(accepted)
                    record = RunRecord(
                        number=number, events=describe(number, runs), flow_run=end.group(1),
                        state=state,
                        seconds_since_start=time.monotonic() - result.started_at,
                        serve_rss_kb=_rss_kb(serve.pid), tree_rss_kb=watch.sample(),
                        tree_peak_kb=watch.mark(), parts_kb=dict(watch.last_parts),
                        tree_processes=1 + len(
                            descendants(serve.pid)),
                        emails=emails - counted_emails, slack_posts=posts - counted_posts,
                        site=site_counts,
                        summary=summaries.get(end.group(1)),
                        email_alerts=sum(len(email_items(m.message)[1])
                                         for m in mails[counted_emails:]),
                        slack_alerts=sum(len(slack_items(h.payload)[1])
                                         for h in accepted[counted_posts:]),
                    )
                    counted_emails, counted_posts = emails, posts
                    result.records.append(record)
                    last_progress = time.monotonic()
                    say(progress_line(record))
                    if len(result.records) >= runs:
                        break
    finally:
        stop_started = time.monotonic()
        if serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
        try:
            result.serve_exit_code = serve.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            result.serve_exit_code = serve.wait(timeout=30)
        result.serve_exit_s = time.monotonic() - stop_started
        log.close()
        watch.stop()
        time.sleep(2)  # a process that is still going away
        result.processes_seen = dict(watch.seen)
        result.left_alive = [(pid, cmd) for (pid, start), cmd in watch.seen.items()
                             if alive(pid, start)]
        result.marked_left = marked_processes(marker)
        result.after = Counter(site.counts[runs + 1])
        for phase in range(runs + 2, runs + 50):
            result.after.update(site.counts.get(phase, {}))
        result.emails = channels.emails
        result.slack_hits = list(channels.webhook.hits)
        channels.stop()
        site.stop()
        result.wall_s = time.monotonic() - result.started_at
    return result


def progress_line(r: RunRecord) -> str:
    s = r.summary or {}
    return (f"run {r.number:3d} {r.state:<9} t={r.seconds_since_start:7.1f}s "
            f"new={s.get('articles_new', '?')} err={s.get('errors', '?')} "
            f"mails={r.emails} ({r.email_alerts} alerts) posts={r.slack_posts} "
            f"({r.slack_alerts} alerts) "
            f"serve={r.serve_rss_kb / 1024:.0f}MB tree={r.tree_rss_kb / 1024:.0f}MB "
            f"peak={r.tree_peak_kb / 1024:.0f}MB procs={r.tree_processes} | {r.events}")


# --------------------------------------------------------------------------- the checks


_LOOK_ALIKES_BACK = str.maketrans({"\u2217": "*", "\u02cd": "_", "\u223c": "~", "\u02cb": "`"})
_SLACK_ITEM = re.compile(r"^\*(.+?)\*  ·  ")
_SLACK_DIGEST = re.compile(r"digest (\S+)")


def email_items(message: Any) -> tuple[str, list[str]]:
    """(digest id, entity names) of one received digest email."""
    plain = message.get_body(preferencelist=("plain",)).get_content()
    names = [line[2:].rsplit(" (", 1)[0] for line in plain.splitlines()
             if line.startswith("* ")]
    return str(message.get("X-Mali-Monitor-Digest", "")), names


def slack_items(payload: dict[str, Any]) -> tuple[str, list[str]]:
    """(digest id, entity names) of one webhook payload."""
    digest, names = "", []
    for block in payload.get("blocks", []):
        if block.get("type") == "context":
            found = _SLACK_DIGEST.search(block["elements"][0]["text"])
            digest = found.group(1) if found else digest
        if block.get("type") == "section":
            found = _SLACK_ITEM.match(block["text"]["text"])
            if found:
                names.append(unescape(found.group(1)).translate(_LOOK_ALIKES_BACK))
    return digest, names


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def warehouse_runs(db: Path) -> list[dict[str, Any]]:
    """The `runs` rows in order, with the entities first seen and alerts queued in each."""
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(
            "select r.status, round(epoch(r.finished_at) - epoch(r.started_at), 1) as seconds, "
            "r.feeds_polled, r.entries_seen, r.not_modified, r.articles_new, r.duplicates, "
            "r.errors, r.backed_off, "
            "(select count(*) from entities e where e.first_run_id = r.run_id "
            " and not e.in_seed_baseline) as entities_new, "
            "(select count(*) from alerts a join entities e using (entity_id) "
            " where e.first_run_id = r.run_id) as alerts_queued "
            "from runs r order by r.started_at")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def check(result: SoakResult, warm_up: int = 5) -> dict[str, Any]:
    """The figures of a finished soak, read from what the channels received, the warehouse
    (opened read-only, serve being stopped) and the process records."""
    f: dict[str, Any] = {}
    records = result.records
    f["runs_ended"] = len(records)
    f["run_states"] = dict(Counter(r.state for r in records))
    f["clock_polls_per_run"] = dict(Counter(r.site.get("feed0 poll", 0) for r in records))
    f["site_totals"] = dict(sum((Counter(r.site) for r in records), Counter()))
    f["site_after_last_run"] = dict(result.after)
    with duckdb.connect(str(result.db), read_only=True) as con:
        f["runs_table"] = dict(_rows(con, "select status, count(*) from runs group by all"))
        f["backed_off_runs"] = _rows(con, "select count(*) from runs where backed_off > 0")[0][0]
        f["run_seconds_min_median_max"] = _rows(
            con, "select round(min(s), 1), round(median(s), 1), round(max(s), 1) from (select "
                 "epoch(finished_at) - epoch(started_at) as s from runs)")[0]
        f["articles"] = _rows(con, "select count(*) from articles where not is_seed")[0][0]
        f["articles_by_origin"] = dict(_rows(
            con, "select text_origin, count(*) from articles where not is_seed group by all"))
        f["duplicate_canonical_urls"] = _rows(
            con, "select count(*) - count(distinct canonical_url) from articles")[0][0]
        f["duplicate_content_hashes"] = _rows(
            con, "select count(*) - count(distinct content_hash) from articles "
                 "where duplicate_of is null")[0][0]
        f["marked_copies"] = _rows(
            con, "select count(*) from articles where duplicate_of is not null")[0][0]
        f["fetch_errors"] = dict(_rows(
            con, "select stage, count(*) from fetch_errors group by all"))
        f["entities_new"] = _rows(
            con, "select count(*) from entities where not in_seed_baseline")[0][0]
        alerts = _rows(con, "select a.channel, e.name, e.entity_id, a.status, a.attempts, "
                            "a.digest_id from alerts a join entities e using (entity_id)")
        f["alerts"] = len(alerts)
        f["alerts_by_status"] = dict(Counter(f"{c}:{s}" for c, _, _, s, _, _ in alerts))
        f["alerts_retried"] = dict(Counter(c for c, _, _, s, n, _ in alerts if n > 1))
        f["entities_alerted_twice_on_a_channel"] = sum(
            n - 1 for n in Counter((c, e) for c, _, e, _, _, _ in alerts).values() if n > 1)
        published_paths = set(result.published_paths)
        stored_paths = {re.sub(r"^https?://[^/]+", "", u).split("?", 1)[0]
                        for (u,) in _rows(con, "select url from articles where not is_seed")}
        f["published"] = result.published
        f["published_not_stored"] = len(published_paths - stored_paths)
    sent = {c: Counter(n for ch, n, _, s, _, _ in alerts if ch == c and s == "sent")
            for c in ("email", "slack")}
    received = {"email": Counter(), "slack": Counter()}
    digests = {"email": Counter(), "slack": Counter()}
    for mail in result.emails:
        digest, names = email_items(mail.message)
        received["email"].update(names)
        digests["email"][digest] += 1
    accepted = [h for h in result.slack_hits if h.status == 200]
    for hit in accepted:
        digest, names = slack_items(hit.payload)
        received["slack"].update(names)
        digests["slack"][digest] += 1
    for channel in ("email", "slack"):
        got, want = received[channel], sent[channel]
        f[f"{channel}_messages"] = sum(digests[channel].values())
        f[f"{channel}_alerts_received"] = sum(got.values())
        f[f"{channel}_alerts_sent"] = sum(want.values())
        f[f"{channel}_received_twice"] = sum(n - 1 for n in got.values() if n > 1)
        f[f"{channel}_sent_not_received"] = sum((want - got).values())
        f[f"{channel}_received_not_sent"] = sum((got - want).values())
        f[f"{channel}_digests_twice"] = sum(n - 1 for n in digests[channel].values() if n > 1)
    f["slack_posts_refused_500"] = sum(1 for h in result.slack_hits if h.status == 500)
    f["exactly_once"] = all(
        f[f"{c}_received_twice"] == 0 and f[f"{c}_sent_not_received"] == 0
        and f[f"{c}_received_not_sent"] == 0 and f[f"{c}_digests_twice"] == 0
        for c in ("email", "slack"))
    # memory: serve's RSS after run `warm_up` and at the end
    if len(records) >= warm_up:
        base, last = records[warm_up - 1], records[-1]
        f["serve_rss_mb_warm"] = base.serve_rss_kb / 1024
        f["serve_rss_mb_end"] = last.serve_rss_kb / 1024
        f["serve_rss_growth_mb"] = (last.serve_rss_kb - base.serve_rss_kb) / 1024
        f["serve_rss_max_mb"] = max(r.serve_rss_kb for r in records[warm_up - 1:]) / 1024
        f["tree_rss_mb_warm"] = base.tree_rss_kb / 1024
        f["tree_rss_mb_end"] = last.tree_rss_kb / 1024
        f["tree_rss_growth_mb"] = (last.tree_rss_kb - base.tree_rss_kb) / 1024
        f["tree_peak_mb_max"] = max(r.tree_peak_kb for r in records) / 1024
        server = "prefect server"
        if server in base.parts_kb and server in last.parts_kb:
            f["prefect_server_rss_mb_warm"] = base.parts_kb[server] / 1024
            f["prefect_server_rss_mb_end"] = last.parts_kb[server] / 1024
        quiet = [r for r in records if position(r.number) == CYCLE]
        if len(quiet) >= 2:  # like with like: the runs where nothing changed
            f["tree_rss_mb_no_change_runs"] = [round(r.tree_rss_kb / 1024) for r in quiet]
    f["processes_seen"] = len(result.processes_seen)
    f["process_kinds"] = dict(Counter(_kind(c) for c in result.processes_seen.values()))
    f["left_alive"] = result.left_alive
    f["marked_left"] = result.marked_left
    f["serve_exit_code"] = result.serve_exit_code
    f["serve_exit_s"] = result.serve_exit_s
    f["wall_min"] = result.wall_s / 60
    return f


def _kind(cmdline: str) -> str:
    if "prefect server start" in cmdline or "prefect.server" in cmdline or "uvicorn" in cmdline:
        return "prefect server"
    if "prefect.engine" in cmdline or "flow_run" in cmdline or "flow-run" in cmdline:
        return "flow run"
    if "multiprocessing" in cmdline or "spawn_main" in cmdline or "forkserver" in cmdline:
        return "worker (multiprocessing)"
    return cmdline.split(" ")[0].rsplit("/", 1)[-1] or "?"
