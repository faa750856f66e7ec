"""The knowledge files (extractors/entities/data/): the shipped ones load and are valid; a
mistake in one names its file and line; and a newcomer's change -- an armed group added to
actors.toml -- reaches the entity extractor and the topic filter with no code change.

The group "Front Imaginaire du Gourma" is INVENTED for these tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from extractors import topic
from extractors.entities import AliasTable, Gazetteer, NoModel, extract_entities, knowledge
from extractors.entities.gazetteer import REGION_COUNTRIES
from extractors.entities.knowledge_files import (
    BUNDLED_DIR,
    FILES,
    KNOWLEDGE_ENV,
    KnowledgeFileError,
    knowledge_digest,
    load_knowledge,
)
from extractors.entities.records import ACTOR_SUBTYPES

NEW_GROUP = """
[[actor]]
name = "Front Imaginaire du Gourma"
subtype = "armed_group"
aliases = ["FIG"]
fr = ["Katiba Tinzawaten"]
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of the shipped knowledge files, to change."""
    return Path(shutil.copytree(BUNDLED_DIR, tmp_path / "knowledge"))


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def error_of(folder: Path) -> KnowledgeFileError:
    with pytest.raises(KnowledgeFileError) as caught:
        load_knowledge(folder)
    return caught.value


# --- the shipped files ---------------------------------------------------------------------


def test_the_shipped_files_load_and_are_valid() -> None:
    data = load_knowledge(BUNDLED_DIR)
    assert sorted(p.name for p in BUNDLED_DIR.iterdir() if p.suffix in (".toml", ".txt")) == (
        sorted(FILES)
    )
    assert {a.subtype for a in data.actors} == set(ACTOR_SUBTYPES)
    jnim = next(a for a in data.actors if a.name == "Jama'at Nusrat al-Islam wal-Muslimin")
    assert {"JNIM", "Groupe de soutien à l'islam et aux musulmans"} <= set(jnim.aliases)
    aqim = next(a for a in data.actors if a.name == "al-Qaeda in the Islamic Maghreb")
    assert "al-Qaida au Maghreb islamique" in aqim.aliases  # {al-Qaeda} spellings expanded
    assert len({c.iso for c in data.countries}) == len(data.countries)


def test_one_list_of_sahel_countries() -> None:
    assert knowledge.SAHEL_COUNTRIES == REGION_COUNTRIES
    assert knowledge.SAHEL_COUNTRIES[:3] == ("ML", "NE", "BF")  # Mali first
    assert knowledge.SAHEL_COUNTRY_NAMES[0] == "Mali"
    assert {"Burkina", "Mauritanie", "Côte d'Ivoire"} <= set(knowledge.SAHEL_COUNTRY_FORMS)
    assert "France" not in knowledge.SAHEL_COUNTRY_NAMES


def test_the_word_lists_keep_their_meaning() -> None:
    assert {"monday", "janvier", "new year"} <= knowledge.TIME_WORDS
    assert "janvier" in knowledge.MONTHS and "monday" not in knowledge.MONTHS
    assert "breaking" in knowledge.GENERIC_WORDS and "hilux" in knowledge.EQUIPMENT_WORDS
    assert {"katiba"} <= knowledge.ARMED_WORDS and "ministry" in knowledge.STATE_WORDS
    kinds = {(e.name, e.kind, e.subtype) for e in knowledge.builtin_entities()}
    assert {("AFP", "ignore", "media"), ("Sahel", "region", None),
            ("Mali", "country", None), ("Tuareg", "ignore", "people")} <= kinds


# --- mistakes name their file and line -----------------------------------------------------


@pytest.mark.parametrize(
    ("addition", "message"),
    [
        ('\n[[actor]]\nname = "Katiba X"\nkind = "militia"\nsubtype = "armed_group"\n',
         "kind 'militia'"),
        ('\n[[actor]]\nname = "Mali"\nkind = "country"\nsubtype = "state"\n',
         "countries belong in countries.toml"),
        ('\n[[actor]]\nname = "Katiba X"\nsubtype = "militia"\n', "subtype 'militia'"),
        ('\n[[actor]]\nsubtype = "armed_group"\naliases = ["KX"]\n', "has no name"),
        ('\n[[actor]]\nname = " "\nsubtype = "armed_group"\n', "empty name"),
        ('\n[[actor]]\nname = "Katiba X"\nsubtype = "armed_group"\nalias = ["KX"]\n',
         "unknown key 'alias'"),
        ('\n[[actor]]\nname = "Katiba Serma"\nsubtype = "armed_group"\n', "listed twice"),
        ('\n[[actor]]\nname = "Katiba X"\nsubtype = "armed_group"\naliases = ["KX", "KX"]\n',
         "'KX' is listed twice"),
        ('\n[[actor]]\nname = "Katiba X"\nsubtype = "armed_group"\nen = ["KX", "J.N.I.M."]\n',
         "already names \"Jama'at Nusrat al-Islam wal-Muslimin\" (line"),
        ('\n[[actor]]\nname = "Katiba X"\nsubtype = "armed_group"\ntopic = 2\n',
         "from 0 to 1"),
        ('\n[[actor]]\nname = "Katiba X"\nsubtype = "armed_group"\n'
         'aliases = ["{al-Qaida} in Mali"]\n', "unknown spelling placeholder"),
        ('\n[[actor]]\nname = "Katiba X\nsubtype = "armed_group"\n', "not valid TOML"),
    ],
)
def test_a_bad_actor_names_file_and_line(data: Path, addition: str, message: str) -> None:
    path = data / "actors.toml"
    first_new_line = len(path.read_text(encoding="utf-8").splitlines()) + 2
    append(path, addition)
    error = error_of(data)
    assert message in str(error)
    assert error.path == str(path) and f"actors.toml, line {error.line}:" in str(error)
    bad_lines = range(first_new_line, first_new_line + addition.count("\n"))
    assert error.line in bad_lines, (error.line, list(bad_lines), str(error))


def test_bad_countries_and_word_lists_name_file_and_line(data: Path) -> None:
    countries = data / "countries.toml"
    original = countries.read_text(encoding="utf-8")
    end = len(original.splitlines())
    append(countries, '\n[[country]]\nname = "Atlantis"\niso = "ML"\n')
    error = error_of(data)
    assert "iso 'ML' is listed twice" in str(error) and error.line == end + 4

    countries.write_text(original.replace("sahel = true\n", ""), encoding="utf-8")
    assert "no Sahel country" in str(error_of(data))
    countries.write_text(original, encoding="utf-8")

    months = data / "months.txt"
    end = len(months.read_text(encoding="utf-8").splitlines())
    append(months, "Janvier  # again, other case\n")
    error = error_of(data)
    assert "listed twice" in str(error) and error.line == end + 1
    assert str(error).startswith(f"{months}, line {end + 1}:")
    shutil.copy(BUNDLED_DIR / "months.txt", months)

    append(data / "armed_words.txt", "Katiba\n")
    assert "lower case" in str(error_of(data))
    shutil.copy(BUNDLED_DIR / "armed_words.txt", data / "armed_words.txt")

    append(data / "equipment_words.txt", "Land Cruiser\n")
    assert "one word per line" in str(error_of(data))
    shutil.copy(BUNDLED_DIR / "equipment_words.txt", data / "equipment_words.txt")

    (data / "armed_group.toml").write_text("", encoding="utf-8")  # a typo in a file name
    assert "unknown knowledge file" in str(error_of(data))
    (data / "armed_group.toml").unlink()
    (data / "regions.txt").unlink()
    assert "missing" in str(error_of(data))


def console_command() -> list[str]:
    """The `mali-monitor` command: the console script installed beside this interpreter, else
    the entry point pyproject.toml declares for it, run the way the script runs it."""
    script = Path(sys.executable).with_name("mali-monitor")
    if script.is_file():
        return [str(script)]
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    entry = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["scripts"]
    module, function = entry["mali-monitor"].split(":")
    return [sys.executable, "-c", f"import sys; from {module} import {function}; "
            f"sys.exit({function}())"]


def test_the_command_names_a_bad_file_in_one_line_without_a_traceback(
    data: Path, tmp_path: Path
) -> None:
    path = data / "actors.toml"
    bad_line = len(path.read_text(encoding="utf-8").splitlines()) + 4
    append(path, '\n[[actor]]\nname = "Katiba X"\nsubtype = "militia"\n')
    env = {**os.environ, KNOWLEDGE_ENV: str(data), topic.CACHE_ENV: str(tmp_path / "cache"),
           "PREFECT_HOME": str(tmp_path / "prefect")}
    done = subprocess.run(
        [*console_command(), "run", "--db", str(tmp_path / "none.duckdb")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith(f"mali-monitor: error: {path}, line {bad_line}: "), done.stderr
    assert "subtype 'militia'" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


# --- a newcomer adds an armed group --------------------------------------------------------


@pytest.fixture
def with_new_group(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The copy with one more armed group, in use through $MALI_MONITOR_KNOWLEDGE_DIR; the
    topic term table rebuilt in an empty cache folder."""
    append(data / "actors.toml", NEW_GROUP)
    monkeypatch.setenv(KNOWLEDGE_ENV, str(data))
    monkeypatch.setenv(topic.CACHE_ENV, str(tmp_path / "cache"))
    caches = (topic.knowledge_terms, topic._group_sound_pairs)
    knowledge.reload()
    for cached in caches:
        cached.cache_clear()
    try:
        yield data
    finally:
        monkeypatch.undo()
        knowledge.reload()
        for cached in caches:
            cached.cache_clear()


