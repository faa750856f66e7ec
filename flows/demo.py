"""`mali-monitor demo`: the whole pipeline offline, on a bundled replay, nothing to configure.

What it starts, all on 127.0.0.1 and only for the duration of the run:

- a `ReplayServer` serving `flows/demo_replay/` (four invented outlets, English and French,
  RSS and Atom), plus one page made at run time: a reprint of a seed article under another
  outlet's frame and headline, with a few words edited (so no seed text is copied into the
  replay);
- an SMTP server (aiosmtpd) that keeps the messages it receives;
- a Slack-style incoming-webhook endpoint that keeps the payloads it receives.

It writes a configuration pointing at them into the demo folder, creates the warehouse there
(`initialise`, the seed corpus included), runs the real `ingest` flow once, and prints what
happened: the run summary, the duplicates found, the new actors and towns, the email and
Slack messages received, and where to go next (`flows.demo_report`). The stand-ins are
the tests' own (`flows.standins`).

Running it again in the same folder sends nothing: the replay is served on the port it had
before (the feeds' and articles' URLs include it), so the feeds answer 304 Not Modified,
every entry is already known and every alert already sent.
"""

from __future__ import annotations

import json
import os
import sys
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from extractors.cleaning import parse_plain_article
from extractors.errors import MonitorError
from flows import progress
from flows.demo_report import report
from flows.replay import ReplayRequest, ReplayServer
from flows.run_summary import RunSummary
from flows.standins import ReceivedMail, SmtpStandIn, WebhookStandIn
from warehouse.connection import opened
from warehouse.findings import Findings, read_findings
from warehouse.seeds import seed_files

DEFAULT_DIR = Path("mali-monitor-demo")
CONFIG_NAME = "mali-monitor.toml"
DB_NAME = "mali-monitor.duckdb"
RECEIVED_DIR = "received"  # the messages the local stand-ins received, as files
REPORT_NAME = "report.html"  # `mali-monitor report` of everything the demo stored
CONFIG_MARKER = "# Written by `mali-monitor demo`"

# Environment variables the demo configuration names: its own, so that a user's real
# MALI_MONITOR_SLACK_WEBHOOK or SMTP login is never used (or overwritten) by the demo.
WEBHOOK_ENV = "MALI_MONITOR_DEMO_SLACK_WEBHOOK"
SMTP_USER_ENV = "MALI_MONITOR_DEMO_SMTP_USER"
SMTP_PASSWORD_ENV = "MALI_MONITOR_DEMO_SMTP_PASSWORD"
RECIPIENT = "analyst@example.org"
SENDER = "mali-monitor-demo@example.org"
WEBHOOK_PATH = "/services/DEMO/LOCAL/webhook"  # the Slack stand-in answers 404 elsewhere

# (path in the replay, name, language)
FEEDS: tuple[tuple[str, str, str], ...] = (
    ("sahel-dispatch/feed.rss", "Sahel Dispatch", "en"),
    ("continental-ledger/feed.atom", "The Continental Ledger", "en"),
    ("echo-du-fleuve/feed.atom", "L'Écho du Fleuve", "fr"),
    ("sahel-matin/feed.rss", "Sahel Matin", "fr"),
)

# The seed reprint: the frame is a replay file; its text is seed 003, edited here.
REPRINT_PATH = (
    "continental-ledger/archive/2013/01/14/the-day-france-went-to-war-in-mali.html"
)
REPRINT_SEED = "003_"
REPRINT_SLOT = "{seed_paragraphs}"
REPRINT_EDITS: tuple[tuple[str, str], ...] = (
    ("opened fire on jihadist columns", "opened fire on Islamist columns"),
    ("where a major airport is located", "where the region's main airport is located"),
    ("In a sign of the times, the US", "Notably, the US"),
    ("have dithered over getting involved", "have hesitated over getting involved"),
    ("Shabaab repelled the raid", "Shabaab fought off the raid"),
)


class DemoError(MonitorError):
    """The demo cannot run; the message says why and what to do."""


# --- the bundled replay ------------------------------------------------------------------


def replay_root() -> Traversable:
    """The bundled replay folder (package data of `flows`)."""
    return resources.files("flows") / "demo_replay"


