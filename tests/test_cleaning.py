"""extractors.cleaning: furniture removal on the seed corpus and on invented pages of other
outlets (the rules must be general), plus properties (idempotent, never raises)."""

from __future__ import annotations

import pathlib
import unicodedata

import pytest

from extractors.cleaning import SeedDocument, clean_text, parse_plain_article

SEEDS = pathlib.Path(__file__).resolve().parents[1] / "warehouse" / "seeds"


def _seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


# ------------------------------------------------------------------------ seeds
# prefix -> (title, first body sentence, last body sentence, paragraphs from the middle)
SEED_BODIES: dict[str, tuple[str | None, str, str, tuple[str, ...]]] = {
    "000": (
        "France to send drones to Mali as jihadists flock to north, report",
        "France is to send surveillance drones to back up west African intervention",
        "Chancellor Angela Merkel on Monday said that Germany would be prepared to train Malian "
        "troops and provide logistical support and European Union members are considering a "
        "non-combat training mission.",
        (
            "France is not believed to have any armed drones.",
            "Hollande is anxious to avoid direct intervention for several reasons:",
        ),
    ),
    "001": (
        "France Sends Troops To Mali As U.S. Mulls Drone Strikes",
        "France has responded to a request for help from Mali by sending military forces",
        "French Foreign Minister Laurent Fabius has confirmed that France has already used its "
        "air force to halt the southern advance of rebels in Mali.",
        (
            "France, like its African partners, cannot accept this.",
            "said Mr. Pham, a senior strategy adviser to the U.S. military’s Africa Command.",
        ),
    ),
    "002": (
        "France seeks allies in Mali operation",
        "French Foreign Minister Laurent Fabius said on Monday that it was not France’s intention",
        "Mali's interim president, Dioncounda Traore, said that 11 Malian soldiers had died in "
        "fighting over the weekend.",
        (
            "The fall of Diabaly",
            'Asked where attacks would take place, Dardar said: "Everywhere. In Bamako, in Africa '
            'and in Europe."',
            "Building up before ground campaign",
            "But Human Rights Watch said ten civilians, including three children, had died",
        ),
    ),
    "003": (
        "French troops intervene in Mali",
        "Just two days after jihadists from al Qaeda in the Islamic Maghreb, the Movement for "
        "Oneness and Jihad in West Africa, and Ansar Dine stormed the central Malian town of "
        "Konna and routed government forces,",
        "Shabaab repelled the raid and killed one French soldier and captured another.",
        (
            "From The Associated Press:",
            "A spokesman for Ansar Dine told Reuters that French citizens will be targeted.",
            "AQIM, MUJAO, and Ansar Dine have forced their hand by advancing southward.",
        ),
    ),
    "004": (
        None,
        "Feeling increasingly alone in its war against Islamists in Mali, France is canvassing "
        "allies for more help, including combat troops.",
        '"Sending in German fighting units is not up for debate," he said.',
        (
            "Also on Thursday, a spokesman for Prime Minister Stephen Harper, Andrew MacDougall, "
            "said that no decision had been taken",
            "I think Canada can do more concerning this crisis in Mali.",
        ),
    ),
}

# prefix -> junk that must be gone, from the body and from clean_text of the whole page.
SEED_JUNK: dict[str, tuple[str, ...]] = {
    "000": (
        "Skip to main content",
        "Mali - US - France",
        "Ce sont pour le moment",
        "Reuters/Malin Palm",
        "3 min",
        "newsletter",
        "Receive essential international news",
        "Page not found",
        "The content you requested does not exist",
    ),
    "001": ("A 2012 map", "rebel-held territory", "Share Update", "Share"),
    "002": (
        "Don't miss",
        "#THE 51%",
        "Read more",
        "The Gender Divide",
        "Journalist Sofia Amara",
        "Video by",
        "Clovis CASALI",
        "Text by",
        "Latest update",
        "Click on map",
        "Date created",
        "French pilot dies in Mali military operation",
        "Mali-based Islamists pledge attacks on French soil",
    ),
    "003": (
        "Bill Roggio is a Senior Fellow",
        "Are you a dedicated reader",
        "donation",
        "Support our independent reporting",
        "Tags:",
        "says:",
        "Will Fenwick",
        "Vive la France",
        "blert",
        "anzaholyman",
        "Islamic state",
        "Al shabaab",
        "Boko Haram",
    ),
    "004": (
        "Skip to main content",
        "mali intervention",
        "A French soldier climbs inside",
        "Sgt Matthew McGregor",
        "medical supplies and ammunition",
    ),
}