def test_an_armed_group_added_to_the_data_is_found_and_is_a_topic_term(
    with_new_group: Path, tmp_path: Path
) -> None:
    text = (
        "Le Front Imaginaire du Gourma a revendiqué l'attaque. Selon un élu, la Katiba "
        "Tinzawaten, un autre nom du FIG, contrôle la route."
    )
    found = extract_entities(
        [("a", text, "fr")], NoModel(), Gazetteer.baseline(), AliasTable.builtin()
    )["a"]
    group = next(c for c in found if c.name == "Front Imaginaire du Gourma")
    assert group.kind == "actor" and group.subtype == "armed_group" and group.known
    assert {m.surface for m in group.mentions} >= {"Katiba Tinzawaten", "FIG"}

    terms = topic.knowledge_terms()
    assert terms["Front Imaginaire du Gourma"] == 0.5 == terms["Katiba Tinzawaten"]
    assert "FIG" not in terms  # three letters: too short to tell a text is about Mali
    assert any((tmp_path / "cache").glob("topic-terms-*.json"))
    decision = topic.TopicFilter(topic.TopicSettings()).assess(
        "La Katiba Tinzawaten revendique une attaque"
    )
    assert decision.outcome == "in_doubt" and "Katiba Tinzawaten" in decision.matched


def test_the_topic_cache_key_covers_the_data_files(data: Path) -> None:
    before = knowledge_digest(data)
    assert before == knowledge_digest(BUNDLED_DIR)
    append(data / "actors.toml", NEW_GROUP)
    assert knowledge_digest(data) != before


def test_the_cache_file_name_changes_with_the_data(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = topic.term_cache_path()
    monkeypatch.setenv(KNOWLEDGE_ENV, str(data))
    assert topic.term_cache_path() == shipped  # an identical copy: the same table
    append(data / "actors.toml", NEW_GROUP)
    assert topic.term_cache_path() != shipped
