"""Entity extraction: seeds regression, alias resolution, new entities (EN and FR), noise,
gazetteer, alias file.

The spaCy models are loaded once per session (`model` fixture; `load_pipeline` is also cached
per process). Articles marked INVENTED below were written for these tests: their people,
groups and villages do not exist.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.cleaning import parse_plain_article
from extractors.entities import (
    AliasFileError,
    AliasTable,
    EntityCandidate,
    Gazetteer,
    GazetteerError,
    KnownEntity,
    NoModel,
    SpacyNerModel,
    canonical_key,
    extract_entities,
    load_alias_file,
    load_geonames_extract,
    norm,
    to_known,
)

SEEDS = sorted((Path(__file__).parents[1] / "warehouse" / "seeds").glob("*.txt"))


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def model() -> SpacyNerModel:
    ner = SpacyNerModel()
    ner.pipeline("en")
    ner.pipeline("fr")
    return ner


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.baseline()


@pytest.fixture(scope="session")
def builtin() -> AliasTable:
    return AliasTable.builtin()


@pytest.fixture(scope="session")
def seed_entities(model, gazetteer, builtin) -> dict[str, list[EntityCandidate]]:
    articles = [
        (p.stem, parse_plain_article(p.read_text(encoding="utf-8")).body, "en") for p in SEEDS
    ]
    return extract_entities(articles, model, gazetteer, builtin)


@pytest.fixture(scope="session")
def seed_table(seed_entities, builtin) -> AliasTable:
    """What the warehouse knows after `init`: the built-in list + the seeds' entities."""
    return builtin.merged(to_known(c) for cands in seed_entities.values() for c in cands)


def _all(found: dict[str, list[EntityCandidate]]) -> list[EntityCandidate]:
    return [c for cands in found.values() for c in cands]


def _one(found: dict[str, list[EntityCandidate]], article_id: str) -> dict[str, EntityCandidate]:
    return {c.key: c for c in found[article_id]}


# ----------------------------------------------------------------------------- seeds
def test_seed_entities_regression(seed_entities):
    cands = _all(seed_entities)
    towns = {c.key for c in cands if c.kind == "town"}
    actors = {c.key for c in cands if c.kind == "actor"}
    for name in ("Konna", "Diabaly", "Mopti", "Sévaré", "Bamako", "Kidal"):
        assert canonical_key(name, "town") in towns, name
    for name in (
        "al-Qaeda in the Islamic Maghreb",  # AQIM
        "Movement for Oneness and Jihad in West Africa",  # MUJAO
        "Ansar Dine",
        "National Movement for the Liberation of Azawad",  # MNLA
        "Economic Community of West African States",  # ECOWAS
        "François Hollande",
        "Laurent Fabius",
        "Jean-Yves Le Drian",
        "Dioncounda Traoré",
    ):
        assert canonical_key(name, "actor") in actors, name
    by_key = {c.key: c for c in cands}
    assert by_key["actor:al-qaeda-in-the-islamic-maghreb"].subtype == "armed_group"
    assert by_key["actor:ansar-dine"].subtype == "armed_group"
    assert by_key["actor:francois-hollande"].subtype == "person"
    assert by_key["actor:economic-community-of-west-african-states"].subtype == "organisation"
    assert by_key["town:bamako"].country_code == "ML" and by_key["town:bamako"].latitude


def test_seed_variants_resolve_to_one_entity(seed_entities):
    keys_by_surface: dict[str, set[str]] = {}
    for c in _all(seed_entities):
        for m in c.mentions:
            keys_by_surface.setdefault(m.surface, set()).add(m.canonical_key)
    for surface in (
        "Sevare",
        "Hollande",
        "Francois Hollande",
        "François Hollande",
        "AQIM",
        "MUJAO",
    ):
        assert len(keys_by_surface.get(surface, set())) == 1, (
            surface,
            keys_by_surface.get(surface),
        )
    assert keys_by_surface["Hollande"] == keys_by_surface["François Hollande"]
    assert keys_by_surface["Francois Hollande"] == keys_by_surface["François Hollande"]
    assert keys_by_surface["MUJAO"] == {"actor:movement-for-oneness-and-jihad-in-west-africa"}


def test_mali_is_never_a_town_or_a_person(seed_entities):
    for c in _all(seed_entities):
        assert norm(c.name) != "mali"
        assert all(norm(m.surface) != "mali" for m in c.mentions), c


