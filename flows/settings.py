"""Typed settings: one object built from the TOML file and the environment, checked at start.

Where the file comes from: `--config`, else $MALI_MONITOR_CONFIG, else ./mali-monitor.toml,
else the bundled default (real Mali feeds). A user's file is merged over the built-in
defaults, so a partial file is valid; feeds and alert recipients are the user's to choose.
Secrets never live here: only the *names* of the environment variables that hold them.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails

from alerts.channels import CHANNELS, unknown_channel
from alerts.channels.spec import ChannelSettings
from extractors.backoff import BackoffPolicy, cron_interval
from extractors.dedup import DedupSettings
from extractors.entities.novelty import NoveltySettings
from extractors.fetching import parse_allowed_host
from extractors.models import FetchSettings
from extractors.polling import FeedSource
from extractors.topic import TopicSettings, merged_terms

CONFIG_ENV = "MALI_MONITOR_CONFIG"
DB_ENV = "MALI_MONITOR_DB"
LOCK_WAIT_ENV = "MALI_MONITOR_LOCK_WAIT_S"
DEFAULT_CRON = "*/30 * * * *"
LOCAL_CONFIG = "mali-monitor.toml"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file and the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WarehouseSection(_Section):
    path: str = "mali-monitor.duckdb"
    # how long a run or a query waits for another process's lock before giving up
    lock_wait_s: float = Field(default=10.0, ge=0, le=3600)
    # refresh a Parquet export of every table here after each run ("": none); a relative
    # path is taken from the warehouse's folder
    export_dir: str = ""


class FeedSection(_Section):
    url: str
    name: str | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    # all: every entry fetched and stored (a Malian outlet); filter: title and summary decide
    # (on topic, in doubt, off topic); auto: filter, or Mali-focused once its decisions say so
    topic: Literal["auto", "all", "filter"] = "auto"

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value.strip()):
            raise ValueError("must be an http:// or https:// URL")
        return value.strip()


class ScheduleSection(_Section):
    cron: str | None = None
    interval_minutes: float | None = Field(default=None, gt=0)

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str | None) -> str | None:
        if value is not None and len(value.split()) != 5:
            raise ValueError("must be a 5-field cron expression such as '*/30 * * * *'")
        return value

    @model_validator(mode="after")
    def _one_of(self) -> ScheduleSection:
        if self.cron and self.interval_minutes:
            raise ValueError("set either cron or interval_minutes, not both")
        return self


class FetchSection(_Section):
    timeout_s: float = Field(default=20.0, gt=0, le=600)
    max_bytes: int = Field(default=5_000_000, gt=0)
    allow_private_addresses: bool = False
    user_agent: str = FetchSettings.user_agent
    max_redirects: int = Field(default=5, ge=0, le=20)
    per_host_delay_s: float = Field(default=1.0, ge=0, le=60)
    max_entries_per_feed: int = Field(default=500, gt=0)
    retries: int = Field(default=2, ge=0, le=10)
    retry_delay_s: float = Field(default=5.0, ge=0, le=600)
    batch_size: int = Field(default=20, gt=0, le=1000)
    max_workers: int = Field(default=8, gt=0, le=64)
    # IP addresses/networks (and host names) reachable even though private, each optionally
    # with a port: "10.0.0.5", "10.1.0.0/16", "127.0.0.1:8080", "[::1]:8080" (README, "SSRF policy")
    allowed_hosts: list[str] = Field(default_factory=list)
    backoff_after_failures: int = Field(default=3, ge=1, le=100)
    backoff_max_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    # a page that failed for a reason that may pass (timeout, 429, 5xx, reset, no DNS) is tried
    # again by later runs (the next, then every 2nd, 4th ... run) at most this many times
    page_retries: int = Field(default=5, ge=0, le=20)

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts_or_networks(cls, values: list[str]) -> list[str]:
        """Each entry read as the fetcher reads it, kept in canonical form ("[::1]" -> "::1",
        "Feeds.Example.org:8443" -> "feeds.example.org:8443")."""
        cleaned = []
        for value in values:
            try:
                cleaned.append(str(parse_allowed_host(value)))
            except ValueError as e:
                raise ValueError(f"entry {value!r}: {e}") from None
        return cleaned


class TopicSection(_Section):
    min_score: float = Field(default=1.0, gt=0)
    terms: dict[str, float] = Field(default_factory=dict)
    exclude: list[str] = Field(default_factory=list)
    # pages fetched only to decide an entry in doubt, per feed and per run; the rest wait
    # for the next run (undecided, the feed re-read)
    doubt_per_feed: int = Field(default=20, ge=0)
    doubt_per_run: int = Field(default=100, ge=0)


class DedupSection(_Section):
    """Near-duplicate detection; the defaults are measured in BENCHMARKS.md."""

    threshold: float = Field(default=DedupSettings.threshold, ge=0.05, le=1.0)
    num_perm: int = Field(default=DedupSettings.num_perm, ge=16, le=1024)
    shingle_size: int = Field(default=DedupSettings.shingle_size, ge=1, le=10)
    min_tokens: int = Field(default=DedupSettings.min_tokens, ge=1)


class EntitiesSection(_Section):
    """Entity extraction and novelty (what counts as a new actor or town)."""

    enabled: bool = True
    alias_file: str | None = None  # TOML: canonical name -> aliases (see README)
    min_confidence: float = Field(default=NoveltySettings.min_confidence, ge=0, le=1)
    min_mentions: int = Field(default=NoveltySettings.min_mentions, ge=1)
    alert_actors: bool = True
    alert_towns: bool = True
    # Towns in these countries (ISO 3166 alpha-2) are alerted; towns elsewhere are stored
    # with their country and not alerted.
    alert_countries: list[str] = Field(
        default_factory=lambda: sorted(NoveltySettings.alert_countries)
    )
    min_sources: int = Field(default=NoveltySettings.min_sources, ge=1)

    @field_validator("alert_countries")
    @classmethod
    def _country_codes(cls, value: list[str]) -> list[str]:
        codes = [v.strip().upper() for v in value]
        bad = [v for v in codes if not re.fullmatch(r"[A-Z]{2}", v)]
        if bad:
            raise ValueError(
                f"not ISO 3166 two-letter country codes: {', '.join(bad)} (Mali is \"ML\")"
            )
        return codes


class AlertsSection(_Section):
    """`[alerts]`: the keys every channel shares, and one `[alerts.<name>]` section per
    registered channel (alerts.channels), read by that channel's own settings model. A
    section left out of the file has its defaults; an unknown one is refused. Read a section
    as `alerts.section("email")` (typed) or `alerts.email`."""

    model_config = ConfigDict(extra="allow", frozen=True)  # the channels' sections, below

    channels: list[str] = Field(default_factory=list)  # registered channel names
    max_attempts: int = Field(default=10, ge=1, le=1000)  # then an alert stays failed
    dry_run: bool = False  # render the digests, send and mark nothing

    @field_validator("channels")
    @classmethod
    def _registered(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in CHANNELS:
                raise ValueError(unknown_channel(name))
        return names

    @model_validator(mode="wrap")
    @classmethod
    def _channel_sections(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        """Each registered channel's section validated by its model (defaults when absent),
        its errors reported at `alerts.<name>.<key>` like those of any other section."""
        if not isinstance(data, dict):
            return handler(data)
        errors: list[InitErrorDetails] = []
        sections: dict[str, ChannelSettings] = {}
        for name, channel in CHANNELS.items():
            try:
                sections[name] = channel.settings.model_validate(data.get(name, {}))
            except ValidationError as e:
                errors += _relocated(e, (name,))
        errors += [
            {"type": "extra_forbidden", "loc": (key,), "input": value}
            for key, value in data.items()
            if key not in cls.model_fields and key not in CHANNELS
        ]
        common = {k: v for k, v in data.items() if k in cls.model_fields}
        try:
            alerts = handler(common)
        except ValidationError as e:
            errors = _relocated(e, ()) + errors
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        alerts.__pydantic_extra__.update(sections)
        for name in alerts.channels:
            sections[name].check_enabled()  # ValueError: reported at `alerts`
        return alerts

    def section(self, name: str) -> ChannelSettings:
        """The `[alerts.<name>]` section of a registered channel."""
        found = (self.model_extra or {}).get(name)
        if not isinstance(found, ChannelSettings):
            raise KeyError(f"no [alerts.{name}] section: {unknown_channel(name)}")
        return found

    def secret_env_names(self) -> set[str]:
        """The environment variables the channels' sections name for their secrets."""
        names = set()
        for name, channel in CHANNELS.items():
            section = self.section(name)
            for secret in channel.secrets:
                value = getattr(section, secret.env_key) if secret.env_key else None
                if value:
                    names.add(value)
        return names

    if TYPE_CHECKING:  # `alerts.email`: a channel's section, found at run time by pydantic

        def __getattr__(self, name: str) -> Any: ...


