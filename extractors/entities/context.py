"""Context cues: what the words right around a name say about it (`context_cues`, `Cues`).

The small NER models label unknown names unreliably (a town as PERSON, an armed group as
PERSON or NORP), so the type of a name nobody listed comes from its context: "the town of
X", "X, in the Mopti region", "President X", "X, a spokesman for", "said X", "the jihadist
group X", "l'ONG X", "state broadcaster X", "FRANCE 24's X" ... Each cue is a left-context
regex (ending right before the name) or a right-context one (starting right after it);
context never crosses a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.entities.knowledge import COUNTRY_CODES, SAHEL_COUNTRY_FORMS
from extractors.entities.normalize import norm
from extractors.entities.patterns import (
    _ARMED_ADJ,
    _ARMED_ADJ_FR,
    _GROUP_NOUN,
    _PLACE_NOUN,
    _PLACE_NOUN_FR,
    _ROLE,
    _TITLE_MODIFIER,
    CAP,
)

_ANY_CASE = re.IGNORECASE


# ----------------------------------------------------------------------------- vocab
_COMPASS = (
    r"(?:far\s+)?(?:north|south|east|west|central|centre|center|northern|southern|eastern|"
    r"western|north-?eastern|north-?western|south-?eastern|south-?western|northeast|"
    r"northwest|southeast|southwest|north-east|north-west|south-east|south-west)"
)
_COMPASS_FR = r"(?:centre|nord|sud|est|ouest|nord-est|nord-ouest|sud-est|sud-ouest|extrême nord)"
# The countries of the gazetteer (knowledge data, countries.toml), longest form first.
_SAHEL_COUNTRY = "(?:{})".format(
    "|".join(
        re.sub("['’]", "['’]", re.escape(form))
        for form in sorted(set(SAHEL_COUNTRY_FORMS), key=len, reverse=True)
    )
)


# After a name: "the Kassa camp", "Koumbel village", "Tessit and Ansongo towns".
_R_PLACE_NOUN = re.compile(
    r"^[ \t]+(?i:town|village|villages|hamlet|commune|camp|circle|cercle|locality|"
    r"settlement|oasis)\b(?![ \t]+(?i:of|de|chief|chiefs|elder|elders|leader|leaders|head|"
    r"mayor|council|councillors?))"
)
# Where people live: "residents of X", "les habitants de X".
_L_RESIDENTS = re.compile(
    r"\b(?:residents|inhabitants|villagers|people|population|natives?|habitants|"
    r"populations|ressortissants|originaires?)[ \t]+(?:of|from|de|du|d['’])[ \t]*$",
    _ANY_CASE,
)
_DIST = r"\d[\d,.\s]*\s*(?:km|kms|kilometres|kilometers|kilomètres|miles|mi)\b"
_MEDIA_NOUN = (
    r"(?:news agency|news agencies|newspaper|daily|weekly|broadcaster|television|TV|radio|"
    r"channel|news outlet|outlet|news site|website|magazine|agence de presse|quotidien|"
    r"hebdomadaire|chaîne|télévision|site d'information|journal)"
)


# ----------------------------------------------------------------------------- helpers


def _left(text: str, start: int, width: int = 90) -> str:
    """Text before `start`, cut at the last line break (context never crosses a line)."""
    left = text[max(0, start - width) : start]
    return left.rsplit("\n", 1)[-1]


def _right(text: str, end: int, width: int = 110) -> str:
    right = text[end : end + width]
    return right.split("\n", 1)[0]


# Left context (ends right before the name).
_L_TITLE = re.compile(rf"(?:^|[\s(,\"“«])(?:{_TITLE_MODIFIER}[ \t]+){{0,3}}{_ROLE}[ \t]+$")
_L_ROLE_COMMA = re.compile(rf"\b(?:{_ROLE})\b[^.;:!?()\"“”«»\n]{{0,50}},[ \t]*$", _ANY_CASE)
_L_SPEECH = re.compile(
    r"\b(?:said|says|told|tells|according to|added|explained|declared|stated|warned|"
    r"insisted|a déclaré|a dit|a affirmé|a indiqué|a expliqué|a ajouté|a annoncé|"
    r"a estimé|selon|d'après|a assuré|a précisé|affirme|déclare|estime|explique)[ \t]+$",
    _ANY_CASE,
)
_R_SPEECH = re.compile(
    r"^(?:,[^,]{0,60},)?[ \t]+(?:said|says|told|tells|added|explained|declared|stated|warned|"
    r"insisted|wrote|tweeted|a déclaré|a dit|a affirmé|a indiqué|a expliqué|a ajouté|"
    r"a annoncé|a estimé|a assuré|a précisé|affirme|déclare|estime|explique)\b",
    _ANY_CASE,
)
_R_ROLE_APPOS = re.compile(
    # "X, a spokesman for ...", "X, the group's leader", "X, Mali's president", "X, who heads"
    rf"^,[ \t]+(?:(?i:a|an|the|who is|who was|le|la|l'|l’|un|une|qui est|son|sa|its|his|her)"
    rf"[ \t]+|[A-Z][\w\-]*['’]s[ \t]+)"
    rf"(?:(?!(?i:group|movement|town|village|city|groupe|mouvement|ville)\b)"
    rf"[\w’'\-.]+[ \t]+){{0,4}}?"
    rf"{_ROLE}\b"
    rf"|^,[ \t]+(?i:who[ \t]+(?:heads|leads|commands|chairs|founded)|qui[ \t]+dirige)\b"
)
_R_PERSON_AGE = re.compile(r"^,[ \t]+\d{1,2}[ \t]*,")  # "X, 45, ..."

_L_TOWN = re.compile(
    rf"\b{_PLACE_NOUN}[ \t]+(?:of|called|named|known as)[ \t]+$"
    rf"|\b{_PLACE_NOUN_FR}[ \t]+(?:rurale[ \t]+|urbaine[ \t]+)?(?:de|d['’]|du)[ \t]*$",
    _ANY_CASE,
)
_R_TOWN_APPOS = re.compile(
    rf"^,?[ \t]+(?:a|an|the|une|un|la|le|cette)[ \t]+(?:[\w’'\-]+[ \t]+){{0,5}}?"
    rf"(?:{_PLACE_NOUN}|{_PLACE_NOUN_FR})\b",
    _ANY_CASE,
)
_R_TOWN_GEO = re.compile(
    # "X, in central Mali", "X in northern Burkina Faso", "X, Mali", "X (Mali)",
    # "X, in the Mopti region", "X, dans le centre du Mali", "X, 40 km north of Y"
    "^(?:"
    + "|".join(
        [
            rf",?[ \t]+(?i:in|near|outside|close to|dans|près de|au)[ \t]+(?i:the[ \t]+|le[ \t]+)?"
            rf"(?i:{_COMPASS})[ \t]+(?i:of[ \t]+)?{_SAHEL_COUNTRY}\b",
            rf",[ \t]+(?i:in|near)[ \t]+{_SAHEL_COUNTRY}\b",
            rf",[ \t]*{_SAHEL_COUNTRY}\b(?![ \t]*['’]s)",
            rf"[ \t]*\({_SAHEL_COUNTRY}\)",
            rf",?[ \t]+(?i:in|near)[ \t]+(?i:the)[ \t]+{CAP}(?:[ \t]+{CAP})?[ \t]+(?i:region)\b",
            rf",?[ \t]+(?i:dans|près de)[ \t]+(?i:le[ \t]+)?(?i:{_COMPASS_FR})[ \t]+"
            rf"(?i:du|de la|de l['’])[ \t]*(?:Mali|Niger|Burkina|pays)",
            r",?[ \t]+(?i:dans|en)[ \t]+(?i:la[ \t]+)?(?i:région)[ \t]+(?i:de|du|d['’])",
            r"[ \t]*\((?i:région|cercle|province)[ \t]+(?i:de|du|d['’])",
            rf",?[ \t]+(?i:about|some|around|roughly|nearly|approximately|located|situated|"
            rf"just|only|à|a|située?[ \t]+à|environ)?[ \t]*(?i:environ[ \t]+|quelque[ \t]+)?"
            rf"(?i:{_DIST})",
        ]
    )
    + ")"
)
_L_TOWN_GEO = re.compile(
    rf"{_DIST}[ \t]+(?:\([^)]{{0,20}}\)[ \t]+)?(?:{_COMPASS}|au {_COMPASS_FR}|à l['’](?:est|ouest)"
    rf"|de)[ \t]+(?:of|de|du|d['’])?[ \t]*$",
    _ANY_CASE,
)
_REGION_RIGHT = re.compile(
    r"^[ \t]+(?:region|regions|province|provinces|district|prefecture|area|"
    r"department|state|river|valley|forest|desert|basin|delta|plateau|mountains)\b",
    _ANY_CASE,
)
_REGION_LEFT = re.compile(
    r"\b(?:region|regions|province|provinces|district|prefecture|"
    r"préfecture|département|région|régions|fleuve|forêt|forest|lac|lake|river|valley|"
    r"vallée|desert|désert)[ \t]+(?:of|de|du|des|d['’])[ \t]*"
    r"(?:[\w’'\-]+[ \t]*,[ \t]*|[\w’'\-]+[ \t]+(?:and|et)[ \t]+)?$",
    _ANY_CASE,
)
_L_LOCATIVE_STRICT = re.compile(
    r"\b(?:in|at|near|outside|around|between|à|près de|dans la ville de|non loin de|entre|"
    r"autour de|aux environs de)[ \t]+$",
    _ANY_CASE,
)
_L_LOCATIVE = re.compile(
    r"\b(?:in|at|near|outside|around|from|into|towards?|between|across|attacked|attack on|"
    r"attacks on|raid on|siege of|capture of|fall of|seized|captured|retook|retaken|"
    r"à|près de|vers|dans|autour de|entre|depuis|de la ville|attaque de|prise de|chute de)"
    r"[ \t]+(?:the[ \t]+)?$",
    _ANY_CASE,
)
_R_FOREIGN_COUNTRY = re.compile(rf"^,[ \t]*({CAP}(?:[ \t]+{CAP})?)")

_L_ARMED = re.compile(
    rf"\b{_ARMED_ADJ}[ \t]+(?:[\w\-]+[ \t]+){{0,2}}?{_GROUP_NOUN}[ \t]*,?[ \t]*"
    rf"(?:called[ \t]+|named[ \t]+|known as[ \t]+)?$"
    rf"|\b(?:milice|milices|katiba|katibat)[ \t]+$"
    rf"|\b(?:groupe|groupes|mouvement|mouvements|coalition|faction|alliance|organisation)"
    rf"[ \t]+{_ARMED_ADJ_FR}[ \t]*,?[ \t]*$"
    rf"|\b(?:les|des)[ \t]+(?:combattants|jihadistes|djihadistes|rebelles|terroristes|"
    rf"éléments|hommes|militants|miliciens)[ \t]+(?:du|de l['’]|de la|d['’])[ \t]*$"
    rf"|\b(?:fighters|militants|jihadists|insurgents|rebels|gunmen|members)[ \t]+"
    rf"(?:of|from|loyal to|linked to|allied with)[ \t]+(?:the[ \t]+)?$",
    _ANY_CASE,
)
_L_GROUP_WEAK = re.compile(
    r"\b(?:the|a|le|du|au)[ \t]+(?:group|groupe|militia|movement|mouvement)[ \t]*,?[ \t]*$",
    _ANY_CASE,
)
_R_ARMED = re.compile(
    rf"^,?[ \t]+(?:a|an|the|un|une|le|la)[ \t]+(?:[\w\-’']+[ \t]+){{0,5}}?"
    rf"{_ARMED_ADJ}[ \t]+(?:[\w\-]+[ \t]+){{0,2}}?{_GROUP_NOUN}\b"
    rf"|^,?[ \t]+(?:a|an|the)[ \t]+(?:[\w\-’']+[ \t]+){{0,3}}?(?:affiliate|branch|offshoot|"
    rf"franchise|wing|ally|arm)[ \t]+of\b"
    rf"|^[ \t]+(?:militants|fighters|jihadists|jihadis|insurgents|rebels|militiamen|gunmen|"
    rf"combatants|mercenaries|jihadist fighters)\b"
    rf"|^-(?:linked|affiliated|allied|aligned)\b"
    rf"|^,?[ \t]+(?:un|une|le|la)[ \t]+(?:[\w\-’']+[ \t]+){{0,4}}?(?:groupe|mouvement|milice|"
    rf"coalition|alliance|faction|katiba)[ \t]+{_ARMED_ADJ_FR}"
    rf"|^,?[ \t]+(?:affilié|affiliée|lié|liée|allié|alliée)[ \t]+(?:à|au)\b",
    _ANY_CASE,
)
_L_ORG = re.compile(
    r"\b(?:rights|aid|humanitarian|relief|charity|non-governmental|nongovernmental|NGO|"
    r"advocacy|research|medical|monitoring|watchdog|think[- ]tank|mining|gold|security|"
    r"consulting|private)[ \t]+(?:group|organi[sz]ation|agency|body|charity|NGO|institute|"
    r"firm|company)[ \t]*,?[ \t]*$"
    r"|\b(?:(?:the|a|an)[ \t]+)?(?:[\w\-’']+[ \t]+){0,4}?(?:NGO|charity|think[- ]tank|"
    r"organi[sz]ation|association|company|firm|party|union|foundation|institute|agency|bank|"
    r"operator|carrier|airline|cooperative|co-operative|collective|federation|consortium|"
    r"conglomerate|contractor|miner|producer|transporter|network|platform|coalition|"
    r"club|league|council|committee|trust|fund)[ \t]*,?[ \t]*$"
    r"|\b(?:l['’]ONG|ONG|l['’]organisation|l['’]association|la société|l['’]entreprise|"
    r"le parti|la fondation|l['’]agence|l['’]institut|le cabinet|la compagnie|la coopérative|"
    r"la fédération|le collectif|la plateforme|le syndicat|la coordination|le réseau|"
    r"le mouvement|le club|la ligue|le consortium|le groupe|l['’]opérateur|le transporteur)"
    r"(?:[ \t]+(?:[a-zéèêàâîôûç][\w\-’']*)){0,3}[ \t]*$",
    _ANY_CASE,
)
_R_ORG = re.compile(
    r"^,?[ \t]+(?:a|an|the|une|un|l['’])[ \t]*(?:[\w\-’']+[ \t]+){0,4}?(?:NGO|charity|"
    r"think[- ]tank|agency|organi[sz]ation|association|company|firm|party|union|bank|"
    r"foundation|institute|nonprofit|non-profit|watchdog|bloc|ONG|organisation|société|"
    r"entreprise|parti|fondation|agence|institut)\b",
    _ANY_CASE,
)
_L_MEDIA = re.compile(rf"\b{_MEDIA_NOUN}[ \t]*,?[ \t]*$", _ANY_CASE)
_R_MEDIA = re.compile(
    r"^[ \t]+(?:television|TV|radio|newspaper|news agency|daily|channel|broadcaster)\b"
    r"|^['’]s[ \t]+(?:correspondent|reporter|journalist|newsroom|editor)\b",
    _ANY_CASE,
)
_L_TITLE_TAIL = re.compile(
    r"\b(?:secretary|minister|commissioner|under-secretary|ministre|secrétaire)[ \t]+"
    r"(?:of|for|de|des|du|de la|chargé de)[ \t]+$",
    _ANY_CASE,
)
_L_TOLD = re.compile(r"\b(?:told|to|on|by)[ \t]+(?:the[ \t]+)?$", _ANY_CASE)
_L_JOURNALIST = re.compile(
    r"\b(?:correspondent|correspondant|correspondante|envoyé spécial|envoyée spéciale|"
    r"photographer|photojournalist|cameraman|reporting by|writing by|editing by|photo by|"
    r"photos by|video by|text by|texte|reported by|written by|illustration|editorialist|"
    r"columnist|critic|commentator|éditorialiste|chroniqueur|chroniqueuse)[ \t]*:?[ \t]*$",
    _ANY_CASE,
)
_R_JOURNALIST = re.compile(
    r"^,[ \t]+(?:(?:an?|the|our|notre)[ \t]+)?(?:[A-Z][\w\-]*[ \t]+){0,3}(?:correspondent|"
    r"reporter|photographer|correspondant|correspondante|envoyé spécial|envoyée spéciale)\b"
    r"|^[ \t]+(?:reports|reporting)[ \t]+(?:from|for)\b"
    r"|^[ \t]+(?:is|was|est)[ \t]+(?:(?:the|a|an|our|notre|le|la)[ \t]+)?(?:[\w\-]+[ \t]+){0,3}"
    r"(?:correspondent|reporter|journalist|editor|writer|columnist|correspondant|"
    r"correspondante|journaliste|rédacteur|rédactrice)\b",
)
_L_POSSESSIVE = re.compile(r"([\w .\-]{2,40}?)['’]s[ \t]+$")


@dataclass(frozen=True)
class Cues:
    """What the context says about one span."""

    kinds: frozenset[str]  # town, town_geo, region, loc, person, person_weak, speech,
    #                        armed, group, org, media, journalist, foreign
    foreign_name: str | None = None  # the country after "X, <country>"
    country: str | None = None  # a country said to hold it: "X in northern Niger", "X, au Niger"
    possessor: str | None = None  # the name before "'s" ("FRANCE 24" in "FRANCE 24's X")


def context_cues(text: str, start: int, end: int) -> Cues:
    """Cues from the words around text[start:end]."""
    left, right = _left(text, start), _right(text, end)
    kinds: set[str] = set()
    if (
        _L_TOWN.search(left)
        or _R_TOWN_APPOS.match(right)
        or _R_PLACE_NOUN.match(right)
        or _L_RESIDENTS.search(left)
    ):
        kinds.add("town")
    if _R_TOWN_GEO.match(right) or _L_TOWN_GEO.search(left):
        kinds.add("town_geo")
    if _REGION_RIGHT.match(right) or _REGION_LEFT.search(left):
        kinds.add("region")
    if _L_LOCATIVE.search(left):
        kinds.add("loc")
        if _L_LOCATIVE_STRICT.search(left):
            kinds.add("loc_strict")
    if _L_TITLE.search(left) or _R_ROLE_APPOS.match(right) or _R_PERSON_AGE.match(right):
        kinds.add("person")
    elif _L_ROLE_COMMA.search(left):
        kinds.add("person_weak")
    if _L_SPEECH.search(left) or _R_SPEECH.match(right):
        kinds.add("speech")
    if _L_ARMED.search(left) or _R_ARMED.match(right):
        kinds.add("armed")
    elif _L_GROUP_WEAK.search(left):
        kinds.add("group")
    if _L_ORG.search(left) or _R_ORG.match(right):
        kinds.add("org")
    if _L_MEDIA.search(left) or _R_MEDIA.match(right):
        kinds.add("media")
    if _L_TOLD.search(left):
        kinds.add("told")
    if _L_TITLE_TAIL.search(left):
        kinds.add("title_tail")  # "Secretary of [State for African Affairs]"
    if _L_JOURNALIST.search(left) or _R_JOURNALIST.match(right):
        kinds.add("journalist")
    foreign = None
    m = _R_FOREIGN_COUNTRY.match(right)
    if m:
        foreign = m.group(1)
    possessor = None
    m = _L_POSSESSIVE.search(left)
    if m:
        possessor = m.group(1).strip()
    return Cues(
        frozenset(kinds), foreign, country=_country_around(left, right), possessor=possessor
    )


_R_IN_COUNTRY = re.compile(
    rf"^,?[ \t]+(?:(?:a|an|une?)[ \t]+(?i:town|village|city|ville|localité)[ \t]+)?"
    rf"(?i:in|au|en|aux|of|du)[ \t]+(?:(?i:the|le|la|l['’])[ \t]*)?"
    rf"(?:(?i:{_COMPASS}|{_COMPASS_FR})[ \t]+(?:(?i:of|du|de la|de l['’])[ \t]*)?)?"
    rf"(?P<country>{CAP}(?:[ \t]+{CAP})?)"
    rf"|^[ \t]*\((?P<paren>{CAP}(?:[ \t]+{CAP})?)\)"
)
_L_IN_COUNTRY = re.compile(
    rf"(?i:en|au|in)[ \t]+(?P<country>{CAP}(?:[ \t]+{CAP})?)[ \t]*,[ \t]*"
    rf"(?i:à|in|at|near|près de)[ \t]+$"
)


def _country_around(left: str, right: str) -> str | None:
    """The ISO code of a country the words around a place put it in."""
    for m in (_R_IN_COUNTRY.match(right), _L_IN_COUNTRY.search(left)):
        if m is None:
            continue
        for group in ("country", "paren"):
            name = m.groupdict().get(group)
            if name:
                for k in (2, 1):  # "Burkina Faso" before "Burkina"
                    code = COUNTRY_CODES.get(norm(" ".join(name.split()[:k])))
                    if code:
                        return code
    return None