def test_mentions_point_into_the_text(seed_entities):
    texts = {p.stem: parse_plain_article(p.read_text(encoding="utf-8")).body for p in SEEDS}
    for article_id, cands in seed_entities.items():
        for c in cands:
            for m in c.mentions:
                assert texts[article_id][m.start_char : m.end_char] == m.surface
                assert m.surface in m.sentence and m.sentence in texts[article_id]
                assert m.canonical_key == c.key


# ----------------------------------------------------------------------------- known, other forms
# INVENTED articles mentioning seed entities under other forms.
EN_KNOWN = """Hollande vows to stay the course in Mali

Hollande told reporters on Wednesday that French troops would remain in Sevare until the Malian
army could hold the town. Fighters of al-Qaeda in the Islamic Maghreb were reported to be
regrouping north of Timbuktu, in the desert."""

FR_KNOWN = """Mali : Hollande promet de rester

Le président François Hollande a affirmé jeudi que les soldats français resteraient à Sévaré.
Les combattants d'Al-Qaïda au Maghreb islamique (AQMI) se regroupent au nord de Tombouctou,
selon une source sécuritaire. La CEDEAO doit se réunir à Abuja."""


def test_other_forms_resolve_to_seed_keys(model, gazetteer, seed_table):
    found = extract_entities(
        [("en", EN_KNOWN, "en"), ("fr", FR_KNOWN, "fr")], model, gazetteer, seed_table
    )
    en, fr = _one(found, "en"), _one(found, "fr")
    for keys in (en, fr):
        assert "actor:francois-hollande" in keys
        assert "town:sevare" in keys
        assert "actor:al-qaeda-in-the-islamic-maghreb" in keys
        assert "town:timbuktu" in keys  # Timbuktu = Tombouctou
    assert en["actor:francois-hollande"].known and fr["actor:francois-hollande"].known
    assert "AQMI" in fr["actor:al-qaeda-in-the-islamic-maghreb"].aliases
    assert "actor:economic-community-of-west-african-states" in fr  # CEDEAO = ECOWAS
    assert fr["town:timbuktu"].latitude is not None


# ----------------------------------------------------------------------------- new entities
# INVENTED: a new armed group, a new minister, a new village (and one known town, Mopti).
EN_NEW = """Jihadists kill 12 in central Mali village

Gunmen from the Sahel Mujahideen Brigade, a militant group that emerged this year, attacked the
village of Ndiagourou on Tuesday, killing at least 12 civilians, local officials said. The
group's fighters arrived on motorcycles and burned the market.
Mali's newly appointed security minister, Oumarou Sangaré, travelled to Mopti after the attack.
"The state will protect every village," Sangaré said."""

FR_NEW = """Mali : une nouvelle milice attaque un village du centre

Le groupe armé Front de libération du Kounari, apparu cette année, a attaqué mardi le village de
Sogodaga, tuant au moins douze civils, selon des élus locaux. Le nouveau ministre de la
Sécurité, Bréhima Dembélé, s'est rendu à Mopti après l'attaque. « L'État protégera chaque
village », a déclaré M. Dembélé."""


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        (
            EN_NEW,
            "en",
            {
                ("actor:sahel-mujahideen-brigade", "armed_group"),
                ("actor:oumarou-sangare", "person"),
                ("town:ndiagourou", None),
            },
        ),
        (
            FR_NEW,
            "fr",
            {
                ("actor:front-de-liberation-du-kounari", "armed_group"),
                ("actor:brehima-dembele", "person"),
                ("town:sogodaga", None),
            },
        ),
    ],
    ids=["en", "fr"],
)
def test_new_entities_are_exactly_the_new_ones(
    model, gazetteer, seed_table, text, language, expected
):
    found = extract_entities([("a", text, language)], model, gazetteer, seed_table)["a"]
    new = {(c.key, c.subtype) for c in found if c.key not in seed_table}
    assert new == expected
    by_key = {c.key: c for c in found}
    assert by_key["town:mopti"].known  # a seed town, not new
    person = next(c for c in found if c.subtype == "person")
    assert len(person.mentions) == 2  # the full name and the surname alone


