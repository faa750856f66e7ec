"""Hostile article pages: bombs, endless and trickling bodies, redirect tricks, wrong or
missing charsets and every failing status. One flow run holds them all; a second shows
what is retried and that nothing is stored twice."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from feedsite import article_page, rss

from flows.ingest import ingest

from .hostile_server import (
    HostileServer,
    endless,
    gzip_bomb,
    redirect,
    respond,
    sequence,
    trickle,
)
from .support import assert_nothing_stored_twice, rows

pytestmark = pytest.mark.usefixtures("prefect_harness")

CAP = 2_000_000  # [fetch] max_bytes of the fault configuration
RSS = "application/rss+xml; charset=utf-8"

# French reports written for these tests, each with characters that differ between
# Windows-1252, Latin-1 and UTF-8 (’ and œ exist only in Windows-1252).
CP1252_MISSING = (
    "Tombouctou : l’armée malienne renforce sa présence",
    [
        "L’armée malienne a déployé mardi de nouvelles unités autour de Tombouctou, "
        "au cœur d’une région où les attaques contre les convois se multiplient depuis "
        "le début de l’année, selon des sources sécuritaires.",
        "Les habitants interrogés par téléphone décrivent une ville où les marchés "
        "restent ouverts mais où les déplacements vers Goundam et Niafunké sont devenus "
        "risqués à la tombée de la nuit.",
        "Le gouverneur a appelé la population à signaler tout mouvement suspect aux "
        "forces de défense et de sécurité.",
    ],
)
LATIN1_DECLARED = (
    "Ségou : la saison agricole menacée par l'insécurité",
    [
        "Dans la région de Ségou, au Mali, des cultivateurs ont renoncé à semer leurs "
        "champs les plus éloignés des villages, par crainte des hommes armés qui "
        "patrouillent à moto le long du fleuve.",
        "« Nous sommes inquiets pour la récolte », a déclaré un responsable d'une "
        "coopérative de Markala, qui estime que la production pourrait reculer "
        "sensiblement cette année.",
        "Les services agricoles régionaux préparent une distribution de semences "
        "pour les familles déplacées.",
    ],
)
WRONG_UTF8 = (
    "Kayes : des orpailleurs évacués après un effondrement",
    [
        "Des secouristes ont évacué lundi plusieurs dizaines d’orpailleurs d’un site "
        "aurifère près de Kayes, dans l’ouest du Mali, après l’effondrement d’une "
        "galerie qui a fait au moins six morts.",
        "Les autorités locales rappellent que l’exploitation artisanale de l’or reste "
        "interdite pendant la saison des pluies, une règle rarement respectée sur "
        "les sites éloignés.",
        "Une enquête a été ouverte pour établir les responsabilités du propriétaire "
        "du puits.",
    ],
)
BOM_UTF8 = (
    "Gao : réouverture du pont de Wabaria après des travaux",
    [
        "Le pont de Wabaria, qui relie Gao à la rive droite du fleuve Niger, a été "
        "rouvert à la circulation jeudi après trois mois de travaux de réfection, a "
        "annoncé la direction régionale des routes du Mali.",
        "Les commerçants saluent une réouverture très attendue : pendant les travaux, "
        "les marchandises traversaient le fleuve en pirogue, à un coût plus élevé.",
        "Des contrôles renforcés sont prévus aux deux extrémités de l’ouvrage.",
    ],
)


FLAKY = (
    "Mopti : le bac de Konna reprend ses traversées",
    [
        "Le bac qui relie les deux rives du fleuve à Konna, dans la région de Mopti au "
        "Mali, a repris ses traversées samedi après une semaine d’arrêt pour une panne "
        "de moteur, ont indiqué les autorités communales.",
        "Les transporteurs de poisson fumé, qui attendaient sur la rive depuis plusieurs "
        "jours, ont été les premiers à embarquer.",
        "Une pièce de rechange a été acheminée depuis Bamako par la route.",
    ],
)


def french_page(article: tuple[str, list[str]], *, meta_charset: bool) -> str:
    html = article_page(*article, lang="fr", site_name="Le Sahel Test")
    return html if meta_charset else html.replace('<meta charset="utf-8">', "")


def summary(case: str) -> str:
    return (f"Dispatch from Mali ({case}): soldiers and civilians in the Mopti region, "
            "local officials said on Tuesday.")


def test_hostile_pages_are_cut_refused_or_decoded_and_each_is_recorded(
    hostile: HostileServer, warehouse: Path, write_config
) -> None:
    # -- pages that fail: (path, behaviour, expected error fragment, expected http_status)
    failing = {
        "/p/gzip-bomb": (gzip_bomb(100 << 20), f"is larger than {CAP} bytes", None),
        "/p/endless": (endless(50 << 20), f"is larger than {CAP} bytes", None),
        "/p/endless-declared": (
            endless(50 << 20, declare_length=True),
            f"is larger than {CAP} bytes (Content-Length: {50 << 20})", None,
        ),
        "/p/trickle-body": (
            trickle(french_page(BOM_UTF8, meta_charset=True).encode()),
            "did not finish within 2 s", None,
        ),
        "/p/trickle-headers": (
            trickle(b"<html>Mali</html>", in_headers=True), "did not finish within 2 s", None,
        ),
        "/p/loop": (redirect("/p/loop"), "too many redirects", None),
        "/p/chain/0": (redirect("/p/chain/1"), "more than 5 redirects", None),
        "/p/to-file": (
            redirect("file:///etc/passwd"),
            "only http and https URLs are supported, got scheme 'file'", None,
        ),
        "/p/403": (respond(403, "no"), "HTTP 403 Forbidden", 403),
        "/p/404": (respond(404, "no"), "HTTP 404 Not Found", 404),
        "/p/410": (respond(410, "no"), "HTTP 410 Gone", 410),
        "/p/429": (respond(429, "no", headers={"Retry-After": "60"}),
                   "HTTP 429 Too Many Requests", 429),
        "/p/500": (respond(500, "no"), "HTTP 500 Internal Server Error", 500),
        "/p/503": (respond(503, "no"), "HTTP 503 Service Unavailable", 503),
    }
    for i in range(1, 12):
        hostile.route(f"/p/chain/{i}", redirect(f"/p/chain/{i + 1}"))
    # -- pages that must be decoded right: (path, article, bytes, Content-Type)
    decoded = {
        "/p/cp1252-no-charset": (
            CP1252_MISSING, french_page(CP1252_MISSING, meta_charset=False).encode("cp1252"),
            "text/html",
        ),
        "/p/latin1-declared": (
            LATIN1_DECLARED, french_page(LATIN1_DECLARED, meta_charset=False).encode("latin-1"),
            "text/html; charset=iso-8859-1",
        ),
        "/p/cp1252-declared-utf8": (
            WRONG_UTF8, french_page(WRONG_UTF8, meta_charset=True).encode("cp1252"),
            "text/html; charset=utf-8",
        ),
        "/p/bom": (
            BOM_UTF8,
            codecs.BOM_UTF8 + french_page(BOM_UTF8, meta_charset=False).encode("utf-8"),
            "text/html; charset=iso-8859-1",
        ),
    }
    # -- a page that fails once while its summary is too short: not stored, retried next run
    hostile.route("/p/flaky", sequence(
        respond(503, "busy"), respond(200, french_page(FLAKY, meta_charset=True)),
    ))
    items = []
    for path, (behaviour, _, _) in failing.items():
        hostile.route(path, behaviour)
        items.append({"title": f"Mali: {path}", "link": hostile.url(path),
                      "description": summary(path)})
    for path, (article, body, content_type) in decoded.items():
        hostile.route(path, respond(200, body, content_type=content_type))
        items.append({"title": article[0], "link": hostile.url(path),
                      "description": "Reportage au Mali."})
    items.append({"title": "Mali : une page capricieuse", "link": hostile.url("/p/flaky"),
                  "description": "Mali."})
    feed = hostile.route("/pages.xml", respond(200, rss("Hostile pages", items, language="fr"),
                                               content_type=RSS))
    config = write_config()

    summary_1 = ingest(str(config), str(warehouse), [feed])

    errors = {
        url: (error, status)
        for url, error, status in rows(
            warehouse, "select url, error, http_status from fetch_errors where stage = 'page'"
        )
    }
    for path, (_, fragment, status) in failing.items():
        error, http_status = errors.pop(hostile.url(path))
        assert fragment in error and http_status == status, (path, error)
    flaky_error = errors.pop(hostile.url("/p/flaky"))
    assert flaky_error == (f"HTTP 503 Service Unavailable for {hostile.url('/p/flaky')}", 503)
    assert errors == {}  # the charset pages were all read
    (retry_note,) = rows(warehouse, "select error from fetch_errors where stage = 'extract'")
    assert "summary is too short; will retry next run" in retry_note[0]

    # Caps held on the wire: the endless body was cut near the cap, the declared one before
    # any of it was read, the tricklers after about two seconds' worth of bytes.
    (endless_hit,) = hostile.hits_to("/p/endless")
    assert endless_hit.closed_early and endless_hit.sent < 10 * CAP
    assert hostile.hits_to("/p/endless-declared")[0].sent < 10 * CAP
    assert hostile.hits_to("/p/trickle-body")[0].sent <= 3
    assert len(hostile.hits_to("/p/chain/0")) == 1 and hostile.count("/p/chain/6") == 0
    assert hostile.count("/p/loop") == 6  # the first request and five redirects

    # Every failed page fell back to its feed summary; the charset pages decoded right.
    stored = dict(rows(warehouse, "select url, text_origin from articles where not is_seed"))
    for path in failing:
        assert stored.pop(hostile.url(path)) == "summary", path
    texts = dict(rows(warehouse, "select url, text from articles where not is_seed"))
    for path, (article, _, _) in decoded.items():
        assert stored.pop(hostile.url(path)) == "page"
        text = texts[hostile.url(path)]
        for paragraph in article[1]:
            assert paragraph in text, (path, paragraph[:40], text[:200])
        assert "\ufffd" not in text and "Ã" not in text  # no replacement char, no mojibake
    assert stored == {}  # the flaky page: no text this run, so not stored
    assert summary_1.articles_new == len(failing) + len(decoded)
    assert rows(warehouse, "select status, errors from runs") == [
        ("completed", len(failing) + 2)
    ]
    hits_after_first_run = {h.path for h in hostile.hits}

    # -- second run: the flaky entry is fetched again, and so are the pages that failed for
    # a reason that may pass (their articles, stored from the summary, wait for an upgrade;
    # the 429 waits for its Retry-After); the permanent failures are not. Nothing twice.
    summary_2 = ingest(str(config), str(warehouse), [feed])

    assert summary_2.articles_new == 1
    assert hostile.count("/p/flaky") == 2
    transient = {"/p/trickle-body", "/p/trickle-headers", "/p/500", "/p/503"}
    for path in transient:
        assert hostile.count(path) == 2, path
    for path in hits_after_first_run - {"/p/flaky", "/pages.xml", *transient}:
        assert hostile.count(path) == 1 or path.startswith(("/p/loop", "/p/chain")), path
    assert hostile.count("/p/loop") == 6
    flaky = rows(warehouse, "select text_origin, text from articles where url = ?",
                 [hostile.url("/p/flaky")])
    assert flaky[0][0] == "page" and FLAKY[1][0] in flaky[0][1]
    assert rows(warehouse, "select status from runs order by started_at") == [
        ("completed",), ("completed",)
    ]
    assert_nothing_stored_twice(warehouse)
