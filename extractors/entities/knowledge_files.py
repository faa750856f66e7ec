"""The knowledge files: reading and checking `extractors/entities/data/`.

What the entity extractor and the topic filter know before reading any text lives in data
files a reviewer can read, one entry per table or line:

    actors.toml          armed groups, organisations, state bodies, people: [[actor]] tables
                         with name, subtype, aliases / en / fr forms, topic weight
    countries.toml       countries: [[country]] tables with name, iso, sahel, forms
    regions.txt          regions, areas, seas: never a town, never an actor
    noise_media.txt      media and agencies        \\
    noise_platforms.txt  platforms and tech firms   |  never an entity ("ignore")
    noise_peoples.txt    peoples, religions         |
    noise_demonyms.txt   demonyms                   |
    noise_metonyms.txt   seats of government       /
    given_names.txt      first names: a name starting with one is a person's
    generic_words.txt    capitalised common words, never an entity on their own
    equipment_words.txt  weapons and vehicles: a name with one is equipment
    armed_words.txt      words that make a name an armed group  \\
    org_words.txt        ... an organisation                     |  one lower-case word a line
    state_words.txt      ... a state body                       /
    months.txt           month names and abbreviations (EN, FR)
    time_words.txt       weekdays, holidays, "today" ...

Text files: one entry per line, `#` starts a comment. The folder is the bundled one unless
`$MALI_MONITOR_KNOWLEDGE_DIR` names another (a full copy of it, changed), read once per
process at start. Every file is checked as it is read: unknown keys and files, unknown
subtypes, empty names, duplicates, a form naming two actors, TOML errors -- each a
`KnowledgeFileError` naming the file and line.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from extractors.entities.normalize import norm
from extractors.entities.records import ACTOR_SUBTYPES, KNOWN_KINDS
from extractors.errors import MonitorError

__all__ = [
    "BUNDLED_DIR",
    "DEFAULT_TOPIC_WEIGHTS",
    "KNOWLEDGE_ENV",
    "Actor",
    "Country",
    "Knowledge",
    "KnowledgeFileError",
    "forget_loaded",
    "knowledge_dir",
    "knowledge_digest",
    "load_knowledge",
]

KNOWLEDGE_ENV = "MALI_MONITOR_KNOWLEDGE_DIR"
BUNDLED_DIR = Path(__file__).parent / "data"

# Topic weight of an actor whose table has no `topic` key (other subtypes: 0, no signal).
DEFAULT_TOPIC_WEIGHTS: Mapping[str, float] = {"armed_group": 0.5, "person": 0.5}

ACTORS_FILE = "actors.toml"
COUNTRIES_FILE = "countries.toml"
# word-list file -> (entries are single words, entries compared case-folded, lower case only)
WORD_FILES: Mapping[str, tuple[bool, bool, bool]] = {
    "regions.txt": (False, False, False),
    "noise_media.txt": (False, False, False),
    "noise_platforms.txt": (False, False, False),
    "noise_peoples.txt": (False, False, False),
    "noise_demonyms.txt": (False, False, False),
    "noise_metonyms.txt": (False, False, False),
    "given_names.txt": (True, True, False),
    "generic_words.txt": (True, True, False),
    "equipment_words.txt": (True, True, False),
    "armed_words.txt": (True, False, True),
    "org_words.txt": (True, False, True),
    "state_words.txt": (True, False, True),
    "months.txt": (True, True, False),
    "time_words.txt": (False, True, False),
}
FILES = (ACTORS_FILE, COUNTRIES_FILE, *WORD_FILES)

_ACTOR_KEYS = ("name", "kind", "subtype", "aliases", "en", "fr", "topic")
_COUNTRY_KEYS = ("name", "iso", "sahel", "aliases", "en", "fr")
_FORM_KEYS = ("aliases", "en", "fr")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ISO = re.compile(r"[A-Z]{2}")


class KnowledgeFileError(MonitorError):
    """A knowledge file that cannot be read or has an invalid entry."""

    def __init__(self, message: str, *, path: str, line: int | None = None) -> None:
        where = f"{path}, line {line}" if line else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


@dataclass(frozen=True, slots=True)
class Actor:
    name: str
    subtype: str  # one of ACTOR_SUBTYPES
    aliases: tuple[str, ...]  # every form but the name, spellings expanded, in file order
    topic: float | None  # the weight in the topic filter; None: DEFAULT_TOPIC_WEIGHTS
    line: int


@dataclass(frozen=True, slots=True)
class Country:
    name: str
    iso: str
    sahel: bool
    aliases: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Knowledge:
    """Every knowledge file of one folder, read and checked."""

    directory: Path
    actors: tuple[Actor, ...]
    countries: tuple[Country, ...]
    words: Mapping[str, tuple[str, ...]]  # word-list file name -> its entries, in order

    def actor_table(self, subtype: str) -> list[tuple[str, list[str]]]:
        """(name, aliases) of the actors of one subtype, in file order."""
        return [(a.name, list(a.aliases)) for a in self.actors if a.subtype == subtype]

    @property
    def sahel(self) -> tuple[Country, ...]:
        """The Sahel countries, in file order: Mali first."""
        return tuple(c for c in self.countries if c.sahel)


def knowledge_dir() -> Path:
    """$MALI_MONITOR_KNOWLEDGE_DIR, else the bundled `extractors/entities/data/`."""
    return Path(os.environ.get(KNOWLEDGE_ENV) or BUNDLED_DIR)


def load_knowledge(directory: str | PathLike[str] | None = None) -> Knowledge:
    """The knowledge files of `directory` (default: `knowledge_dir()`), read and checked
    once per process and folder. Raises KnowledgeFileError."""
    return _load(Path(directory) if directory is not None else knowledge_dir())


def forget_loaded() -> None:
    """Read the files again on the next `load_knowledge` (they changed on disk)."""
    _load.cache_clear()


def knowledge_digest(directory: str | PathLike[str] | None = None) -> str:
    """A hash of the knowledge files' names and contents: what a cache built from them is
    keyed on."""
    folder = Path(directory) if directory is not None else knowledge_dir()
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(name.encode())
        try:
            digest.update((folder / name).read_bytes())
        except OSError:
            digest.update(b"-")
    return digest.hexdigest()


@functools.cache
def _load(directory: Path) -> Knowledge:
    if not directory.is_dir():
        raise KnowledgeFileError(
            f"not a folder (${KNOWLEDGE_ENV} names a copy of {BUNDLED_DIR})", path=str(directory)
        )
    for path in sorted(directory.iterdir()):
        if path.suffix in (".toml", ".txt") and path.name not in FILES:
            raise KnowledgeFileError(
                f"unknown knowledge file (the files are: {', '.join(FILES)})", path=str(path)
            )
    actors = _read_actors(directory / ACTORS_FILE)
    countries = _read_countries(directory / COUNTRIES_FILE)
    words = {name: _read_words(directory / name, *WORD_FILES[name]) for name in WORD_FILES}
    return Knowledge(directory, actors, countries, words)


# --------------------------------------------------------------------------- reading


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise KnowledgeFileError(
            f"missing (every knowledge file must be there; copy it from {BUNDLED_DIR})",
            path=str(path),
        ) from e
    except OSError as e:
        raise KnowledgeFileError(f"cannot read ({e.strerror})", path=str(path)) from e
    except UnicodeDecodeError as e:
        raise KnowledgeFileError("not UTF-8 text", path=str(path)) from e


def _read_words(path: Path, single: bool, folded: bool, lower: bool) -> tuple[str, ...]:
    seen: dict[str, int] = {}
    out: list[str] = []
    for number, line in enumerate(_text(path).splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        if single and len(entry.split()) > 1:
            raise KnowledgeFileError(
                f"{entry!r}: one word per line (names are matched word by word here)",
                path=str(path), line=number,
            )
        if lower and entry != entry.lower():
            raise KnowledgeFileError(
                f"{entry!r}: write it in lower case ({entry.lower()!r})",
                path=str(path), line=number,
            )
        key = entry.casefold() if folded else entry
        if key in seen:
            raise KnowledgeFileError(
                f"{entry!r} is listed twice (first on line {seen[key]})",
                path=str(path), line=number,
            )
        seen[key] = number
        out.append(entry)
    return tuple(out)


class _Toml:
    """A parsed TOML file and where its tables and keys are, for messages with a line."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        text = _text(path)
        try:
            self.data: dict[str, Any] = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            found = re.search(r"at line (\d+)", str(e))
            raise KnowledgeFileError(
                f"not valid TOML ({e})", path=self.path, line=int(found.group(1)) if found else None
            ) from e
        self.lines = text.splitlines()

    def error(self, message: str, line: int | None) -> KnowledgeFileError:
        return KnowledgeFileError(message, path=self.path, line=line)

    def top_key_line(self, key: str) -> int | None:
        pattern = re.compile(rf"\s*(\[\[?\s*)?[\"']?{re.escape(key)}[\"']?\s*(\]|=|\.)")
        for number, line in enumerate(self.lines, start=1):
            if pattern.match(line):
                return number
        return None

    def tables(self, name: str) -> Iterator[tuple[int, int, Any]]:
        """(header line, end line, table) of each [[name]] table."""
        header = re.compile(rf"\s*\[\[\s*{re.escape(name)}\s*\]\]")
        starts = [n for n, line in enumerate(self.lines, start=1) if header.match(line)]
        tables = self.data.get(name, [])
        if not isinstance(tables, list) or len(tables) != len(starts):
            raise self.error(f"{name!r} must be [[{name}]] tables", self.top_key_line(name))
        other = re.compile(r"\s*\[")
        for start, table in zip(starts, tables, strict=True):
            end = next(
                (n for n in range(start + 1, len(self.lines) + 1)
                 if other.match(self.lines[n - 1])),
                len(self.lines) + 1,
            )
            yield start, end, table

    def key_line(self, start: int, end: int, key: str, value: str | None = None) -> int:
        """The line of `key` (or of the string `value`) in lines start..end, else start."""
        pattern = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
        in_key = False
        for number in range(start, min(end, len(self.lines) + 1)):
            line = self.lines[number - 1]
            if pattern.match(line):
                in_key = True
                if value is None:
                    return number
            elif re.match(r"\s*[\w\"']+\s*=", line):
                in_key = False
            if in_key and value is not None and (
                f'"{value}"' in line or f"'{value}'" in line
            ):
                return number
        return start