def test_a_name_established_earlier_in_the_batch_resolves_later(model, gazetteer, builtin):
    # INVENTED
    first = "Colonel Amadou Diallo Sangho, the new army chief of staff, visited Gao on Monday."
    second = "Sangho said the army would retake the town within weeks."
    found = extract_entities([("1", first, "en"), ("2", second, "en")], model, gazetteer, builtin)
    assert "actor:amadou-diallo-sangho" in _one(found, "1")
    assert "actor:amadou-diallo-sangho" in _one(found, "2")


# ----------------------------------------------------------------------------- noise
# INVENTED byline, credit, weekday, platform, agency.
NOISE_EN = """By Jane Porter and Kofi Mensah
Photo: Marc Dubuisson/AFP

On Monday, residents posted videos on Twitter and Facebook, AFP reported.
"It was quiet on Friday," a resident told AFP. Reuters could not verify the footage.
FRANCE 24's Matthieu Lebrun said the streets were empty. Lebrun added that shops had closed."""

NOISE_FR = """Par Jean Dupont, envoyé spécial
Crédit photo : Michele Cattani / AFP

Lundi, des habitants ont publié des vidéos sur Twitter et WhatsApp, selon l'AFP. « C'était calme
vendredi », a déclaré un habitant à Reuters."""


@pytest.mark.parametrize(
    ("text", "language"), [(NOISE_EN, "en"), (NOISE_FR, "fr")], ids=["en", "fr"]
)
def test_bylines_credits_weekdays_platforms_agencies_are_not_entities(
    model, gazetteer, builtin, text, language
):
    found = extract_entities([("n", text, language)], model, gazetteer, builtin)["n"]
    assert found == [], [(c.name, c.kind, c.evidence) for c in found]


# ----------------------------------------------------------------------------- rules alone
def test_rules_without_a_model_type_unknown_names_from_context(gazetteer, builtin):
    # INVENTED; no statistical model at all: context, acronyms and known names only.
    text = (
        "The Front for the Liberation of the Niger Bend (FLNB) claimed the attack on the town "
        "of Tinzawatene-Sud. The FLNB said its fighters also raided Boulkessi. President "
        "Assimi Goïta met the Prime Minister."
    )
    found = extract_entities([("r", text, "en")], NoModel(), gazetteer, builtin)["r"]
    by_key = {c.key: c for c in found}
    group = by_key["actor:front-for-the-liberation-of-the-niger-bend"]
    assert group.subtype == "armed_group" and "FLNB" in group.aliases
    assert [m.surface for m in group.mentions] == [
        "Front for the Liberation of the Niger Bend",
        "FLNB",
        "FLNB",
    ]
    assert by_key["town:tinzawatene-sud"].kind == "town"
    assert by_key["actor:assimi-goita"].subtype == "person"


# ----------------------------------------------------------------------------- keys
def test_canonical_key_ignores_accents_case_and_punctuation():
    assert canonical_key("Sévaré", "town") == canonical_key("SEVARE", "town") == "town:sevare"
    assert canonical_key("al-Qaeda", "actor") == canonical_key("Al Qaeda", "actor")
    assert norm("U.N.") == norm("UN") == "un"


def test_alias_table_resolves_forms_surnames_and_respects_acronym_case(builtin):
    assert builtin.resolve("AQMI").key == builtin.resolve("al-Qaida au Maghreb islamique").key
    assert (
        builtin.resolve("JNIM").key
        == builtin.resolve("Groupe de soutien à l'islam et aux musulmans").key
    )
    assert builtin.resolve("GSIM").key == builtin.resolve("JNIM").key
    assert builtin.resolve("CEDEAO").key == builtin.resolve("ECOWAS").key
    assert builtin.resolve("MINUSMA").kind == "actor"
    assert builtin.resolve("Mali").kind == "country"
    assert builtin.resolve("Twitter").kind == "ignore"
    assert builtin.resolve("is") is None  # not "IS"
    table = builtin.merged([KnownEntity("François Hollande", "actor", "person")])
    assert table.resolve_surname("Hollande").key == "actor:francois-hollande"


# ----------------------------------------------------------------------------- gazetteer
def test_baseline_gazetteer_has_malian_towns(gazetteer):
    for name in ("Bamako", "Gao", "Kidal", "Mopti", "Tombouctou", "Ségou"):
        place = gazetteer.lookup(name)
        assert place is not None and place.country_code == "ML", name
        assert -13 < place.longitude < 5 and 10 < place.latitude < 25
    assert gazetteer.lookup("Mopti").region == "Mopti"
    assert gazetteer.lookup("Niamey").country_code == "NE"
    assert gazetteer.foreign("Paris") and not gazetteer.foreign("Gao")


