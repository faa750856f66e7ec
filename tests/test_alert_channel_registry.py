"""A newcomer adds an alert channel with one module and one registration (README, "Where to
change what"): the settings read its `[alerts.<name>]` section, delivery sends through it,
`mali-monitor alerts test --channel <name>` and `mali-monitor config` know it. Nothing else
is touched: the channel below is all a new channel needs.

The channel is defined here, as a module of its own would define it, and registered through
`alerts.channels.register` (a real channel adds that line to alerts/channels/__init__.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from alert_standins import NOW, RUN, standard_findings, warehouse
from pydantic import Field, field_validator

from alerts.channels import CHANNELS, build_sender, register
from alerts.channels.spec import Channel, ChannelSettings, SecretKey, env_name
from alerts.delivery import deliver_pending
from alerts.digest import Digest
from alerts.errors import DeliveryError
from flows.cli import main
from flows.settings import ConfigError, load_settings

# --- the channel: what `alerts/channels/dummy_channel.py` would hold -----------------------


class DummySettings(ChannelSettings):
    """`[alerts.dummy]`: where its messages go, and the variable naming its secret."""

    path: str = ""  # the file each message is appended to, one JSON line each
    token_env: str = "MALI_MONITOR_DUMMY_TOKEN"
    prefix: str = Field(default="mali-monitor", max_length=40)

    _check_env = field_validator("token_env")(classmethod(lambda cls, v: env_name(v)))

    def check_enabled(self) -> None:
        if not self.path:
            raise ValueError("channel 'dummy' needs [alerts.dummy] path = \"...\"")


def render(digest: Digest, prefix: str) -> dict[str, object]:
    """The renderer: a digest as one JSON message."""
    return {
        "title": f"{prefix}: {'test alert' if digest.test else digest.counts_text()}",
        "names": [item.name for item in digest.items],
        "digest_id": digest.digest_id,
    }


SENT: list[dict[str, object]] = []


class DummySender:
    """The sender: appends each message to a file (and to SENT)."""

    channel = "dummy"

    def __init__(self, path: Path, prefix: str) -> None:
        self.path, self.prefix = path, prefix

    def describe(self) -> str:
        return f"dummy file {self.path}"

    def send(self, digest: Digest) -> None:
        message = render(digest, self.prefix)
        try:
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(message) + "\n")
        except OSError as e:
            raise DeliveryError(f"dummy: cannot write {self.path}: {e.strerror}",
                                channel="dummy") from None
        SENT.append(message)


def build(cfg: DummySettings, env: Mapping[str, str]) -> DummySender:
    return DummySender(Path(cfg.path), cfg.prefix)


CHANNEL = Channel(
    "dummy",
    DummySettings,
    build,
    preview=lambda digest: json.dumps(render(digest, "preview")),
    secrets=(SecretKey("token", "dummy token", "token_env"),),
)

# --- the tests -----------------------------------------------------------------------------


@pytest.fixture
def dummy() -> Iterator[Channel[DummySettings]]:
    register(CHANNEL)
    SENT.clear()
    try:
        yield CHANNEL
    finally:
        CHANNELS.pop("dummy", None)


def dummy_config(tmp_path: Path, extra: str = "") -> Path:
    config = tmp_path / "dummy.toml"
    config.write_text(
        "[alerts]\nchannels = [\"dummy\"]\n"
        f"[alerts.dummy]\npath = \"{tmp_path / 'sent.jsonl'}\"\nprefix = \"Mali\"\n{extra}",
        encoding="utf-8",
    )
    return config


def sent_lines(tmp_path: Path) -> list[dict[str, object]]:
    text = (tmp_path / "sent.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.usefixtures("dummy")
def test_a_registered_channel_has_its_settings_section(tmp_path: Path) -> None:
    settings = load_settings(dummy_config(tmp_path), require_feeds=False)
    assert settings.alerts.channels == ["dummy"]
    section = settings.alerts.section("dummy")
    assert isinstance(section, DummySettings) and section.prefix == "Mali"
    assert settings.alerts.dummy is section
    assert settings.alerts.email.host == "localhost"  # the other channels keep their defaults

    (tmp_path / "bad.toml").write_text(
        "[alerts]\nchannels = [\"dummy\"]\n[alerts.dummy]\ntoken_env = \"s3cr3t-value!\"\n"
        "colour = \"red\"\n", encoding="utf-8",
    )
    with pytest.raises(ConfigError) as error:
        load_settings(tmp_path / "bad.toml", require_feeds=False)
    assert "alerts.dummy.token_env: must be the NAME of an environment variable" in str(
        error.value
    )
    assert "alerts.dummy.colour: unknown key" in str(error.value)

    (tmp_path / "no-path.toml").write_text("[alerts]\nchannels = [\"dummy\"]\n")
    with pytest.raises(ConfigError, match=r"alerts: channel 'dummy' needs \[alerts.dummy\] path"):
        load_settings(tmp_path / "no-path.toml", require_feeds=False)


@pytest.mark.usefixtures("dummy")
def test_a_run_delivers_through_it_once(tmp_path: Path, db_path: Path) -> None:
    settings = load_settings(dummy_config(tmp_path), require_feeds=False)
    sender = build_sender("dummy", settings.alerts)
    with warehouse(db_path) as con:
        standard_findings(con, channels=["dummy"])
        dry = deliver_pending(con, [sender], run_id=RUN, max_attempts=10, dry_run=True, now=NOW)
        assert [json.loads(r.text)["title"] for r in dry.rendered] == [
            "preview: 1 new actor, 1 new town"
        ]
        report = deliver_pending(con, [sender], run_id=RUN, max_attempts=10, now=NOW)
        again = deliver_pending(con, [sender], run_id="run-0002", max_attempts=10, now=NOW)
    assert (report.channels["dummy"].sent, report.channels["dummy"].messages) == (2, 1)
    assert again.channels["dummy"].sent == 0
    assert sent_lines(tmp_path) == SENT
    assert [(m["title"], m["names"]) for m in SENT] == [
        ("Mali: 1 new actor, 1 new town", ["Katiba Test", "Boni"])
    ]


@pytest.mark.usefixtures("dummy")
def test_alerts_test_and_config_know_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = dummy_config(tmp_path)
    assert main(["alerts", "test", "--channel", "dummy", "--config", str(config)]) == 0
    assert f"test alert sent: dummy file {tmp_path / 'sent.jsonl'}" in capsys.readouterr().out
    assert [line["title"] for line in sent_lines(tmp_path)] == ["Mali: test alert"]

    monkeypatch.delenv("MALI_MONITOR_DUMMY_TOKEN", raising=False)
    assert main(["config", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "[alerts.dummy]" in out and 'prefix = "Mali"' in out
    assert "alerts.dummy.token (dummy token): $MALI_MONITOR_DUMMY_TOKEN: not set" in out

    (tmp_path / "sent.jsonl").unlink()
    (tmp_path / "sent.jsonl").mkdir()  # cannot be written: the exact error, exit 2
    assert main(["alerts", "test", "--channel", "dummy", "--config", str(config)]) == 2
    assert "mali-monitor alerts: error: dummy: cannot write" in capsys.readouterr().err


def test_unknown_channels_are_refused_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "dummy" not in CHANNELS
    config = tmp_path / "sms.toml"
    config.write_text("[alerts]\nchannels = [\"email\", \"sms\"]\n[alerts.sms]\nnumber = 1\n")
    with pytest.raises(ConfigError) as error:
        load_settings(config, require_feeds=False)
    assert "alerts.channels: unknown alert channel 'sms' (known: email, slack)" in str(error.value)
    assert "alerts.sms: unknown key" in str(error.value)

    with pytest.raises(DeliveryError, match="unknown alert channel 'sms'"):
        build_sender("sms", load_settings(require_feeds=False).alerts)

    with pytest.raises(SystemExit) as exit_:
        main(["alerts", "test", "--channel", "dummy"])
    assert exit_.value.code == 2
    assert "invalid choice: 'dummy'" in capsys.readouterr().err


def test_the_registry_refuses_a_second_channel_of_a_name_and_reserved_names() -> None:
    with pytest.raises(ValueError, match="'email' is already registered"):
        register(Channel("email", DummySettings, build))
    with pytest.raises(ValueError, match="none of channels, dry_run, max_attempts"):
        register(Channel("max_attempts", DummySettings, build))
    assert list(CHANNELS) == ["email", "slack"]
