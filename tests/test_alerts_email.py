"""Email digests through a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import duckdb
import pytest
from alert_standins import (
    NOW,
    RUN,
    SmtpServer,
    add_article,
    add_entity,
    add_mention,
    alert_rows,
    authenticator,
    client_context,
    every_text_value,
    free_port,
    leaked,
    non_loopback_address,
    parts,
    self_signed,
    server_context,
    standard_findings,
    warehouse,
)
from pydantic import SecretStr

from alerts.channels.email_channel import SmtpSender, build_message, plain_text
from alerts.delivery import alert_items, deliver_pending, example_digest
from alerts.digest import build_digest
from alerts.errors import DeliveryError
from warehouse import outbox

RECIPIENTS = ["analyst@example.org", "desk@example.org"]


def smtp_sender(port: int, **kwargs: object) -> SmtpSender:
    options: dict[str, object] = {
        "host": "127.0.0.1", "port": port, "tls": "none", "sender": "monitor@example.org",
        "recipients": RECIPIENTS, "timeout_s": 5,
    }
    options.update(kwargs)
    return SmtpSender(**options)  # type: ignore[arg-type]


def test_the_digest_arrives_with_both_parts_and_the_evidence(db_path: Path) -> None:
    with SmtpServer() as server, warehouse(db_path) as con:
        standard_findings(con)
        report = deliver_pending(
            con, [smtp_sender(server.port)], run_id=RUN, max_attempts=10, now=NOW
        )
        assert report.sent == 2

    assert len(server.received) == 1
    got = server.received[0]
    assert got.mail_from == "monitor@example.org"
    assert got.rcpt_tos == RECIPIENTS
    message = got.message
    assert message["Subject"] == "[mali-monitor] 1 new actor, 1 new town: Katiba Test, Boni"
    assert message["To"] == ", ".join(RECIPIENTS)
    assert message["Message-ID"].startswith("<digest-") and message["Message-ID"].endswith(
        "@example.org>"
    )
    assert message.get_content_type() == "multipart/alternative"
    plain, html = parts(message)

    for text in (plain, html):
        assert text.index("Actors (1)") < text.index("Towns (1)")
        assert "Katiba Test" in text and "armed group" in text
        assert "Attack near Mopti claimed by the Katiba Test" in text
        assert "RFI Afrique, 2025-03-01" in text
        assert "named in 2 articles from 2 sources in this run" in text
    assert "https://www.rfi.fr/fr/afrique/a1" in plain
    assert (
        "Mopti region, Mali, 15.0833°N 1.9667°W: https://www.openstreetmap.org/?mlat=15.08330"
    ) in plain
    assert "\u201cFighters of the **Katiba Test** attacked the camp on Sunday.\u201d" in plain
    assert '<a href="https://www.rfi.fr/fr/afrique/a1">Attack near Mopti' in html
    assert "Fighters of the <mark>Katiba Test</mark> attacked" in html
    assert "The army left <mark>Boni</mark> after the attack." in html
    assert (
        'Mopti region, Mali, <a href="https://www.openstreetmap.org/?mlat=15.08330'
        '&amp;mlon=-1.96670#map=11/15.08330/-1.96670">15.0833°N 1.9667°W (map)</a>'
    ) in html
    assert "why:" not in plain and "confidence" not in plain  # no evidence stored


def with_evidence(con: duckdb.DuckDBPyConnection) -> None:
    """The standard findings as the extractor would have stored them: Boni from the
    gazetteer, the Katiba from the model alone."""
    con.execute("UPDATE entities SET evidence = ['gazetteer'], confidence = 0.85 "
                "WHERE entity_id = 'e-boni'")
    con.execute("UPDATE entities SET evidence = ['model'], confidence = 0.6 "
                "WHERE entity_id = 'e-katiba'")


def test_each_alert_says_why_and_how_confidently_in_both_parts(db_path: Path) -> None:
    with SmtpServer() as server, warehouse(db_path) as con:
        standard_findings(con)
        with_evidence(con)
        report = deliver_pending(
            con, [smtp_sender(server.port)], run_id=RUN, max_attempts=10, now=NOW
        )
        assert report.sent == 2

    plain, html = parts(server.received[0].message)
    plain = plain.replace("\r\n", "\n")
    boni = plain[plain.index("* Boni"):]
    katiba = plain[plain.index("* Katiba Test"):plain.index("Towns (1)")]
    assert "  why: in the gazetteer (Mopti region, Mali) · confidence 0.85\n" in boni
    assert "  why: model only · confidence 0.60\n" in katiba
    assert "<small>why: in the gazetteer (Mopti region, Mali) · confidence 0.85</small>" in html
    assert "<small>why: model only · confidence 0.60</small>" in html
    assert (
        html.index("<strong>Katiba Test</strong>") < html.index("model only")
        < html.index("<strong>Boni</strong>") < html.index("in the gazetteer")
    )


def test_a_new_town_with_coordinates_is_shown_on_an_inline_map(db_path: Path) -> None:
    """The HTML part and the PNG map travel together (multipart/related inside the
    alternative); the HTML shows the image by its Content-ID; the plain text has no map."""
    with SmtpServer() as server, warehouse(db_path) as con:
        ids = standard_findings(con)
        digest = build_digest("email", alert_items(con, ids), run_id=RUN)
        report = deliver_pending(
            con, [smtp_sender(server.port)], run_id=RUN, max_attempts=10, now=NOW
        )
        assert report.sent == 2

    message = server.received[0].message
    assert message.get_content_type() == "multipart/alternative"
    text, related = message.get_payload()  # type: ignore[misc]
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert image.get_content_type() == "image/png"
    png = image.get_content()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and 1_000 < len(png) < 150_000
    cid = image["Content-ID"].strip("<>")
    html = html_part.get_content()
    assert f'<img src="cid:{cid}"' in html
    assert html.index("Towns (1)") < html.index("cid:") < html.index("<mark>Boni</mark>")
    plain = text.get_content()
    assert plain.replace("\r\n", "\n") == plain_text(digest)  # as without a map
    assert "cid:" not in plain and "png" not in plain.lower()


def test_no_map_without_a_town_with_coordinates(db_path: Path) -> None:
    with warehouse(db_path) as con:
        con.execute("BEGIN TRANSACTION")
        add_article(con, "a1", title="Fighting near an unknown village")
        add_entity(con, "e-actor", "Katiba Test")
        add_entity(con, "e-town", "Nowhere-Kanda", kind="town", subtype="town")  # no lat/lon
        add_mention(con, "a1", "e-town", "Nowhere-Kanda", "They fled Nowhere-Kanda.", 10)
        outbox.create_alerts(con, [("e-actor", "a1"), ("e-town", "a1")], ["email"], NOW)
        con.execute("COMMIT")
        digest = build_digest("email", alert_items(con, list(alert_rows(con))), run_id=RUN)
    assert [i.kind for i in digest.items] == ["actor", "town"]
    message = build_message(digest, sender="monitor@example.org", recipients=RECIPIENTS,
                            now=NOW)
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/alternative", "text/plain", "text/html"
    ]
    plain, html = parts(message)
    assert "<img" not in html and "cid:" not in html
    assert "Nowhere-Kanda" in html and "coordinates unknown" in plain
    assert plain == plain_text(digest)


def test_smtp_down_then_up_delivers_each_alert_exactly_once(db_path: Path) -> None:
    port = free_port()  # nothing listens here yet
    with warehouse(db_path) as con:
        standard_findings(con)
        report = deliver_pending(con, [smtp_sender(port)], run_id="r1", max_attempts=10, now=NOW)
        assert report.failed == 2 and report.sent == 0
        rows = alert_rows(con)
        assert all(r["status"] == "failed" and r["attempts"] == 1 for r in rows.values())
        for row in rows.values():
            assert f"127.0.0.1:{port}" in row["last_error"]
            assert "connection refused" in row["last_error"]
        assert f"127.0.0.1:{port}" in report.summary()

        with SmtpServer(port) as server:
            report = deliver_pending(
                con, [smtp_sender(port)], run_id="r2", max_attempts=10, now=NOW
            )
            assert report.sent == 2
            again = deliver_pending(
                con, [smtp_sender(port)], run_id="r3", max_attempts=10, now=NOW
            )
            assert again.sent == 0
        rows = alert_rows(con)
        assert all(r["status"] == "sent" and r["attempts"] == 2 for r in rows.values())
        assert all(r["last_error"] is None for r in rows.values())

    assert len(server.received) == 1
    plain, _ = parts(server.received[0].message)
    assert "Katiba Test" in plain and "Boni" in plain


def test_a_digest_interrupted_after_sending_is_resent_with_the_same_message_id(
    db_path: Path,
) -> None:
    class DiesAfterSending(SmtpSender):
        def send(self, digest):  # type: ignore[no-untyped-def]
            super().send(digest)
            raise KeyboardInterrupt  # killed between sending and marking

    with SmtpServer() as server, warehouse(db_path) as con:
        standard_findings(con)
        with pytest.raises(KeyboardInterrupt):
            deliver_pending(
                con, [DiesAfterSending(host="127.0.0.1", port=server.port, tls="none",
                                       sender="monitor@example.org", recipients=RECIPIENTS)],
                run_id="r1", max_attempts=10, now=NOW,
            )
        deliver_pending(con, [smtp_sender(server.port)], run_id="r2", max_attempts=10, now=NOW)
        deliver_pending(con, [smtp_sender(server.port)], run_id="r3", max_attempts=10, now=NOW)
        assert all(r["status"] == "sent" for r in alert_rows(con).values())

    # at-least-once: the one duplicate carries the same Message-ID, so clients drop it
    assert len(server.received) == 2
    first, second = (r.message for r in server.received)
    assert first["Message-ID"] == second["Message-ID"]
    body = parts(first)[0]
    assert "Katiba Test" in body and "Boni" in body
    assert body.split("-- ")[0] == parts(second)[0].split("-- ")[0]  # all but the run id


def test_a_hostile_title_is_delivered_harmless(db_path: Path) -> None:
    title = "<!channel> <script>alert(1)</script>\nBcc: evil@example.org\r\nX-Evil: 1"
    with SmtpServer() as server, warehouse(db_path) as con:
        con.execute("BEGIN TRANSACTION")
        add_article(con, "a1", title=title, url="javascript:alert(1)")
        add_entity(con, "e1", "Bad\nBcc: evil@example.org <b>Group</b>")
        add_mention(con, "a1", "e1", "Group", "A <img src=x onerror=alert(1)> Group & co.")
        outbox.create_alerts(con, [("e1", "a1")], ["email"], NOW)
        con.execute("COMMIT")
        report = deliver_pending(
            con, [smtp_sender(server.port)], run_id=RUN, max_attempts=10, now=NOW
        )
        assert report.sent == 1

    got = server.received[0]
    assert got.rcpt_tos == RECIPIENTS
    message = got.message
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert "\n" not in message["Subject"] and "evil" in message["Subject"]  # one inert line
    assert message.get_all("To") == [", ".join(RECIPIENTS)]
    plain, html = parts(message)
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html and "javascript:" not in plain  # never linked
    assert "&lt;!channel&gt;" in html
    assert "Bcc: evil@example.org" in plain  # shown as text, on the title's single line
    assert "\nBcc:" not in plain


def test_starttls_and_ssl_against_a_plain_server_fail_clearly() -> None:
    digest = example_digest("email")
    with SmtpServer() as server:
        with pytest.raises(DeliveryError) as starttls:
            smtp_sender(server.port, tls="starttls").send(digest)
        with pytest.raises(DeliveryError) as implicit:
            smtp_sender(server.port, tls="ssl").send(digest)
    assert f"127.0.0.1:{server.port}" in str(starttls.value)
    assert "does not offer STARTTLS" in str(starttls.value) and "nothing was sent" in str(
        starttls.value
    )
    assert "TLS" in str(implicit.value) and f"127.0.0.1:{server.port}" in str(implicit.value)
    assert starttls.value.channel == implicit.value.channel == "email"
    assert server.received == []


def test_starttls_and_ssl_with_a_self_signed_certificate(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    digest = example_digest("email")
    with SmtpServer(tls_context=server_context(cert, key), require_starttls=True) as server:
        smtp_sender(server.port, tls="starttls", ssl_context=client_context(cert)).send(digest)
        with pytest.raises(DeliveryError, match="STARTTLS|certificate"):
            # the default context does not trust a self-signed certificate
            smtp_sender(server.port, tls="starttls").send(digest)
    assert len(server.received) == 1
    with SmtpServer(ssl_context=server_context(cert, key)) as server:
        smtp_sender(server.port, tls="ssl", ssl_context=client_context(cert)).send(digest)
    assert len(server.received) == 1
    assert server.received[0].message["Subject"] == "[mali-monitor] test alert"


def test_login_and_a_password_that_never_reaches_the_warehouse_or_the_log(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user, password = "mali-ops-user", "Pa55-w0rd-do-not-leak"
    digest = example_digest("email")
    with SmtpServer(
        authenticator=authenticator(user, password), auth_require_tls=False
    ) as server:
        smtp_sender(server.port, username=user, password=SecretStr(password)).send(digest)
    assert len(server.received) == 1

    echoing = authenticator(user, "the-right-one", echo=True)  # echoes user and password
    with SmtpServer(authenticator=echoing, auth_require_tls=False) as server, warehouse(
        db_path
    ) as con:
        standard_findings(con)
        sender = smtp_sender(
            server.port, username=user, password=SecretStr(password),
            username_source="$MALI_MONITOR_SMTP_USER",
        )
        report = deliver_pending(con, [sender], run_id=RUN, max_attempts=10, now=NOW)
        assert report.failed == 2 and server.received == []
        rows = alert_rows(con)
        for row in rows.values():
            assert row["last_error"] == (
                f"email via 127.0.0.1:{server.port}: login failed (user from "
                f"$MALI_MONITOR_SMTP_USER): 535 5.7.8 bad credentials for ***: ***"
            )
        values = every_text_value(con)
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]
    assert ours  # (mail.log is the test server)
    for secret in (user, password):
        assert not [v for v in values if leaked(secret, v)]
        assert not leaked(secret, report.summary())
        assert not [m for m in ours if leaked(secret, m)]
    assert password not in repr(sender.__dict__)


def test_login_without_tls_is_refused_before_connecting_unless_loopback_or_allowed() -> None:
    """A password over plain SMTP only to 127.0.0.0/8, ::1 or localhost, unless
    allow_insecure_auth; the refusal comes when the sender is built: nothing is sent, no
    connection is even opened."""
    address = non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    user, password = "mali-ops-user", "Pa55-w0rd-do-not-leak"
    login = {"username": user, "password": SecretStr(password)}
    with socket.socket() as listener:  # stands where the SMTP server would be
        listener.bind((address, 0))
        listener.listen()
        listener.settimeout(0.3)
        port = listener.getsockname()[1]
        with pytest.raises(DeliveryError) as refused:
            smtp_sender(port, host=address, **login).send(example_digest("email"))
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody connected
    assert str(refused.value) == (
        f"email via {address}:{port}: refusing to log in without TLS (tls = \"none\") to a "
        "host that is not loopback (127.0.0.0/8, ::1, localhost): the password would cross "
        "the network in clear; nothing was sent. Set [alerts.email] tls = \"starttls\" "
        "(usually port 587) or tls = \"ssl\" (usually port 465), or allow_insecure_auth = "
        "true if the network to the server is trusted"
    )
    assert refused.value.channel == "email"
    assert user not in str(refused.value) and password not in str(refused.value)

    # no login: no password to protect; allowed: the user's choice
    smtp_sender(1, host=address)
    with SmtpServer(host=address, authenticator=authenticator(user, password),
                    auth_require_tls=False) as server:
        smtp_sender(server.port, host=address, allow_insecure_auth=True, **login).send(
            example_digest("email")
        )
    assert len(server.received) == 1

    # loopback hosts, in every spelling, need no TLS
    for host in ("localhost", "LOCALHOST", "127.0.0.1", "127.0.0.2", "::1", "[::1]"):
        smtp_sender(1, host=host, **login)
    with SmtpServer(authenticator=authenticator(user, password), auth_require_tls=False) as server:
        smtp_sender(server.port, host="localhost", **login).send(example_digest("email"))
    assert len(server.received) == 1
    # and with TLS the login goes anywhere (checked when sending, not here)
    smtp_sender(1, host=address, tls="starttls", **login)
    smtp_sender(1, host=address, tls="ssl", **login)
