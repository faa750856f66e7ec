"""Span finders: names a phrase pattern points at, found without the NER model.

"the villages of A, B and C", "between Diarra and Tenenkou", "Operation Barkhane", "the
jihadist group X", "President X", "X, a leader of", "X, known as Y", French names of bodies
("Association des ressortissants de Kidal"), "the miner B2Gold", runs of capitalised words
that start with a given name. Each finder yields (start, end) offsets into the text; the
extractor cleans and types them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from extractors.entities.context import _R_ROLE_APPOS, _right
from extractors.entities.knowledge import GENERIC_WORDS, TIME_WORDS
from extractors.entities.names import given_name_person
from extractors.entities.patterns import (
    _ARMED_ADJ,
    _ARMED_ADJ_FR,
    _CONNECT,
    _NAME_PARTICLE,
    _PLACE_NOUN,
    _PLACE_NOUN_FR,
    _ROLE,
    _TITLE_MODIFIER,
    CAP,
    NAME,
)

# ----------------------------------------------------------------------------- spans
_NAME_LIST = (
    rf"(?P<names>{NAME}(?:[ \t]*,[ \t]*{NAME}){{0,6}}"
    rf"(?:,?[ \t]+(?i:and|or|et|ou)[ \t]+{NAME})?)"
)
_TOWN_LISTS = (
    re.compile(rf"\b(?i:{_PLACE_NOUN})[ \t]+(?i:of|called|named)[ \t]+{_NAME_LIST}"),
    re.compile(
        rf"\b(?i:{_PLACE_NOUN_FR})[ \t]+(?i:rurales?[ \t]+)?(?i:de|d['’]|du)[ \t]*{_NAME_LIST}"
    ),
)
_LIST_SPLIT = re.compile(r"[ \t]*,[ \t]*|,?[ \t]+(?i:and|or|et|ou)[ \t]+")


def _names_in(m: re.Match[str]) -> Iterator[tuple[int, int]]:
    base = m.start("names")
    chunk = m.group("names")
    pos = 0
    for piece in _LIST_SPLIT.split(chunk):
        idx = chunk.index(piece, pos)
        pos = idx + len(piece)
        if piece and piece[0].isupper():
            yield base + idx, base + idx + len(piece)


_PLACE_LIST = re.compile(
    rf"\b(?i:in|at|near|between|around|from|to|towards|outside|through|via|entre|à|dans|"
    rf"près de|vers|autour de|depuis|par|seize|seized|seizing|captured|capture|retook|"
    rf"retaken|took|taken|attacked|overran|entered|reached|fled|control of|towns of|"
    rf"villages of|pris|prise de|repris|reprise de|attaqué|contrôle de|occupé)[ \t]+{_NAME_LIST}"
)


def coordinated_spans(text: str) -> Iterator[list[tuple[int, int]]]:
    """Names listed together after a place preposition: "between Diarra and Tenenkou",
    "à Diafarabé et Ténenkou", "in Tessit, Ansongo and Ménaka". Listed with a town, a name
    is a town too."""
    for m in _PLACE_LIST.finditer(text):
        names = list(_names_in(m))
        if len(names) >= 2:
            yield names


def town_list_spans(text: str) -> Iterator[tuple[int, int]]:
    """Names after "the town(s) of", "the villages of A, B and C", "la commune de" ..."""
    for pattern in _TOWN_LISTS:
        for m in pattern.finditer(text):
            yield from _names_in(m)


_GROUP_NAMED = (
    re.compile(
        rf"\b(?i:{_ARMED_ADJ})[ \t]+(?:[\w\-]+[ \t]+){{0,2}}?(?i:group|faction|movement|militia|"
        rf"coalition|alliance|outfit|organi[sz]ation)[ \t]*,?[ \t]+(?i:called[ \t]+|named[ \t]+|"
        rf"known as[ \t]+)?(?P<name>{NAME})"
    ),
    re.compile(
        rf"\b(?i:groupe|mouvement|milice|coalition|katiba|faction)[ \t]+"
        rf"(?:(?i:{_ARMED_ADJ_FR})[ \t]+)?(?P<name>{NAME})"
    ),
)


_OPERATIONS = re.compile(
    rf"\b(?i:operations?|opérations?|task force|force)[ \t]+(?P<name>{CAP})"
    rf"(?:[ \t]+(?i:in|au|en|aux|over|against)[ \t]+{CAP})?"
    rf"(?:[ \t]*,[ \t]*(?P<second>{CAP})(?:[ \t]+(?i:in|au|en|aux)[ \t]+{CAP})?)?"
    rf"(?:,?[ \t]+(?i:and|et|or|ou)[ \t]+(?P<last>{CAP}))?"
)


def operation_spans(text: str) -> Iterator[tuple[int, int]]:
    """Military operations: "Operation Barkhane", "les opérations Serval au Mali et
    Harmattan en Libye", "the Takuba task force" is found by its known name."""
    for m in _OPERATIONS.finditer(text):
        for group in ("name", "second", "last"):
            if m.group(group):
                yield m.start(group), m.end(group)