def _geonames_line(gid, name, alternates, lat, lon, fclass, fcode, cc, admin1, pop):
    cols = [
        str(gid),
        name,
        name,
        alternates,
        str(lat),
        str(lon),
        fclass,
        fcode,
        cc,
        "",
        admin1,
        "",
        "",
        "",
        str(pop),
        "",
        "280",
        "Africa/Bamako",
        "2020-01-01",
    ]
    assert len(cols) == 19
    return "\t".join(cols) + "\n"


def test_geonames_extract_adds_a_village_that_then_resolves(tmp_path, model, gazetteer, builtin):
    extract = tmp_path / "ML.txt"
    extract.write_text(
        _geonames_line(
            9000001, "Ogossagou", "Ogossagou-Peul,Ogosagou", 14.3, -3.52, "P", "PPL", "ML", "04", 0
        )
        + _geonames_line(9000002, "Niger River bend", "", 16.0, -1.0, "H", "STM", "ML", "", 0)
        + _geonames_line(9000003, "Boni", "", 15.05, -1.88, "P", "PPL", "ML", "04", 0),
        encoding="utf-8",
    )
    places = load_geonames_extract(extract)
    assert [p.name for p in places] == ["Ogossagou", "Boni"]  # feature class P only
    assert places[0].region == "Mopti" and places[0].alternate_names == (
        "Ogossagou-Peul",
        "Ogosagou",
    )
    merged = gazetteer.with_places(places)
    assert len(merged) == len(gazetteer) + 2 and gazetteer.lookup("Ogossagou") is None
    # INVENTED
    text = "Gunmen attacked Ogossagou on Saturday. Survivors fled to Bankass."
    town = _one(extract_entities([("g", text, "en")], model, merged, builtin), "g")[
        "town:ogossagou"
    ]
    assert (town.latitude, town.longitude, town.country_code) == (14.3, -3.52, "ML")


def test_geonames_extract_rejects_malformed_lines():
    with pytest.raises(GazetteerError, match="line 1"):
        load_geonames_extract(["not\ta\tgeonames\tline\n"])


# ----------------------------------------------------------------------------- alias file
def test_alias_file_adds_entities_and_noise(tmp_path, gazetteer, builtin):
    path = tmp_path / "aliases.toml"
    path.write_text(
        '"Coordination des mouvements de l\'Entente" = ["CME"]\n\n'
        '["Katiba Hanifa"]\nkind = "actor"\nsubtype = "armed_group"\n'
        'aliases = ["KH", "Hanifa brigade"]\n\n'
        '["Tinzawatene"]\nkind = "town"\naliases = ["Tin-Zaouatene"]\n'
        'latitude = 19.96\nlongitude = 2.96\ncountry_code = "ML"\n\n'
        '["Daily Sahel"]\nkind = "ignore"\n',
        encoding="utf-8",
    )
    entities = load_alias_file(path)
    table = builtin.merged(entities)
    assert table.resolve("KH").key == "actor:katiba-hanifa"
    assert table.resolve("Tin-Zaouatene").kind == "town"
    assert table.resolve("CME").subtype == "organisation"
    # INVENTED
    text = "KH fighters entered Tin-Zaouatene, the Daily Sahel reported."
    found = _one(extract_entities([("a", text, "en")], NoModel(), gazetteer, table), "a")
    assert set(found) == {"actor:katiba-hanifa", "town:tinzawatene"}
    assert found["town:tinzawatene"].latitude == 19.96


def test_alias_file_errors_are_named(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('["X"]\nkind = "village"\n', encoding="utf-8")
    with pytest.raises(AliasFileError, match="kind must be one of"):
        load_alias_file(bad)
    with pytest.raises(AliasFileError, match="cannot read"):
        load_alias_file(tmp_path / "missing.toml")


def test_a_town_cue_outweighs_a_namesake_abroad(model, gazetteer, builtin):
    # INVENTED. Léré is a Malian town, but the baseline gazetteer only knows Léré in Chad.
    text = (
        "Des hommes armés ont attaqué lundi la ville de Léré, dans la région de Tombouctou, "
        "selon des élus locaux."
    )
    found = extract_entities([("1", text, "fr")], model, gazetteer, builtin)
    assert "town:lere" in _one(found, "1")