def _relocated(error: ValidationError, prefix: tuple[str | int, ...]) -> list[InitErrorDetails]:
    """The problems of a validation, each at `prefix` + its own place, to raise again."""
    return [
        {"type": problem["type"], "loc": (*prefix, *problem["loc"]), "input": problem["input"],
         "ctx": problem.get("ctx", {})}
        for problem in error.errors()
    ]


class RunSection(_Section):
    """Where a run's work happens (README, "Running at larger scale"). Fetch, extraction and
    NER go to the task runner; dedup, entity rules and every warehouse write stay in the
    flow (one writer)."""

    task_runner: Literal["threads", "dask"] = "threads"
    # threads: threads of the flow's process (0: [fetch] max_workers); dask: worker
    # processes of the local Dask cluster (0: one per core); ignored with dask_address
    workers: int = Field(default=0, ge=0, le=256)
    dask_address: str = ""  # an existing Dask scheduler, e.g. "tcp://10.0.0.5:8786"
    # threads runner: processes running spaCy NER beside the flow's process (which has one
    # GIL for all its threads); 0 runs NER on the worker threads instead
    ner_processes: int = Field(default=1, ge=0, le=64)

    @model_validator(mode="after")
    def _address_needs_dask(self) -> RunSection:
        if self.dask_address and self.task_runner != "dask":
            raise ValueError("dask_address is only used with task_runner = \"dask\"")
        return self

    def thread_count(self, fetch_max_workers: int) -> int:
        return self.workers or fetch_max_workers


