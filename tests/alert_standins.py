"""Stand-ins for the outside systems alerts go to, shared by the tests and the soak site
(no tests here): a real SMTP server (aiosmtpd), a real HTTP server standing in for Slack's
incoming webhook, a self-signed certificate, and warehouse rows inserted with plain SQL the
way the entity pipeline writes them.

The SMTP server and the webhook are the demo's own (`flows.standins`), under the names the
tests use: one implementation for both."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import duckdb
from aiosmtpd.smtp import AuthResult

from flows.standins import ReceivedMail, SmtpStandIn, WebhookStandIn
from flows.standins import WebhookHit as WebhookHit  # re-exported: the tests import both
from flows.standins import free_port as free_port
from warehouse import outbox
from warehouse.connection import connect
from warehouse.migrations import migrate

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
RUN = "run-0001"


def non_loopback_address() -> str | None:
    """An IPv4 address of this machine that is not loopback (the one its default route
    would use; no packet is sent), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = s.getsockname()[0]
    return None if ipaddress.ip_address(address).is_loopback else address


def pieces(secret: str, size: int = 6) -> list[str]:
    """Every run of `size` characters of a secret (lower case): none may be shown."""
    return [secret[i : i + size].lower() for i in range(len(secret) - size + 1)]


def leaked(secret: str, text: str, size: int = 6) -> list[str]:
    """The pieces of `secret` of `size` characters that `text` shows (any case)."""
    low = text.lower()
    return [p for p in pieces(secret, size) if p in low]


# --- SMTP --------------------------------------------------------------------------------


Received = ReceivedMail  # mail_from, rcpt_tos, message (and subject, text)


class SmtpServer(SmtpStandIn):
    """aiosmtpd on 127.0.0.1 (or `host`): every accepted message is parsed back into
    `received`. Keyword arguments go to aiosmtpd's `Controller` (TLS, login ...)."""

    def __init__(self, port: int | None = None, host: str = "127.0.0.1", **kwargs: Any) -> None:
        kwargs.setdefault("ready_timeout", 5)
        super().__init__(port, host, **kwargs)


def authenticator(username: str, password: str, *, echo: bool = False) -> Any:
    """Accept exactly (username, password); a rejection echoes the user name and password
    when `echo` (a hostile or buggy server), to prove they are redacted."""

    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else ""
        given = auth_data.password.decode() if isinstance(auth_data.password, bytes) else ""
        if login == username and given == password:
            return AuthResult(success=True)
        message = (
            f"535 5.7.8 bad credentials for {login}: {given}" if echo
            else "535 5.7.8 bad credentials"
        )
        return AuthResult(success=False, handled=False, message=message)

    return check


def parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


