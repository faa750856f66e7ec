"""`mali-monitor alerts test` against real servers on 127.0.0.1, and the alert settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alert_standins import SlackWebhook, SmtpServer, free_port, parts

from flows.cli import main
from flows.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def no_proxy_and_no_secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
                 "MALI_MONITOR_SLACK_WEBHOOK", "MALI_MONITOR_SMTP_USER",
                 "MALI_MONITOR_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    yield


def email_config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "alerts.toml"
    path.write_text(
        "[alerts]\nchannels = ['email']\n"
        "[alerts.email]\n"
        f"host = '127.0.0.1'\nport = {port}\ntimeout_s = 5\n"
        "sender = 'monitor@example.org'\nrecipients = ['analyst@example.org']\n",
        encoding="utf-8",
    )
    return path


def test_alerts_test_email(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with SmtpServer() as server:
        code = main(["alerts", "test", "--channel", "email",
                     "--config", str(email_config(tmp_path, server.port))])
    assert code == 0
    out = capsys.readouterr().out
    assert f"test alert sent: email to analyst@example.org via 127.0.0.1:{server.port}" in out
    assert len(server.received) == 1
    message = server.received[0].message
    assert message["Subject"] == "[mali-monitor] test alert"
    plain, html = parts(message)
    assert "test alert" in plain and "Timbuktu" in html


def test_alerts_test_email_failure_is_the_exact_error_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    code = main(["alerts", "test", "--channel", "email",
                 "--config", str(email_config(tmp_path, port))])
    err = capsys.readouterr().err
    assert code == 2
    assert f"mali-monitor alerts: error: email via 127.0.0.1:{port}: cannot connect" in err
    assert "Traceback" not in err


def test_alerts_test_email_refuses_a_login_in_clear_to_another_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MALI_MONITOR_SMTP_USER", "mali-ops-user")
    monkeypatch.setenv("MALI_MONITOR_SMTP_PASSWORD", "Pa55-w0rd-do-not-leak")
    config = email_config(tmp_path, 25)
    config.write_text(config.read_text().replace("127.0.0.1", "smtp.example.org"))
    code = main(["alerts", "test", "--channel", "email", "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 2
    assert (
        "mali-monitor alerts: error: email via smtp.example.org:25: refusing to log in without "
        'TLS (tls = "none") to a host that is not loopback'
    ) in err
    assert 'tls = "starttls"' in err and 'tls = "ssl"' in err
    assert "allow_insecure_auth = true" in err
    assert "mali-ops-user" not in err and "Pa55-w0rd" not in err and "Traceback" not in err


def test_alerts_test_slack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "slack.toml"
    config.write_text("[alerts]\nchannels = ['slack']\n[alerts.slack]\ntimeout_s = 5\n")
    assert main(["alerts", "test", "--channel", "slack", "--config", str(config)]) == 2
    assert "MALI_MONITOR_SLACK_WEBHOOK is not set" in capsys.readouterr().err

    with SlackWebhook() as hook:
        monkeypatch.setenv("MALI_MONITOR_SLACK_WEBHOOK", hook.url())
        assert main(["alerts", "test", "--channel", "slack", "--config", str(config)]) == 0
        assert "test alert sent" in capsys.readouterr().out
        hook.script = [(403, {}, "invalid_token")]
        assert main(["alerts", "test", "--channel", "slack", "--config", str(config)]) == 2
        err = capsys.readouterr().err
    assert "HTTP 403 invalid_token (the webhook was revoked" in err
    assert hook.url() not in err
    assert len(hook.accepted) == 1
    assert hook.accepted[0].payload["blocks"][0]["text"]["text"] == "mali-monitor: test alert"


def test_alert_settings_defaults_and_checks(tmp_path: Path) -> None:
    settings = load_settings(require_feeds=False)
    assert settings.alerts.max_attempts == 10 and settings.alerts.dry_run is False
    assert settings.alerts.email.timeout_s == 30 and settings.alerts.slack.timeout_s == 30

    bad = tmp_path / "bad.toml"
    bad.write_text("[alerts]\nmax_attempts = 0\n[alerts.slack]\n"
                   "webhook_url_env = 'https://hooks.slack.com/services/T/B/X'\n")
    with pytest.raises(ConfigError) as error:
        load_settings(bad, require_feeds=False)
    assert "alerts.max_attempts" in str(error.value)
    assert "alerts.slack.webhook_url_env: must be the NAME" in str(error.value)