@pytest.mark.parametrize("prefix", sorted(SEED_BODIES))
def test_seed_title(prefix: str) -> None:
    doc = parse_plain_article(_seed(prefix))
    assert isinstance(doc, SeedDocument)
    assert doc.title == SEED_BODIES[prefix][0]


@pytest.mark.parametrize("prefix", sorted(SEED_BODIES))
def test_seed_body_keeps_first_last_and_middle(prefix: str) -> None:
    title, first, last, middle = SEED_BODIES[prefix]
    body = parse_plain_article(_seed(prefix)).body
    assert body.startswith(first)
    assert body.endswith(last)
    for paragraph in middle:
        assert paragraph in body
    if title is not None:
        assert title not in body


@pytest.mark.parametrize("prefix", sorted(SEED_JUNK))
def test_seed_junk_removed(prefix: str) -> None:
    raw = _seed(prefix)
    for text in (parse_plain_article(raw).body, clean_text(raw)):
        for junk in SEED_JUNK[prefix]:
            assert junk not in text, junk


@pytest.mark.parametrize("prefix", sorted(SEED_BODIES))
def test_clean_text_of_whole_seed_keeps_body(prefix: str) -> None:
    title, first, last, middle = SEED_BODIES[prefix]
    cleaned = clean_text(_seed(prefix))
    # clean_text knows nothing of titles: the headline (if any) opens the text.
    assert cleaned.startswith(title or first)
    assert cleaned.endswith(last)
    assert all(paragraph in cleaned for paragraph in (first, *middle))


def test_seed_body_keeps_every_paragraph_between_first_and_last() -> None:
    """In 004 nothing between the caption and the end is furniture: all of it survives."""
    raw = _seed("004")
    paragraphs = [p.strip() for p in raw.split("\n\n") if p.strip()]
    start = next(i for i, p in enumerate(paragraphs) if p.startswith("Feeling increasingly"))
    assert parse_plain_article(raw).body.split("\n\n") == paragraphs[start:]


@pytest.mark.parametrize("prefix", sorted(SEED_BODIES))
def test_seed_output_shape(prefix: str) -> None:
    body = parse_plain_article(_seed(prefix)).body
    assert body == body.strip()
    assert "\n\n\n" not in body
    assert all(line == line.strip() and line for line in body.split("\n\n"))
    assert unicodedata.is_normalized("NFC", body)


# ----------------------------------------------------- other outlets (invented)
ENGLISH_PAGE = """\
Skip to content
World
Africa
Mali junta expels French ambassador as tensions mount
By Sarah Jones and Tom Brown
Updated: Feb. 1, 2022 8:45 PM EST
5 min read
Share this article
Soldiers patrol a street in Bamako, Mali, on Jan. 31, 2022. (AP Photo/Baba Ahmed)
BAMAKO, Mali (AP) — Mali's transitional government on Monday ordered the French ambassador \
to leave the country within 72 hours, state television reported.
Advertisement
The move follows weeks of rising tension between Bamako and Paris over the presence of \
French troops in the Sahel.
Sign up for our newsletter to get the latest Africa news in your inbox.
Foreign Minister Abdoulaye Diop said:
"The decision was taken after hostile and outrageous remarks by French officials."
Donations to the Red Cross in Mali have doubled since January, the organisation said.
The junta also publishes a weekly newsletter in Bambara and French about the transition.
READ MORE: France to pull troops out of Mali after nine years
Story continues below advertisement
The European Union said it was reviewing its training mission in the country.
12 comments
Related
France to withdraw troops from Mali
Russia deepens ties with Sahel juntas
Sarah Jones is a correspondent for Example News based in Dakar.
Follow us on Twitter
"""

ENGLISH_BODY = (
    "BAMAKO, Mali (AP) — Mali's transitional government on Monday ordered the French "
    "ambassador to leave the country within 72 hours, state television reported.",
    "The move follows weeks of rising tension between Bamako and Paris over the presence of "
    "French troops in the Sahel.",
    "Foreign Minister Abdoulaye Diop said:",
    '"The decision was taken after hostile and outrageous remarks by French officials."',
    "Donations to the Red Cross in Mali have doubled since January, the organisation said.",
    "The junta also publishes a weekly newsletter in Bambara and French about the transition.",
    "The European Union said it was reviewing its training mission in the country.",
)