class Settings(_Section):
    warehouse: WarehouseSection = Field(default_factory=WarehouseSection)
    feeds: list[FeedSection] = Field(default_factory=list)
    schedule: ScheduleSection = Field(default_factory=ScheduleSection)
    fetch: FetchSection = Field(default_factory=FetchSection)
    topic: TopicSection = Field(default_factory=TopicSection)
    dedup: DedupSection = Field(default_factory=DedupSection)
    entities: EntitiesSection = Field(default_factory=EntitiesSection)
    alerts: AlertsSection = Field(default_factory=AlertsSection)
    run: RunSection = Field(default_factory=RunSection)
    source: str = "built-in defaults"  # where these settings were read from

    @property
    def db_path(self) -> Path:
        return Path(self.warehouse.path).expanduser()

    def export_dir(self) -> Path | None:
        """`[warehouse] export_dir`, relative paths taken from the warehouse's folder."""
        if not self.warehouse.export_dir.strip():
            return None
        path = Path(self.warehouse.export_dir).expanduser()
        return path if path.is_absolute() else self.db_path.parent / path

    def feed_sources(self) -> list[FeedSource]:
        return [FeedSource(f.url, f.name, f.language, f.topic) for f in self.feeds]

    def fetch_settings(self) -> FetchSettings:
        f = self.fetch
        return FetchSettings(
            timeout_s=f.timeout_s,
            max_bytes=f.max_bytes,
            allow_private_addresses=f.allow_private_addresses,
            user_agent=f.user_agent,
            max_redirects=f.max_redirects,
            per_host_delay_s=f.per_host_delay_s,
            allowed_hosts=tuple(f.allowed_hosts),
        )

    def schedule_interval(self) -> timedelta:
        """Time between two scheduled runs (the unit of feed backoff)."""
        if self.schedule.interval_minutes:
            return timedelta(minutes=self.schedule.interval_minutes)
        return cron_interval(self.schedule.cron or DEFAULT_CRON)

    def backoff_policy(self) -> BackoffPolicy:
        return BackoffPolicy(
            interval=self.schedule_interval(),
            after_failures=self.fetch.backoff_after_failures,
            max_delay=timedelta(hours=self.fetch.backoff_max_hours),
        )

    def dedup_settings(self) -> DedupSettings:
        d = self.dedup
        return DedupSettings(
            threshold=d.threshold,
            num_perm=d.num_perm,
            shingle_size=d.shingle_size,
            min_tokens=d.min_tokens,
        )

    def novelty_settings(self) -> NoveltySettings:
        e = self.entities
        return NoveltySettings(
            min_confidence=e.min_confidence,
            min_mentions=e.min_mentions,
            alert_actors=e.alert_actors,
            alert_towns=e.alert_towns,
            alert_countries=frozenset(e.alert_countries),
            min_sources=e.min_sources,
        )

    def alias_file(self) -> Path | None:
        """The alias file, relative paths taken from the config file's folder."""
        if not self.entities.alias_file:
            return None
        path = Path(self.entities.alias_file).expanduser()
        if not path.is_absolute() and self.source.endswith(".toml"):
            path = Path(self.source).parent / path
        return path

    def topic_settings(self) -> TopicSettings:
        defaults = TopicSettings()
        return TopicSettings(
            terms=merged_terms(self.topic.terms),
            exclude=defaults.exclude + tuple(self.topic.exclude),
            min_score=self.topic.min_score,
        )