def _check_keys(toml: _Toml, start: int, end: int, table: Any, allowed: tuple[str, ...],
                what: str) -> None:
    if not isinstance(table, dict):
        raise toml.error(f"each [[{what}]] must be a table", start)
    for key in table:
        if key not in allowed:
            raise toml.error(
                f"unknown key {key!r} in [[{what}]] (known: {', '.join(allowed)})",
                toml.key_line(start, end, key),
            )


def _name(toml: _Toml, start: int, end: int, table: dict[str, Any], what: str) -> str:
    name = table.get("name")
    if name is None:
        raise toml.error(f"this [[{what}]] has no name (name = \"...\")", start)
    if not isinstance(name, str) or not name.strip():
        raise toml.error(f"empty name in [[{what}]]", toml.key_line(start, end, "name"))
    if name != name.strip():
        raise toml.error(f"name {name!r} has spaces around it", toml.key_line(start, end, "name"))
    return name


def _forms(toml: _Toml, start: int, end: int, table: dict[str, Any], name: str,
           spellings: Mapping[str, list[str]]) -> tuple[str, ...]:
    """The aliases / en / fr forms of one table, in order, spellings expanded."""
    out: list[str] = []
    seen: set[str] = set()
    for key in _FORM_KEYS:
        forms = table.get(key, [])
        if not isinstance(forms, list):
            raise toml.error(f"{key} must be a list of names: {key} = [\"...\"]",
                             toml.key_line(start, end, key))
        for form in forms:
            if not isinstance(form, str) or not form.strip():
                raise toml.error(f"an empty or non-text name in {key} of {name!r}",
                                 toml.key_line(start, end, key))
            line = toml.key_line(start, end, key, form)
            if form in seen:
                raise toml.error(f"{form!r} is listed twice for {name!r}", line)
            seen.add(form)
            for expanded in _expand(form, spellings):
                if expanded is None:
                    raise toml.error(
                        f"{form!r}: unknown spelling placeholder (known: "
                        f"{', '.join('{' + s + '}' for s in spellings) or 'none'})", line)
                out.append(expanded)
    return tuple(out)