FRENCH_PAGE = """\
Aller au contenu principal
International
Mali : l'armée française reprend le contrôle de Tombouctou
Par Jean Dupont
Publié le 12/03/2021 à 10h05 - Mis à jour le 12/03/2021 à 11h20
Temps de lecture : 3 min.
Partager
Des soldats français à Tombouctou. Photo : AFP
Bamako (AFP) - Les soldats français et maliens ont repris samedi le contrôle de Tombouctou, \
a annoncé l'état-major.
Publicité
Lire aussi : Au Mali, la junte promet des élections
« Nous avons atteint nos objectifs », a déclaré le porte-parole de l'armée.
Abonnez-vous pour lire la suite de nos articles et soutenez une rédaction indépendante.
La population est sortie dans les rues pour accueillir les troupes.
Lire la suite
12 commentaires
Mots-clés : Mali, Tombouctou, armée
Marie a dit :
Enfin une bonne nouvelle pour le Mali.
Paul a dit :
Il était temps.
"""

FRENCH_BODY = (
    "Bamako (AFP) - Les soldats français et maliens ont repris samedi le contrôle de "
    "Tombouctou, a annoncé l'état-major.",
    "« Nous avons atteint nos objectifs », a déclaré le porte-parole de l'armée.",
    "La population est sortie dans les rues pour accueillir les troupes.",
)


def test_english_page_of_another_outlet() -> None:
    doc = parse_plain_article(ENGLISH_PAGE)
    assert doc.title == "Mali junta expels French ambassador as tensions mount"
    assert doc.body.split("\n\n") == list(ENGLISH_BODY)
    cleaned = clean_text(ENGLISH_PAGE)
    assert cleaned.split("\n\n") == [doc.title, *ENGLISH_BODY]
    for junk in (
        "Skip to content",
        "By Sarah Jones",
        "Updated:",
        "5 min read",
        "Share this article",
        "AP Photo",
        "Advertisement",
        "Sign up",
        "READ MORE",
        "12 comments",
        "Related",
        "Russia deepens ties",
        "is a correspondent",
        "Follow us",
    ):
        assert junk not in cleaned, junk


def test_french_page_of_another_outlet() -> None:
    doc = parse_plain_article(FRENCH_PAGE)
    assert doc.title == "Mali : l'armée française reprend le contrôle de Tombouctou"
    assert doc.body.split("\n\n") == list(FRENCH_BODY)
    cleaned = clean_text(FRENCH_PAGE)
    assert cleaned.split("\n\n") == [doc.title, *FRENCH_BODY]
    for junk in (
        "Aller au contenu",
        "International",
        "Par Jean Dupont",
        "Publié le",
        "Mis à jour",
        "Temps de lecture",
        "Partager",
        "Photo : AFP",
        "Publicité",
        "Lire aussi",
        "Abonnez-vous",
        "Lire la suite",
        "commentaires",
        "Mots-clés",
        "a dit :",
        "Il était temps",
    ):
        assert junk not in cleaned, junk


def test_trafilatura_style_single_newlines() -> None:
    text = (
        "Skip to main content\n"
        "Malian troops retook the town of Konna on Friday, the army said.\n"
        "Advertisement\n"
        "Residents said the fighting lasted several hours before the rebels withdrew.\n"
        "Share Tweet Email"
    )
    assert clean_text(text) == (
        "Malian troops retook the town of Konna on Friday, the army said.\n\n"
        "Residents said the fighting lasted several hours before the rebels withdrew."
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "Donations to humanitarian agencies working in Mali have fallen by a third this year.",
        "The Red Cross said donations had dried up and urged governments to support its work.",
        "The group's weekly newsletter, distributed in Gao, called on residents to join the jihad.",
        "“Subscribe to our channel,” the militants told followers in a video posted online.",
        "Asked what came next, the minister said:",
        "A photo taken by a resident shows smoke rising over the airport.",
        "The attack happened in Gao, Mali, on Feb. 8, 2013.",
        "By Monday, French troops had reached the outskirts of Timbuktu.",
        "Updated figures from the United Nations show 300 civilians were killed.",
        "The page you requested a visa on was blocked, the embassy later admitted.",
    ],
)
def test_news_sentences_that_look_like_furniture_survive(sentence: str) -> None:
    text = f"The army said the situation was under control.\n\n{sentence}\n\nIt gave no details."
    assert sentence in clean_text(text)