def reprint_page(root: Traversable | Path | None = None) -> str:
    """The seed reprint page: the replay's frame filled with the cleaned text of seed 003,
    a few words edited (a copy the duplicate detection should find)."""
    frame = (root or replay_root()).joinpath(*REPRINT_PATH.split("/")).read_text("utf-8")
    raw = next((text for name, text in seed_files() if name.startswith(REPRINT_SEED)), None)
    if raw is None:
        raise DemoError(f"seed {REPRINT_SEED}* is missing from the package's seed corpus")
    body = parse_plain_article(raw).body
    for old, new in REPRINT_EDITS:
        body = body.replace(old, new, 1)
    paragraphs = "\n".join(
        f"<p>{escape(line.strip(), quote=False)}</p>" for line in body.splitlines() if line.strip()
    )
    return frame.replace(REPRINT_SLOT, paragraphs)


# --- the demo folder -----------------------------------------------------------------------


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def demo_config(replay: ReplayServer, smtp_port: int, db_path: Path) -> str:
    feeds = "".join(
        f"\n[[feeds]]\nurl = {_toml_string(replay.url(path))}\nname = {_toml_string(name)}\n"
        f"language = \"{language}\"\n"
        for path, name, language in FEEDS
    )
    return f"""{CONFIG_MARKER} on every run: the local ports change, edits are lost.
# The feeds are the bundled replay of invented news, served on 127.0.0.1 during the demo;
# mail and Slack messages go to stand-ins on 127.0.0.1. For real feeds, start from the
# bundled default configuration instead (see the end of the demo's output).

[warehouse]
path = {_toml_string(str(db_path))}
{feeds}
[fetch]
allow_private_addresses = true   # the replay is on 127.0.0.1
per_host_delay_s = 0
timeout_s = 10
retries = 0

[alerts]
channels = ["email", "slack"]

[alerts.email]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
sender = "{SENDER}"
recipients = ["{RECIPIENT}"]
username_env = "{SMTP_USER_ENV}"
password_env = "{SMTP_PASSWORD_ENV}"
timeout_s = 10

[alerts.slack]
webhook_url_env = "{WEBHOOK_ENV}"   # set by the demo to its local endpoint
timeout_s = 10
"""