_ALIAS_PHRASE = re.compile(
    r"(?:,[ \t]*)?\b(?:(?:also|better|more commonly|widely)[ \t]+)?(?:known|called)[ \t]+as|"
    r"\balias|\ba\.k\.a\.?|\bnom de guerre|(?P<tight>(?<=\w )(?:dit|dite))\b|\bsurnommée?|"
    r"(?:plus[ \t]+)?connue?[ \t]+(?:[\w'’]+[ \t]+){0,3}?sous le (?:nom|pseudonyme) d['’e]"
)
_ALIAS_AFTER = re.compile(
    rf"[ \t]*[«\"“]?[ \t]*(?P<name>{CAP}(?:[ \t]+(?:{_NAME_PARTICLE}[ \t]+|{_NAME_PARTICLE}-)?{CAP}"
    rf"|[ \t]+{_NAME_PARTICLE}-{CAP}){{0,4}})"
)


def alias_phrases(text: str) -> Iterator[tuple[int, int, int]]:
    """(phrase start, name start, name end) of "X, known as Y", "X dit Y", "X, plus connu
    sous le nom de Y": Y is another name of the X just before."""
    for m in _ALIAS_PHRASE.finditer(text):
        if m.group("tight"):
            # "Ahmad al-Faqi dit Abou Tourab", never "a dit Traoré" (said)
            word = re.search(r"(\S+)[ \t]+$", text[max(0, m.start() - 30) : m.start()])
            if word is None or not any(ch.isupper() for ch in word.group(1)):
                continue
        after = _ALIAS_AFTER.match(text, m.end())
        if after:
            yield m.start(), after.start("name"), after.end("name")


# French names of bodies: a head noun, then adjectives and "de ..." groups, as in "Collectif
# des commerçants du Grand Marché", "Haut-Commissariat des Nations unies aux droits de
# l'homme", "Comité national pour le redressement de la démocratie".
_FR_BODY_HEAD = (
    r"(?:Association|Collectif|Fondation|Fonds|Club|Union|Comité|Institut|Mécanisme|"
    r"Haut-Commissariat|Haut Conseil|Cadre|Action|Coordination|Conseil|Compagnie|Société|"
    r"Agence|Office|Centre|Fédération|Réseau|Coalition|Rassemblement|Convergence|Jeunesse|"
    r"Plateforme|Syndicat|Mouvement|Front|Alliance|Organisation|Observatoire|Commission|"
    r"Ligue|Parti|Groupement|Coopérative|Amicale|Banque|Caisse|Programme|Direction|Autorité|"
    r"Forum|Cellule|Brigade|Bataillon|Groupe|Entente|Coordination|Regroupement|Synergie)"
)
_FR_STOP = (
    r"(?:a|ont|est|sont|était|étaient|avait|avaient|sera|seront|fut|qui|que|qu|dont|où|se|"
    r"ne|il|elle|ils|elles|y|ce|cette|ces|son|sa|ses|leur|leurs|mais|ou|car|ni|lors|depuis|"
    r"selon|après|avant|pendant|avec|sans|dans|par|vers|chez|entre|comme|aussi|déjà|très|"
    r"plus|moins|pas|jamais|toujours|encore|hier|aujourd|demain|lundi|mardi|mercredi|jeudi|"
    r"vendredi|samedi|dimanche|notamment|également|ainsi|alors|puis|donc|tout|tous|toute|"
    r"toutes|même|un|une)\b"
)
_FR_WORD = (
    rf"(?!{_FR_STOP}|(?:de|du|des|d|pour|contre|sur|à|au|aux|en|et|la|le|les|l)\b)"
    rf"[a-zà-ÿ][\w’'\-]+"
)
_FR_ADJ_AFTER_NAME = (
    r"(?:unie|unies|uni|unis|[a-zà-ÿ]+(?:al|ale|ales|aux|ique|iques|ien|ienne|iens|iennes|ais|"
    r"aise|aises|aire|aires|el|elle|els|elles|if|ive|ifs|ives|enne|ennes|eux|euse|euses|"
    r"iste|istes|ain|aine|ains|aines|é|ée|és|ées))\b"
)
_FR_PREP = r"(?:(?:de|du|des|pour|contre|sur|à|au|aux|en|et)(?=[ \t])|d['’])"
_FR_DET = r"(?:(?:la|le|les|l['’])[ \t]*)?"
_FR_CAPS = rf"{CAP}(?:[ \t]+{CAP}){{0,3}}"
_FR_BODY = re.compile(
    rf"(?<![\w\-])(?P<name>{_FR_BODY_HEAD}(?:[ \t]+(?:{_FR_CAPS}|{_FR_WORD})){{0,3}}?"
    rf"(?:[ \t]*(?:et[ \t]+)?{_FR_PREP}[ \t]*{_FR_DET}"
    rf"(?:{_FR_CAPS}|{_FR_WORD})(?:[ \t]+{_FR_ADJ_AFTER_NAME})?){{1,6}})"
)