def test_quote_introduced_by_said_survives() -> None:
    text = (
        "Speaking in Paris, Fabius said:\n\n"
        "“We are not alone in this.”\n\n"
        "Later, the spokesman says:\n\n"
        "“The operation will last as long as necessary.”"
    )
    assert clean_text(text) == text


def test_comment_section_is_cut_from_its_first_header() -> None:
    text = (
        "French jets struck rebel positions near Gao overnight, the ministry said.\n\n"
        "Officials expect the offensive to continue into next week.\n\n"
        "• Jean-Pierre says:\n\nGood news at last.\n\n• kalash74 says:\n\nAbout time too."
    )
    assert clean_text(text) == (
        "French jets struck rebel positions near Gao overnight, the ministry said.\n\n"
        "Officials expect the offensive to continue into next week."
    )


def test_markers_before_the_body_never_cut_it() -> None:
    text = (
        "Tags: Mali, France\n\n"
        "Page not found\n\n"
        "French jets struck rebel positions near Gao overnight, the ministry said.\n\n"
        "Officials expect the offensive to continue into next week."
    )
    assert clean_text(text) == (
        "French jets struck rebel positions near Gao overnight, the ministry said.\n\n"
        "Officials expect the offensive to continue into next week."
    )


def test_duplicate_paragraphs_keep_the_first() -> None:
    paragraph = "Islamist fighters seized the town of Diabaly on Monday, officials said."
    text = f"{paragraph}\n\nThe army sent reinforcements.\n\n{paragraph}"
    assert clean_text(text) == f"{paragraph}\n\nThe army sent reinforcements."


def test_whitespace_is_normalised() -> None:
    text = (
        "\ufeff  Malian troops   retook\tKonna on Friday, the army said.  \r\n\r\n\r\n\r\n"
        "Cafe\u0301 owners in Mopti reopened their shops.\u00a0\n"
    )
    assert clean_text(text) == (
        "Malian troops retook Konna on Friday, the army said.\n\n"
        "Café owners in Mopti reopened their shops."
    )


@pytest.mark.parametrize("text", ["", " ", "\n\n\t \r\n", "\u00a0\u2003\n"])
def test_empty_input_gives_empty_string(text: str) -> None:
    assert clean_text(text) == ""
    assert parse_plain_article(text) == SeedDocument(title=None, body="")


@pytest.mark.parametrize(
    "text", [_seed(p) for p in sorted(SEED_BODIES)] + [ENGLISH_PAGE, FRENCH_PAGE]
)
def test_idempotent_on_pages(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


# ------------------------------------------------------------------- properties
hypothesis = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")

# Text built from furniture-ish and prose-ish lines, so that the rules actually fire.
_LINES = st.sampled_from(
    [
        "Read more",
        "Lire aussi : Au Mali, la junte promet des élections",
        "Skip to main content",
        "Tags: Mali",
        "Page not found",
        "• Will says:",
        "By Jane Doe",
        "Photo : AFP",
        "3 min",
        "Islamic state",
        "Sign up for our newsletter",
        "French troops intervene in Mali",
        "A 2012 map showing rebel-held territory in Mali",
        "Residents said the fighting lasted several hours before the rebels withdrew.",
        "The army said the situation was under control.",
        "Jane Doe is a correspondent for Example News.",
    ]
)
_PAGES = st.lists(st.one_of(_LINES, st.text(max_size=40)), max_size=12).map("\n".join)


@hypothesis.given(st.text() | _PAGES)
def test_property_never_raises_and_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert once == once.strip()
    assert "\n\n\n" not in once


@hypothesis.given(st.text(st.characters(exclude_categories=("Cs", "Cf"))) | _PAGES)
def test_property_adds_no_characters_but_whitespace(text: str) -> None:
    allowed = set(unicodedata.normalize("NFC", text)) | {" ", "\n"}
    assert set(clean_text(text)) <= allowed


@hypothesis.given(st.text() | _PAGES)
def test_property_parse_plain_article_never_raises(text: str) -> None:
    doc = parse_plain_article(text)
    assert doc.title is None or doc.title.strip() == doc.title != ""
    assert doc.body == clean_text(doc.body)
