"""Where alert secrets come from (environment variables, Prefect Secret blocks), and how
they are kept out of every error text: redacted first, then cut."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alert_standins import (
    SlackWebhook,
    SmtpServer,
    authenticator,
    leaked,
)

from alerts.channels import build_sender
from alerts.delivery import example_digest
from alerts.errors import MAX_ERROR_CHARS, DeliveryError, Redactor, login_redactor, url_redactor
from alerts.hosts import is_loopback_host
from flows.cli import main
from flows.settings import ConfigError, load_settings

TOKEN = "s3cr3tT0k3nW3bh00kXYZ"
USER, PASSWORD = "mali-ops-user", "Pa55-w0rd-do-not-leak"
SECRET_ENV = ("MALI_MONITOR_SLACK_WEBHOOK", "MALI_MONITOR_SMTP_USER", "MALI_MONITOR_SMTP_PASSWORD")


@pytest.fixture(autouse=True)
def no_proxy_and_no_secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", *SECRET_ENV):
        monkeypatch.delenv(name, raising=False)
    yield


def block_name(what: str) -> str:
    return f"mm-test-{what}-{uuid.uuid4().hex[:8]}"


def save_secret(name: str, value: str) -> None:
    from prefect.blocks.system import Secret

    Secret(value=value).save(name, overwrite=True)


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / f"alerts-{uuid.uuid4().hex[:6]}.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- redaction ---------------------------------------------------------------------------


def test_redaction_comes_before_the_cut_and_leaves_no_piece_of_a_token() -> None:
    url = "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/" + TOKEN
    for filler in range(MAX_ERROR_CHARS - 80, MAX_ERROR_CHARS + 5):
        # wherever the cut falls, it falls after redaction
        error = DeliveryError("x" * filler + f" {url} {TOKEN}", channel="slack",
                              secrets=url_redactor(url))
        assert len(str(error)) <= MAX_ERROR_CHARS and not leaked(TOKEN, str(error))
    # a copy the server cut itself, in another case, inside other text
    redactor = url_redactor(url)
    assert redactor.scrub(f"see {url[:-7].upper()}... and xx{TOKEN[3:12]}yy") == (
        "see HTTPS://HOOKS.SLACK.COM/SERVICES/***/***/***... and xx***yy"
    )
    # the service's own words are left alone
    assert redactor.scrub("HTTP 404 no_service https://hooks.slack.com/") == (
        "HTTP 404 no_service https://hooks.slack.com/"
    )
    assert "s3cr3t" not in repr(redactor) and "T0123ABCD" not in repr(redactor)


def test_the_smtp_user_name_is_redacted_as_a_word() -> None:
    redactor = login_redactor("monitor", PASSWORD)
    assert redactor.scrub(
        "login as monitor failed (Monitor), user from $MALI_MONITOR_SMTP_USER, "
        f"password {PASSWORD[:9]}"
    ) == "login as *** failed (***), user from $MALI_MONITOR_SMTP_USER, password ***"
    assert Redactor(words=("ab",)).scrub("ab cd") == "ab cd"  # too short to be worth it


def test_loopback_hosts() -> None:
    for host in ("localhost", "LocalHost.", "127.0.0.1", "127.255.0.9", "::1", "[::1]",
                 "::ffff:127.0.0.1"):
        assert is_loopback_host(host), host
    for host in ("", None, "0.0.0.0", "10.0.0.1", "192.0.2.2", "::", "fd00::1",
                 "localhost.example.org", "smtp.example.org", "127.1", "2130706433"):
        assert not is_loopback_host(host), host


# --- settings ----------------------------------------------------------------------------


def test_block_and_insecure_auth_settings(tmp_path: Path) -> None:
    settings = load_settings(require_feeds=False)
    email, slack = settings.alerts.email, settings.alerts.slack
    assert (email.username_block, email.password_block, slack.webhook_url_block) == ("", "", "")
    assert email.allow_insecure_auth is False
    bad = config(tmp_path, "[alerts.slack]\nwebhook_url_block = "
                 "'https://hooks.slack.com/services/T/B/X'\n[alerts.email]\n"
                 "password_block = 'Pa55 word'\n")
    with pytest.raises(ConfigError) as error:
        load_settings(bad, require_feeds=False)
    assert "alerts.slack.webhook_url_block: must be the NAME of a Prefect Secret block" in str(
        error.value
    )
    assert "alerts.email.password_block: must be the NAME" in str(error.value)


# --- Prefect Secret blocks ---------------------------------------------------------------


@pytest.mark.usefixtures("prefect_harness")
def test_a_webhook_url_from_a_secret_block_and_the_variable_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = block_name("slack")
    with SlackWebhook() as hook:
        save_secret(name, hook.url())
        path = config(tmp_path, "[alerts]\nchannels = ['slack']\n[alerts.slack]\n"
                      f"webhook_url_block = '{name}'\ntimeout_s = 5\n")
        settings = load_settings(path, require_feeds=False)
        sender = build_sender("slack", settings.alerts, env={})
        assert sender.describe() == (  # type: ignore[attr-defined]
            f"Slack incoming webhook (URL from Prefect Secret block '{name}', not shown)"
        )
        sender.send(example_digest("slack"))
        assert hook.accepted[-1].path.endswith("/" + TOKEN)

        # the environment variable, when set, wins over the block (which is not read)
        other = hook.url("/services/T0/B0/from-the-environment-variable")
        sender = build_sender(
            "slack", settings.alerts, env={"MALI_MONITOR_SLACK_WEBHOOK": other}
        )
        sender.send(example_digest("slack"))
        assert hook.accepted[-1].path.endswith("/from-the-environment-variable")
        sender = build_sender("slack", settings.alerts, env={"MALI_MONITOR_SLACK_WEBHOOK": " "})
        sender.send(example_digest("slack"))  # empty: the block
        assert hook.accepted[-1].path.endswith("/" + TOKEN)

        # the CLI, and an error from a block-held URL: redacted like any other
        assert main(["alerts", "test", "--channel", "slack", "--config", str(path)]) == 0
        assert f"URL from Prefect Secret block '{name}'" in capsys.readouterr().out
        hook.script = [(403, {}, f"invalid_token {hook.url()}")]
        assert main(["alerts", "test", "--channel", "slack", "--config", str(path)]) == 2
        err = capsys.readouterr().err
    assert "HTTP 403 invalid_token ***" in err and not leaked(TOKEN, err)
    assert len(hook.accepted) == 4


@pytest.mark.usefixtures("prefect_harness")
def test_a_block_that_cannot_be_used_is_a_clear_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = block_name("missing")
    path = config(tmp_path, f"[alerts.slack]\nwebhook_url_block = '{missing}'\n")
    assert main(["alerts", "test", "--channel", "slack", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert (
        f"slack: the Prefect Secret block '{missing}' ([alerts.slack] webhook_url_block) does "
        f"not exist on this Prefect server; create it with Secret(value=...).save('{missing}')"
    ) in err
    assert "Traceback" not in err

    # a block holding a URL that is not https: refused, its value not shown
    plain = block_name("plain")
    save_secret(plain, "http://hooks.slack.com/services/T0/B0/" + TOKEN)
    path = config(tmp_path, f"[alerts.slack]\nwebhook_url_block = '{plain}'\n")
    assert main(["alerts", "test", "--channel", "slack", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"its value, from Prefect Secret block '{plain}', is not shown" in err
    assert not leaked(TOKEN, err) and "hooks.slack.com" not in err

    # a block that is not text
    from prefect.blocks.system import Secret

    odd = block_name("dict")
    Secret(value={"url": "https://hooks.slack.com/services/T0/B0/" + TOKEN}).save(odd)
    path = config(tmp_path, f"[alerts.slack]\nwebhook_url_block = '{odd}'\n")
    with pytest.raises(DeliveryError) as error:
        build_sender("slack", load_settings(path, require_feeds=False).alerts, env={})
    assert str(error.value) == (
        f"slack: the Prefect Secret block '{odd}' ([alerts.slack] webhook_url_block) does not "
        "hold a text value"
    )


@pytest.mark.usefixtures("prefect_harness")
def test_smtp_login_from_secret_blocks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user_block, password_block = block_name("smtp-user"), block_name("smtp-password")
    save_secret(user_block, USER)
    save_secret(password_block, "123456")  # digits: read as text, not as a number
    with SmtpServer(authenticator=authenticator(USER, "123456"), auth_require_tls=False) as ok:
        path = config(tmp_path, "[alerts.email]\nhost = '127.0.0.1'\n"
                      f"port = {ok.port}\ntimeout_s = 5\nrecipients = ['analyst@example.org']\n"
                      f"username_block = '{user_block}'\npassword_block = '{password_block}'\n")
        assert main(["alerts", "test", "--channel", "email", "--config", str(path)]) == 0
    assert len(ok.received) == 1
    assert f"login with the user from Prefect Secret block '{user_block}'" in (
        capsys.readouterr().out
    )

    # a wrong password from a block, echoed by the server with the user name: redacted
    save_secret(password_block, PASSWORD)
    echoing = authenticator(USER, "the-right-one", echo=True)
    with SmtpServer(authenticator=echoing, auth_require_tls=False) as server:
        path = config(tmp_path, "[alerts.email]\nhost = '127.0.0.1'\n"
                      f"port = {server.port}\ntimeout_s = 5\n"
                      "recipients = ['analyst@example.org']\n"
                      f"username_block = '{user_block}'\npassword_block = '{password_block}'\n")
        assert main(["alerts", "test", "--channel", "email", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert (
        f"login failed (user from Prefect Secret block '{user_block}'): 535 5.7.8 bad "
        "credentials for ***: ***"
    ) in err
    assert not leaked(USER, err) and not leaked(PASSWORD, err)

    # a user name without a password says where each was looked for
    path = config(tmp_path, f"[alerts.email]\nrecipients = ['a@example.org']\n"
                  f"username_block = '{user_block}'\n")
    with pytest.raises(DeliveryError) as error:
        build_sender("email", load_settings(path, require_feeds=False).alerts, env={})
    assert str(error.value) == (
        f"email: the user name is set (from Prefect Secret block '{user_block}') but the "
        "password is not ($MALI_MONITOR_SMTP_PASSWORD); set both to log in, or neither"
    )


def test_secrets_from_environment_variables_need_no_prefect_api() -> None:
    """With the variables set, no block is read (a block name that exists nowhere is fine)."""
    from flows.settings import AlertsSection

    alerts = AlertsSection.model_validate({
        "email": {"host": "127.0.0.1", "recipients": ["a@example.org"],
                  "username_block": "nowhere-user", "password_block": "nowhere-password"},
        "slack": {"webhook_url_block": "nowhere-webhook"},
    })
    env = {"MALI_MONITOR_SMTP_USER": USER, "MALI_MONITOR_SMTP_PASSWORD": PASSWORD,
           "MALI_MONITOR_SLACK_WEBHOOK": "https://hooks.slack.com/services/T0/B0/" + TOKEN}
    email = build_sender("email", alerts, env=env)
    assert "$MALI_MONITOR_SMTP_USER" in email.describe()  # type: ignore[attr-defined]
    slack = build_sender("slack", alerts, env=env)
    assert "$MALI_MONITOR_SLACK_WEBHOOK" in slack.describe()  # type: ignore[attr-defined]


def test_a_webhook_url_with_a_login_is_refused_and_its_password_never_shown() -> None:
    from pydantic import SecretStr

    from alerts.channels.slack_channel import SlackSender
    from alerts.errors import DeliveryError, url_redactor

    url = "https://alerts:S3cretPassw0rd@hooks.example.org/hook"
    with pytest.raises(DeliveryError) as info:
        SlackSender(SecretStr(url))
    assert "user:password@" in str(info.value)
    assert "S3cretPassw0rd" not in str(info.value) and "alerts:" not in str(info.value)
    text = "InvalidURL: nonnumeric port: 'S3cretPassw0rd@hooks.example.org'"
    assert "S3cretPassw0rd" not in url_redactor(url).scrub(text)