# $MALI_MONITOR_CONFIG naming the bundled default itself, so that no ./mali-monitor.toml
# appearing later in a flow-run's folder is picked up (what `serve` hands its runs)
BUNDLED_CONFIG = ":bundled:"


def config_path(explicit: str | Path | None = None) -> Path | None:
    """The file the user chose, or None for the bundled default."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(CONFIG_ENV) == BUNDLED_CONFIG:
        return None
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]).expanduser()
    local = Path(LOCAL_CONFIG)
    return local if local.is_file() else None


def bundled_default_text() -> str:
    return (resources.files("flows") / "default_config.toml").read_text(encoding="utf-8")


def load_settings(
    path: str | Path | None = None,
    *,
    feed_urls: list[str] | None = None,
    db_path: str | Path | None = None,
    require_feeds: bool = True,
) -> Settings:
    """Read, merge and validate; raise ConfigError naming the file and the key."""
    chosen = config_path(path)
    if chosen is None:
        origin = "the bundled default configuration"
        raw = _parse_toml(bundled_default_text(), origin)
    else:
        if not chosen.is_file():
            raise ConfigError(f"configuration file {chosen} does not exist")
        try:
            text = chosen.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"cannot read configuration file {chosen}: {e}") from e
        raw, origin = _parse_toml(text, str(chosen)), str(chosen)
    if feed_urls:
        raw["feeds"] = [{"url": url} for url in feed_urls]
    db_override = db_path or os.environ.get(DB_ENV)
    if db_override:
        raw.setdefault("warehouse", {})
        if not isinstance(raw["warehouse"], dict):
            raise ConfigError(f"invalid configuration in {origin}: warehouse: must be a table")
        raw["warehouse"]["path"] = str(db_override)
    lock_wait = os.environ.get(LOCK_WAIT_ENV)
    if lock_wait:
        try:
            seconds = float(lock_wait)
        except ValueError:
            raise ConfigError(
                f"${LOCK_WAIT_ENV} must be a number of seconds, got {lock_wait!r}"
            ) from None
        raw.setdefault("warehouse", {})
        if isinstance(raw["warehouse"], dict):
            raw["warehouse"]["lock_wait_s"] = seconds
    try:
        settings = Settings.model_validate({**raw, "source": origin})
    except ValidationError as e:
        raise ConfigError(f"invalid configuration in {origin}:\n{_describe(e)}") from None
    if require_feeds and not settings.feeds:
        raise ConfigError(
            f"no feeds configured in {origin}: add [[feeds]] entries with a url, "
            f"or pass --feed URL"
        )
    return settings


def _parse_toml(text: str, origin: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{origin} is not valid TOML: {e}") from e
    if "source" in data:
        raise ConfigError(f"invalid configuration in {origin}:\n  source: unknown key")
    return data


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown key (check its spelling against the README)"
        lines.append(f"  {key}: {message}")
    return "\n".join(lines)