def french_body_spans(text: str) -> Iterator[tuple[int, int]]:
    """Names of associations, companies and institutions written the French way, with
    lower-case words inside: "Association des ressortissants de Kidal", "Action contre la
    faim", "Fonds au profit des victimes"."""
    for m in _FR_BODY.finditer(text):
        name = m.group("name")
        # end on a noun, not on a preposition or article left dangling
        trimmed = re.sub(rf"(?:[ \t]+{_FR_PREP}|[ \t]+(?:la|le|les)|[ \t]*l['’])+$", "", name)
        # "... de Kidal à Bamako": where the body sits, not part of its name
        where = re.search(rf"[ \t]+à[ \t]+{_FR_CAPS}$", trimmed)
        if where and re.search(rf"[ \t]{_FR_PREP}", trimmed[: where.start()]):
            trimmed = trimmed[: where.start()]
        if len(trimmed.split()) >= 3:
            yield m.start("name"), m.start("name") + len(trimmed)


_ORG_NAMED = re.compile(
    rf"\b(?i:company|firm|miner|mining company|operator|carrier|airline|bank|NGO|charity|"
    rf"agency|contractor|manufacturer|producer|société|compagnie|entreprise|ONG|opérateur|"
    rf"groupe minier|société minière|banque|transporteur|constructeur|fabricant)"
    rf"[ \t]+(?P<name>{CAP}(?:[ \t]+{CAP}){{0,3}})"
)


def org_spans(text: str) -> Iterator[tuple[int, int]]:
    """Names after the noun of a kind of body: "Canadian miner B2Gold", "the drone maker
    Baykar", "la société Sonef", "the NGO Tassaght"."""
    for m in _ORG_NAMED.finditer(text):
        yield m.start("name"), m.end("name")


def group_spans(text: str) -> Iterator[tuple[int, int]]:
    """Names after "the jihadist group X", "le groupe armé X", "la katiba X"."""
    for pattern in _GROUP_NAMED:
        for m in pattern.finditer(text):
            yield m.start("name"), m.end("name")


_TITLE_NAMED = re.compile(
    rf"(?:^|(?<=[\s(\"“«]))(?:{_TITLE_MODIFIER}[ \t]+){{0,3}}(?:{_ROLE})[ \t]+(?P<name>{NAME})"
)


_APPOS_NAMED = re.compile(rf"(?P<name>{CAP}(?:[ \t]+(?:{_CONNECT}[ \t]+)?{CAP}){{1,4}})(?=,)")


def person_appos_spans(text: str) -> Iterator[tuple[int, int]]:
    """Names of two or more words followed by a role apposition: "Abou Dardar, a leader of"."""
    for m in _APPOS_NAMED.finditer(text):
        if _R_ROLE_APPOS.match(_right(text, m.end())) and _person_name_like(m.group("name")):
            yield m.start("name"), m.end("name")


def _person_name_like(name: str) -> bool:
    """No institution, generic or time word; a single word has 3+ letters and lower case."""
    from extractors.entities.knowledge import ARMED_WORDS, ORG_WORDS, STATE_WORDS

    words = [w.casefold().strip(".'’") for w in name.split()]
    for w in words:
        if w in GENERIC_WORDS or w in TIME_WORDS or w in ORG_WORDS or w in STATE_WORDS:
            return False
        if w in ARMED_WORDS:
            return False
    if len(words) == 1:
        word = name.strip()
        return len(word) >= 3 and any(c.islower() for c in word) and word.isalpha()
    return True


def person_title_spans(text: str) -> Iterator[tuple[int, int]]:
    """Names right after a title or role: "President X", "Col. X", "le ministre X", "M. X"."""
    for m in _TITLE_NAMED.finditer(text):
        s, e = m.start("name"), m.end("name")
        if _person_name_like(text[s:e]):
            yield s, e


_PERSON_RUN = re.compile(
    rf"(?<![\w'’\-]){CAP}(?:[ \t]+(?:{_NAME_PARTICLE}[ \t]+|{_NAME_PARTICLE}-)?{CAP}){{1,4}}"
)


def person_name_spans(text: str) -> Iterator[tuple[int, int]]:
    """Runs of capitalised words that start with a given name: people the model missed
    ("said Seydou Dembélé, a hotel security guard") or cut ("Sanda Ould Bouamama")."""
    for m in _PERSON_RUN.finditer(text):
        words = m.group().split()
        # the run may start before the name: "Présidentielle Soumaïla Cissé"
        for i in range(len(words) - 1):
            rest = " ".join(words[i:])
            if given_name_person(rest):
                start = m.start() + m.group().index(words[i])
                yield start, m.end()
                break