def _expand(form: str, spellings: Mapping[str, list[str]]) -> list[str | None]:
    found = _PLACEHOLDER.search(form)
    if found is None:
        return [form]
    if found.group(1) not in spellings:
        return [None]
    return [form.replace(found.group(0), s) for s in spellings[found.group(1)]]


def _check_unique_forms(toml: _Toml, entries: list[tuple[int, int, str, tuple[str, ...]]],
                        what: str) -> None:
    """A name or form names one entry only (case, accents, hyphens and full stops ignored)."""
    owner: dict[str, tuple[str, int]] = {}
    names: dict[str, int] = {}
    for start, end, name, forms in entries:
        if name in names:
            raise toml.error(f"{what} {name!r} is listed twice (first on line {names[name]})",
                             toml.key_line(start, end, "name"))
        names[name] = start
        for form in (name, *forms):
            key = norm(form)
            if not key:
                raise toml.error(f"{form!r} has no letters or digits", start)
            first = owner.get(key)
            if first is not None and first[0] != name:
                if form == name and norm(first[0]) == key:
                    message = f"{what} {name!r} is listed twice (first on line {first[1]})"
                else:
                    message = (f"{form!r} of {name!r} already names {first[0]!r} "
                               f"(line {first[1]}): a form may name one {what} only")
                raise toml.error(message, _line_of(toml, start, end, form))
            owner.setdefault(key, (name, start))