def _prepare_folder(directory: Path) -> tuple[Path, Path]:
    """The demo folder, created or reused; refuses a folder whose configuration or
    warehouse the demo did not write (it would overwrite a user's own)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as e:
        raise DemoError(f"{directory} exists and is not a folder; choose another --dir") from e
    except OSError as e:
        raise DemoError(f"cannot create the demo folder {directory}: {e}") from e
    config, db = directory / CONFIG_NAME, directory / DB_NAME
    if config.exists():
        head = config.read_text(encoding="utf-8", errors="replace")[: len(CONFIG_MARKER)]
        if head != CONFIG_MARKER:
            raise DemoError(
                f"{config} was not written by the demo; choose another --dir (the demo "
                f"writes its own configuration and warehouse there)"
            )
    elif db.exists():
        raise DemoError(
            f"{db} exists but was not made by the demo; choose another --dir"
        )
    return config, db


def _previous_replay_port(config: Path) -> int | None:
    """The port the replay had in the last demo run (its URLs are in the warehouse)."""
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
        return urlsplit(data["feeds"][0]["url"]).port
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None


def _start_replay(root: Traversable, files: dict[str, str | bytes], port: int | None
                  ) -> tuple[ReplayServer, str | None]:
    if port:
        try:
            return ReplayServer(root, port=port, files=files).start(), None
        except OSError:
            note = (
                f"note: port {port}, where the replay was served last time, is in use; the "
                f"replay moved to a new port, so this run sees its articles as new pages "
                f"(and stores them as exact copies of the earlier ones)"
            )
            return ReplayServer(root, files=files).start(), note
    return ReplayServer(root, files=files).start(), None


@contextmanager
def _environment(values: dict[str, str], unset: Sequence[str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in [*values, *unset]}
    os.environ.update(values)
    for name in unset:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- the run -----------------------------------------------------------------------------------


@dataclass
class DemoResult:
    directory: Path
    config_path: Path
    db_path: Path
    summary: RunSummary
    elapsed_s: float
    findings: Findings
    mails: list[ReceivedMail]
    slack_payloads: list[dict[str, Any]]
    requests: list[ReplayRequest]
    replay_base: str
    notes: list[str] = field(default_factory=list)
    saved: list[Path] = field(default_factory=list)  # the messages received, as files
    report_path: Path | None = None  # the HTML report (`mali-monitor report`) of the warehouse

    @property
    def messages_received(self) -> int:
        return len(self.mails) + len(self.slack_payloads)


def run_demo(
    directory: str | Path | None = None,
    *,
    say: Callable[[str], None] = print,
    start_server: Callable[[], Any] | None = None,
) -> DemoResult:
    """Run the demo in `directory` (created, or reused when it exists) and return what
    happened; `say` gets progress lines. `start_server`: starts Prefect's server for the
    run before the flow's modules import (flows.cli), returning it or None."""
    folder = Path(directory or DEFAULT_DIR).expanduser().resolve()
    config_path, db_path = _prepare_folder(folder)
    root = replay_root()
    files: dict[str, str | bytes] = {REPRINT_PATH: reprint_page(root)}
    started = time.monotonic()
    with ExitStack() as stack:
        replay, note = _start_replay(root, files, _previous_replay_port(config_path))
        stack.callback(replay.stop)
        mail = _mail_server().start()
        stack.callback(mail.stop)
        webhook = WebhookStandIn(WEBHOOK_PATH, only_path=True).start()
        stack.callback(webhook.stop)
        config_path.write_text(demo_config(replay, mail.port, db_path), encoding="utf-8")
        say(f"demo folder {folder}")
        say(f"  replay of invented news on {replay.base} ({len(FEEDS)} feeds), "
            f"mail server on 127.0.0.1:{mail.port}, Slack webhook stand-in on "
            f"{urlsplit(webhook.url()).netloc}")
        if note:
            say("  " + note)

        from flows.setup import initialise

        init = initialise(db_path)
        if init.seeds_added:
            say(f"  warehouse {db_path} created with the {init.seeds_total} seed articles")
        else:
            say(f"  warehouse {db_path} reused")
        say("  running the ingest flow (Prefect) ...")
        progress.update(stage="starting Prefect")
        server = start_server() if start_server else None

        from flows.ingest import ingest

        if server is not None:
            server.wait_until_healthy()
        with _environment({WEBHOOK_ENV: webhook.url()}, unset=[SMTP_USER_ENV, SMTP_PASSWORD_ENV]):
            summary = ingest(config_path=str(config_path), db_path=str(db_path))
        progress.current().close()  # the progress line gives way to the report
        elapsed = time.monotonic() - started
        result = DemoResult(
            directory=folder,
            config_path=config_path,
            db_path=db_path,
            summary=summary,
            elapsed_s=elapsed,
            findings=Findings(),
            mails=list(mail.received),
            slack_payloads=webhook.payloads,
            requests=replay.requests,
            replay_base=replay.base,
            notes=[note] if note else [],
        )
    with opened(db_path, create=False, read_only=True) as con:
        result.findings = read_findings(con, summary.run_id)
    result.saved = save_messages(folder / RECEIVED_DIR, summary.run_id, result)
    from flows.report import write_report

    result.report_path = write_report(db_path, folder / REPORT_NAME).path
    return result


def _mail_server() -> SmtpStandIn:
    try:
        # server_hostname: no reverse DNS lookup of this machine's name
        return SmtpStandIn(server_hostname="localhost")
    except ImportError as e:  # a runtime dependency; say which package is missing
        raise DemoError(
            "the demo needs the aiosmtpd package for its local mail server: "
            "pip install aiosmtpd"
        ) from e


def save_messages(folder: Path, run_id: str, result: DemoResult) -> list[Path]:
    """Keep what the stand-ins received: each email as .eml (open it in a mail client to
    see the HTML part), each Slack payload as .json."""
    if not result.messages_received:
        return []
    folder.mkdir(exist_ok=True)
    prefix = f"run-{run_id[:8]}"
    saved = []
    for n, mail in enumerate(result.mails, 1):
        path = folder / f"{prefix}-email-{n}.eml"
        path.write_bytes(mail.message.as_bytes())
        saved.append(path)
    for n, payload in enumerate(result.slack_payloads, 1):
        path = folder / f"{prefix}-slack-{n}.json"
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        saved.append(path)
    return saved


# Prefect sends anonymous usage data to its servers unless told not to; an offline demo
# must not try (the settings are read when Prefect is first imported, hence in `main`).
OFFLINE_PREFECT = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}


def main(
    directory: str | Path | None = None, start_server: Callable[[], Any] | None = None
) -> DemoResult:
    """Run the demo and print its report (the `mali-monitor demo` command)."""
    for name, value in OFFLINE_PREFECT.items():
        os.environ.setdefault(name, value)
    result = run_demo(directory, say=lambda line: print(line, flush=True),
                      start_server=start_server)
    print(report(result))
    sys.stdout.flush()
    return result