# --- TLS ---------------------------------------------------------------------------------


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with `cryptography`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
        .not_valid_after(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def client_context(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


# --- Slack webhook -----------------------------------------------------------------------


class SlackWebhook(WebhookStandIn):
    """A stand-in for Slack's incoming webhook on 127.0.0.1. `script` holds the answers to
    give, in order: (status, headers, body); once empty, every request gets 200 "ok". Every
    request is kept in `hits` (`accepted`: those answered 200). `url()` is a webhook URL of
    Slack's shape whose last segment plays the secret token."""


# --- warehouse rows ----------------------------------------------------------------------


@contextmanager
def warehouse(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path)
    migrate(con)
    try:
        yield con
    finally:
        con.close()


def add_article(
    con: duckdb.DuckDBPyConnection,
    article_id: str,
    *,
    title: str = "Attack near Mopti",
    url: str | None = None,
    source: str = "RFI Afrique",
    run_id: str = RUN,
    duplicate_of: str | None = None,
    published_at: dt.datetime | None = NOW,
) -> None:
    url = url or f"https://news.example.org/{article_id}"
    con.execute(
        "INSERT INTO articles (article_id, url, canonical_url, source, title, published_at, "
        "fetched_at, text, content_hash, duplicate_of, run_id, text_origin) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'text', ?, ?, ?, 'page')",
        [article_id, url, url + "#" + article_id, source, title, published_at, NOW,
         "hash-" + article_id, duplicate_of, run_id],
    )


def add_entity(
    con: duckdb.DuckDBPyConnection,
    entity_id: str,
    name: str,
    *,
    kind: str = "actor",
    subtype: str | None = "armed_group",
    article_id: str = "a1",
    region: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
) -> None:
    con.execute(
        "INSERT INTO entities (entity_id, kind, subtype, name, aliases, first_seen_at, "
        "first_article_id, in_seed_baseline, latitude, longitude, country_code, region) "
        "VALUES (?, ?, ?, ?, [], ?, ?, false, ?, ?, 'ML', ?)",
        [entity_id, kind, subtype, name, NOW, article_id, lat, lon, region],
    )


def add_mention(
    con: duckdb.DuckDBPyConnection,
    article_id: str,
    entity_id: str,
    surface: str,
    sentence: str,
    start_char: int = 0,
) -> None:
    con.execute(
        "INSERT INTO mentions (article_id, entity_id, surface, sentence, start_char) "
        "VALUES (?, ?, ?, ?, ?)",
        [article_id, entity_id, surface, sentence, start_char],
    )


def standard_findings(
    con: duckdb.DuckDBPyConnection, channels: Sequence[str] = ("email",)
) -> list[str]:
    """Two articles from two sources (plus an exact copy), one new armed group and one new
    town, queued as the entity pipeline does: in one transaction. Returns the alert ids."""
    con.execute("BEGIN TRANSACTION")
    add_article(con, "a1", title="Attack near Mopti claimed by the Katiba Test",
                url="https://www.rfi.fr/fr/afrique/a1")
    add_article(con, "a2", title="Mali: fighting in Boni", source="Studio Tamani")
    add_article(con, "a3", title="Copy of a1", source="maliweb", duplicate_of="a1")
    add_entity(con, "e-katiba", "Katiba Test")
    add_entity(con, "e-boni", "Boni", kind="town", subtype="town", region="Mopti",
               lat=15.0833, lon=-1.9667)
    add_mention(con, "a1", "e-katiba", "Katiba Test",
                "Fighters of the Katiba Test attacked the camp on Sunday.", 120)
    add_mention(con, "a2", "e-katiba", "katiba test",
                "The katiba test was also blamed for the ambush.", 40)
    add_mention(con, "a3", "e-katiba", "Katiba Test",
                "Fighters of the Katiba Test attacked the camp on Sunday.", 120)
    add_mention(con, "a1", "e-boni", "Boni", "The army left Boni after the attack.", 300)
    outbox.create_alerts(con, [("e-katiba", "a1"), ("e-boni", "a1")], channels, NOW)
    con.execute("COMMIT")
    return [outbox.alert_id_for(e, c) for c in channels for e in ("e-katiba", "e-boni")]


def many_findings(
    con: duckdb.DuckDBPyConnection, n: int, channels: Sequence[str] = ("slack",)
) -> list[str]:
    """n new entities (a third of them towns), each with a mention, in one article."""
    con.execute("BEGIN TRANSACTION")
    add_article(con, "big", title="A long list of names")
    pairs = []
    for i in range(n):
        town = i % 3 == 0
        entity_id = f"e{i:04d}"
        name = f"Town {i:04d}" if town else f"Actor Number {i:04d}"
        add_entity(con, entity_id, name, kind="town" if town else "actor",
                   subtype="town" if town else "person", article_id="big",
                   region="Gao" if town else None, lat=16.27 if town else None,
                   lon=-0.04 if town else None)
        add_mention(con, "big", entity_id, name,
                    f"Reports say that {name} was seen near the river on Tuesday " * 3, i)
        pairs.append((entity_id, "big"))
    outbox.create_alerts(con, pairs, channels, NOW)
    con.execute("COMMIT")
    return [outbox.alert_id_for(e, c) for c in channels for e, _ in pairs]


def alert_rows(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    cursor = con.execute("SELECT * FROM alerts ORDER BY alert_id")
    rows = cursor.fetchall()
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in rows}


def every_text_value(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every VARCHAR (and VARCHAR[]) value of every table: where a secret must never be."""
    columns = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' AND (data_type = 'VARCHAR' OR data_type = 'VARCHAR[]')"
    ).fetchall()
    values: list[str] = []
    for table, column, data_type in columns:
        expr = f'"{column}"' if data_type == "VARCHAR" else f"array_to_string(\"{column}\", ' ')"
        rows = con.execute(f'SELECT {expr} FROM "{table}" WHERE "{column}" IS NOT NULL').fetchall()
        values += [row[0] for row in rows if row[0]]
    return values