def _line_of(toml: _Toml, start: int, end: int, form: str) -> int:
    for key in ("name", *_FORM_KEYS):
        line = toml.key_line(start, end, key, form)
        if line != start:
            return line
    return start


def _read_actors(path: Path) -> tuple[Actor, ...]:
    toml = _Toml(path)
    for key in toml.data:
        if key not in ("actor", "spellings"):
            raise toml.error(f"unknown table {key!r} (known: [[actor]], [spellings])",
                             toml.top_key_line(key))
    spellings = toml.data.get("spellings", {})
    line = toml.top_key_line("spellings")
    if not isinstance(spellings, dict):
        raise toml.error("[spellings] must be a table of lists", line)
    for key, forms in spellings.items():
        if not key or not isinstance(forms, list) or not forms or not all(
            isinstance(f, str) and f.strip() for f in forms
        ):
            raise toml.error(f"spelling {key!r} must be a list of names", line)
    actors: list[Actor] = []
    entries: list[tuple[int, int, str, tuple[str, ...]]] = []
    for start, end, table in toml.tables("actor"):
        _check_keys(toml, start, end, table, _ACTOR_KEYS, "actor")
        name = _name(toml, start, end, table, "actor")
        kind = table.get("kind", "actor")
        if kind != "actor":
            where = {"country": f"countries belong in {COUNTRIES_FILE}",
                     "region": "regions belong in regions.txt",
                     "ignore": "names never reported belong in the noise_*.txt files",
                     "town": "towns come from the gazetteer (mali-monitor gazetteer import)"}
            hint = where.get(kind, f"the kinds are: {', '.join(KNOWN_KINDS)}")
            raise toml.error(f"kind {kind!r} of {name!r}: this file holds actors only ({hint})",
                             toml.key_line(start, end, "kind"))
        subtype = table.get("subtype")
        if subtype not in ACTOR_SUBTYPES:
            raise toml.error(
                f"subtype {subtype!r} of {name!r}: one of {', '.join(ACTOR_SUBTYPES)}"
                if subtype is not None else f"{name!r} has no subtype "
                f"(subtype = one of {', '.join(ACTOR_SUBTYPES)})",
                toml.key_line(start, end, "subtype"),
            )
        topic = table.get("topic")
        if topic is not None and (
            isinstance(topic, bool) or not isinstance(topic, (int, float)) or not 0 <= topic <= 1
        ):
            raise toml.error(f"topic of {name!r} must be a number from 0 to 1",
                             toml.key_line(start, end, "topic"))
        forms = _forms(toml, start, end, table, name, spellings)
        actors.append(Actor(name, subtype, forms, None if topic is None else float(topic),
                            start))
        entries.append((start, end, name, forms))
    _check_unique_forms(toml, entries, "actor")
    return tuple(actors)


def _read_countries(path: Path) -> tuple[Country, ...]:
    toml = _Toml(path)
    for key in toml.data:
        if key != "country":
            raise toml.error(f"unknown table {key!r} (known: [[country]])",
                             toml.top_key_line(key))
    countries: list[Country] = []
    entries: list[tuple[int, int, str, tuple[str, ...]]] = []
    codes: dict[str, int] = {}
    for start, end, table in toml.tables("country"):
        _check_keys(toml, start, end, table, _COUNTRY_KEYS, "country")
        name = _name(toml, start, end, table, "country")
        iso = table.get("iso")
        if not isinstance(iso, str) or not _ISO.fullmatch(iso):
            raise toml.error(f"iso of {name!r}: its two-letter ISO 3166 code (iso = \"ML\")",
                             toml.key_line(start, end, "iso"))
        if iso in codes:
            raise toml.error(f"iso {iso!r} is listed twice (first on line {codes[iso]})",
                             toml.key_line(start, end, "iso"))
        codes[iso] = start
        sahel = table.get("sahel", False)
        if not isinstance(sahel, bool):
            raise toml.error(f"sahel of {name!r} must be true or false",
                             toml.key_line(start, end, "sahel"))
        forms = _forms(toml, start, end, table, name, {})
        countries.append(Country(name, iso, sahel, forms, start))
        entries.append((start, end, name, forms))
    _check_unique_forms(toml, entries, "country")
    if not any(c.sahel for c in countries):
        raise toml.error("no Sahel country (sahel = true): Mali at least", None)
    return tuple(countries)
