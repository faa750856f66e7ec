"""Context rules, English and French: what the words around a name say about it.

The small NER models label unknown names unreliably (a town as PERSON, an armed group as
PERSON or NORP), so the type of a name nobody listed comes from its context:

- towns: "the town of X", "the villages of X and Y", "X, a town in ...", "X, in the Mopti
  region", "X, 40 km north of Y", "la ville de X", "la commune rurale de X", "X, une localité
  du centre" ...; region forms ("the X region", "région de X", "cercle de X") are not towns;
- people: titles and roles before the name ("President", "Col.", "junta leader", "le ministre",
  "M."), appositions after it ("X, a spokesman for ..."), reported speech ("said X");
- armed groups: "the jihadist group X", "X, an al-Qaeda affiliate", "X fighters", "le groupe
  armé X", "la katiba X"; organisations: "the rights group X", "l'ONG X";
- noise: media ("state broadcaster X", "X television"), journalists ("FRANCE 24's X",
  "correspondent X"), bylines and photo credits (whole zones of the text);
- acronyms defined in the text: "Long Name (ACR)", "ACR [Long Name]", "Long Name, known as ACR".

Every function takes the article text and offsets; nothing here knows a particular name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from extractors.entities.knowledge import (
    COUNTRY_CODES,
    DEMONYMS,
    GENERIC_WORDS,
    GIVEN_NAMES,
    SAHEL_COUNTRY_FORMS,
    TIME_WORDS,
)
from extractors.entities.normalize import norm
from extractors.text import word_list

__all__ = [
    "AcronymPair",
    "acronym_pairs",
    "context_cues",
    "credit_zones",
    "person_appos_spans",
    "person_title_spans",
    "sentence_bounds",
    "strip_name",
    "town_list_spans",
    "group_spans",
    "journalist_names",
    "name_shape_ok",
    "title_case_zones",
]

UP = "A-ZÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞŒŠŽ"
CAP = rf"[{UP}][\w'’\-]*"
_CONNECT = (
    r"(?:de|du|des|la|le|el|al|al-|ag|Ag|ould|Ould|ben|bin|ibn|van|von|di|da|dan|na|wal|wa|ou)"
)
NAME = rf"{CAP}(?:[ \t]+(?:{_CONNECT}[ \t]+)?{CAP}){{0,4}}"
_ANY_CASE = re.IGNORECASE

# ----------------------------------------------------------------------------- vocab
_ROLES_EN = (
    r"president|vice[- ]president|prime minister|premier|minister|secretary[- ]general|"
    r"secretary of state|secretary|general|gen\.?|colonel|col\.?|lieutenant[- ]colonel|"
    r"lieutenant|lt\.?|captain|capt\.?|sergeant|sgt\.?|corporal|commander|cmdr\.?|"
    r"admiral|marshal|chief|leader|head|spokesman|spokeswoman|spokesperson|ambassador|envoy|"
    r"senator|sen\.|governor|gov\.|mayor|judge|prosecutor|chancellor|emir|imam|sheikh|"
    r"shaykh|king|queen|prince|princess|pope|official|officer|director|chairman|chairwoman|"
    r"chairperson|founder|co-founder|cleric|preacher|activist|researcher|analyst|expert|"
    r"professor|prof\.|mr\.?|mrs\.?|ms\.?|dr\.?|lawyer|attorney|negotiator|mediator|deputy|"
    r"lawmaker|mp|candidate|opponent|dissident|coordinator|representative|commissioner|"
    r"strongman|ruler|dictator|warlord|chieftain|hostage|victim|citizen|national|resident|"
    r"farmer|herder|trader|survivor|witness|teacher|doctor|nurse|student|aid worker|"
    r"missionary|priest|nun|pastor|monk|bishop|archbishop|cardinal|marabout|sultan|chef"
)
_ROLES_FR = (
    r"président|présidente|vice-président|premier ministre|ministre|général|colonel|"
    r"lieutenant-colonel|commandant|capitaine|lieutenant|sergent|adjudant|caporal|chef|"
    r"dirigeant|dirigeante|leader|porte-parole|ambassadeur|ambassadrice|envoyé|émissaire|"
    r"gouverneur|maire|préfet|juge|procureur|procureure|émir|imam|cheikh|roi|reine|"
    r"M\.|Mme|Mlle|Dr|docteur|professeur|directeur|directrice|secrétaire général|député|"
    r"députée|opposant|opposante|chercheur|chercheuse|analyste|avocat|avocate|médiateur|"
    r"responsable|fondateur|prédicateur|marabout|notable|élu|otage|ressortissant|"
    r"ressortissante|habitant|habitante|témoin|sultan|évêque|prêtre|religieuse|l'imam|"
    r"l’imam|l'émir|l’émir|l'ambassadeur|l’ambassadeur|l'ancien président|l’ancien président"
)
_ROLE = (
    rf"(?i:{_ROLES_EN}|{_ROLES_FR})(?i:[ \t]+(?:jihadiste|djihadiste|rebelle|terroriste|islamiste|"
    rf"touareg|peul|militaire|religieux|de la junte|de guerre|du groupe|français|française|"
    rf"malien|malienne|nigérien|nigérienne|burkinabè|burkinabé|américain|américaine|russe|"
    rf"algérien|algérienne|mauritanien|mauritanienne|sénégalais|sénégalaise|guinéen|ivoirien|"
    rf"tchadien|de la transition|par intérim|sortant|déchu|renversé))?"
)
# Words that qualify a title: "French Foreign Minister", "junta leader", "interim president".
_TITLE_MODIFIER = (
    r"(?:(?i:former|ex|acting|interim|transitional|deputy|vice|then|late|foreign|defence|defense|"
    r"interior|justice|finance|security|armed forces|army|junta|rebel|jihadist|jihadi|"
    r"militant|separatist|opposition|state|senior|top|military|assistant|chief|self-proclaimed|"
    r"regional|local|tribal|religious|community|village|Islamist|Tuareg|Fulani|Peul|Dogon|"
    r"Arab|UN|U\.N\.|US|U\.S\.|EU|French|Dutch|"
    r"Swiss|Czech|Burkinabe|Burkinabè|Malian|Malien|ancien|ancienne|nouveau|nouvelle|"
    r"actuel|actuelle|défunt|feu|chef|de la transition|par intérim|des Affaires étrangères|"
    r"de la Défense|de l'Intérieur|des Armées)|[A-Z][a-z]+(?:ian|ese|ish|ean|ien|ais|ain|i))"
)
_TITLE_WORDS = frozenset(
    word_list(
        """
        president vice-president prime premier minister secretary secretary-general general gen
        colonel col lieutenant lt captain capt major sergeant sgt commander cmdr admiral marshal
        spokesman spokeswoman spokesperson ambassador envoy senator sen governor gov mayor judge
        prosecutor chancellor emir imam sheikh shaykh king queen prince pope mr mrs ms dr prof
        professor president présidente président ministre général colonel commandant capitaine
        sergent adjudant m mme mlle docteur cheikh roi reine gouverneur maire préfet juge
        procureur leader chief head chef dirigeant porte-parole sultan me maître maitre
        avocat lawyer attorney bishop archbishop cardinal abbé père sœur hadj el-hadj elhadj
        """
    )
)
_MODIFIER_WORDS = frozenset(
    word_list(
        """
        former ex acting interim transitional deputy vice then late foreign defence defense
        interior justice finance security army junta rebel jihadist militant opposition state
        senior top military assistant chief self-proclaimed regional local tribal religious
        french malian u.s. us un u.n. eu american british russian nigerien burkinabe ancien
        ancienne nouveau nouvelle actuel actuelle affairs étrangères etrangeres défense l'ancien
        of de du des la
        """
    )
)
_DETERMINERS = frozenset(["the", "le", "la", "les", "l", "l'", "l’", "un", "une", "a", "an", "des"])
# Capitalised "Le", "La", "Les" start names ("Le Drian", "La Tour"): kept.
_NAME_ARTICLES = frozenset(["Le", "La", "Les", "De", "Du", "Des"])

_ARMED_ADJ = (
    r"(?:militant|jihadist|jihadi|islamist|islamic|armed|rebel|terrorist|terror|extremist|"
    r"insurgent|separatist|secessionist|self-defen[cs]e|vigilante|ethnic|paramilitary|"
    r"mercenary|criminal|al-?qa[ei]da[\w\-]*|is-?linked|isis-?linked|islamic state-?linked|"
    r"tuareg|fulani|dogon|arab|hunters'?)"
)
_GROUP_NOUN = (
    r"(?:group|groups|faction|factions|movement|movements|militia|militias|coalition|alliance|"
    r"outfit|organi[sz]ation|network|umbrella group|force|forces|brigade|battalion)"
)
_ARMED_ADJ_FR = (
    r"(?:armé|armés|armée|armées|jihadiste|jihadistes|djihadiste|djihadistes|terroriste|"
    r"terroristes|islamiste|islamistes|rebelle|rebelles|séparatiste|séparatistes|"
    r"indépendantiste|indépendantistes|d['’]autodéfense|paramilitaire|criminel|touareg|"
    r"peul|dogon|arabe)"
)
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
# A Malian cercle (circle) bears the name of its chief town; so does a camp its site's.
_PLACE_NOUN = (
    r"(?:town|towns|city|cities|village|villages|locality|localities|commune|communes|hamlet|"
    r"hamlets|settlement|settlements|municipality|municipalities|oasis|outpost|garrison town|"
    r"market town|border town|trading post|circle|cercle|camp|camps|site|sites)"
)
_PLACE_NOUN_FR = (
    r"(?:ville|villes|village|villages|localité|localités|commune|communes|bourgade|"
    r"bourgades|hameau|hameaux|agglomération|cité|chef-lieu|cercle|cercles|camp|camps|"
    r"site|sites)"
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
_CREDIT_AGENCY = (
    r"(?:AFP|Reuters|REUTERS|AP|Getty Images|Getty|EPA|EPA-EFE|Anadolu|Anadolu Agency|Xinhua|"
    r"MaxPPP|Sipa|SIPA|Hans Lucas|Abaca|ABACA|DR|AFP via Getty Images|Shutterstock|Alamy|"
    r"Picture Alliance|dpa|NurPhoto|Zuma|ZUMA|Bloomberg|Pool|POOL)"
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


def _names_in(text: str, m: re.Match[str]) -> Iterator[tuple[int, int]]:
    base = m.start("names")
    chunk = m.group("names")
    pos = 0
    for piece in _LIST_SPLIT.split(chunk):
        idx = chunk.index(piece, pos)
        pos = idx + len(piece)
        if piece and piece[0].isupper():
            yield base + idx, base + idx + len(piece)


_PLACE_LIST = re.compile(
    rf"\b(?i:in|at|near|between|around|from|to|towards|outside|entre|à|dans|près de|vers|"
    rf"autour de|depuis)[ \t]+{_NAME_LIST}"
)


def coordinated_spans(text: str) -> Iterator[list[tuple[int, int]]]:
    """Names listed together after a place preposition: "between Diarra and Tenenkou",
    "à Diafarabé et Ténenkou", "in Tessit, Ansongo and Ménaka". Listed with a town, a name
    is a town too."""
    for m in _PLACE_LIST.finditer(text):
        names = list(_names_in(text, m))
        if len(names) >= 2:
            yield names


def town_list_spans(text: str) -> Iterator[tuple[int, int]]:
    """Names after "the town(s) of", "the villages of A, B and C", "la commune de" ..."""
    for pattern in _TOWN_LISTS:
        for m in pattern.finditer(text):
            yield from _names_in(text, m)


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


# particles inside person names: "Iyad Ag Ghaly", "Sanda Ould Bouamama", "Abou al-Baraa"
_NAME_PARTICLE = r"(?:ag|Ag|ould|Ould|ben|Ben|bin|ibn|al|Al|el|El|de|van|von)"
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
    r"aise|aises|aire|aires|el|elle|els|elles|if|ive|ifs|ives))\b"
)
_FR_PREP = r"(?:(?:de|du|des|pour|contre|sur|à|au|aux|en|et)(?=[ \t])|d['’])"
_FR_DET = r"(?:(?:la|le|les|l['’])[ \t]*)?"
_FR_CAPS = rf"{CAP}(?:[ \t]+{CAP}){{0,3}}"
_FR_BODY = re.compile(
    rf"(?<![\w\-])(?P<name>{_FR_BODY_HEAD}(?:[ \t]+(?:{_FR_CAPS}|{_FR_WORD})){{0,3}}?"
    rf"(?:[ \t]*{_FR_PREP}[ \t]*{_FR_DET}"
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
        where = re.search(rf"[ \t]+(?:à|au|en)[ \t]+{_FR_CAPS}$", trimmed)
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


# ----------------------------------------------------------------------------- acronyms
@dataclass(frozen=True)
class AcronymPair:
    long_start: int
    long_end: int
    short_start: int
    short_end: int


_ACRONYM = r"[A-Z][A-Za-z0-9&\-]{1,11}"
_PAREN_AFTER = re.compile(
    rf"[ \t]*[(\[][ \t]*(?:[^()\[\]]{{0,40}}?acronym[ \t]*,?[ \t]*)?(?P<acr>{_ACRONYM})[ \t]*[)\]]"
)
_KNOWN_AS = re.compile(
    rf",?[ \t]+(?:known as|or|also known as|dit|connu sous le nom de)[ \t]+(?P<acr>{_ACRONYM})\b"
)
_PAREN_LONG = re.compile(rf"\b(?P<acr>{_ACRONYM})[ \t]*[(\[](?P<long>[^()\[\]\n]{{6,120}})[)\]]")
_FUNCTION_WORDS = frozenset(
    word_list(
        """
        of for the and in on to at de du des la le les l d et en pour au aux à a wal al el
        """
    )
)


def _is_acronym(token: str) -> bool:
    upper = sum(1 for c in token if c.isupper())
    return upper >= 2 and upper >= (len([c for c in token if c.isalpha()]) + 1) // 2


def _initials_match(acr: str, words: list[str]) -> bool:
    """Schwartz-Hearst-like check: the acronym's letters appear, in order, at word starts
    or inside words, and its first letter starts the first word."""
    letters = [c.lower() for c in acr if c.isalpha()]
    if not letters or not words or words[0][0].lower() != letters[0]:
        return False
    text = " ".join(w.lower() for w in words)
    pos = 0
    for letter in letters:
        pos = text.find(letter, pos)
        if pos < 0:
            return False
        pos += 1
    return True


_WORD = re.compile(r"[^\W_][\w'’\-]*")


def _expansion_before(text: str, end: int, acr: str) -> tuple[int, int] | None:
    """The long form ending at `end` (just before "(ACR)"): the shortest run of preceding
    words whose initials spell the acronym, or else a run of capitalised words."""
    line_start = text.rfind("\n", 0, end) + 1
    window = text[line_start:end]
    words = list(_WORD.finditer(window))
    if not words:
        return None
    n_letters = sum(1 for c in acr if c.isalpha())
    max_words = min(len(words), max(n_letters + 5, n_letters * 2))
    for count in range(1, max_words + 1):
        chosen = words[len(words) - count :]
        # do not cross a sentence or clause boundary
        gap_text = window[chosen[0].start() : chosen[-1].end()]
        if re.search(r"[.;:!?]\s", gap_text):
            break
        tokens = [w.group() for w in chosen]
        if tokens[0].lower() in _FUNCTION_WORDS:
            continue
        if _initials_match(acr, tokens) and count >= 2:
            return line_start + chosen[0].start(), line_start + chosen[-1].end()
    # writing convention: "Capitalised Long Name (ACR)" even when the initials differ
    # (a French acronym after an English name)
    run: list[re.Match[str]] = []
    for w in reversed(words):
        tok = w.group()
        if tok[0].isupper() or tok.lower() in _FUNCTION_WORDS and run:
            run.insert(0, w)
        else:
            break
        gap = window[w.end() : run[1].start()] if len(run) > 1 else ""
        if gap and not re.fullmatch(r"[ \t]+", gap):
            run.pop(0)
            break
    while run and run[0].group().lower() in _FUNCTION_WORDS:
        run.pop(0)
    capitals = sum(1 for w in run if w.group()[0].isupper())
    if capitals >= 2:
        return line_start + run[0].start(), line_start + run[-1].end()
    return None


_SYLLABIC = re.compile(
    rf"(?P<long>{CAP}(?:[ \t]+(?:{_CONNECT}[ \t]+|[a-zà-ÿ][\w'’\-]*[ \t]+){{0,3}}{CAP}){{1,6}})"
    rf"[ \t]*\([ \t]*(?P<acr>[A-Z][a-zà-ÿ]{{2,11}})[ \t]*\)"
)


def _syllabic(acr: str, long: str) -> bool:
    """ "Somilo" of "Société des mines de Loulo", "Comanav" of "Compagnie malienne de
    navigation": the short name's letters in order through the long name's words."""
    letters, words = acr.casefold(), long.casefold().split()
    if not words or words[0][:2] != letters[:2]:
        return False
    pos, joined = 0, " ".join(words)
    for ch in letters:
        pos = joined.find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    return True


def acronym_pairs(text: str) -> list[AcronymPair]:
    """Acronyms defined in the text: "Long Name (ACR)", "ACR [Long Name]", "Long, known as ACR",
    "Société des mines de Loulo (Somilo)"."""
    pairs: list[AcronymPair] = []
    for m in _SYLLABIC.finditer(text):
        if _syllabic(m.group("acr"), m.group("long")):
            pairs.append(AcronymPair(m.start("long"), m.end("long"), m.start("acr"), m.end("acr")))
    for m in _PAREN_AFTER.finditer(text):
        acr = m.group("acr")
        if not _is_acronym(acr):
            continue
        span = _expansion_before(text, m.start(), acr)
        if span:
            pairs.append(AcronymPair(span[0], span[1], m.start("acr"), m.end("acr")))
    for m in _KNOWN_AS.finditer(text):
        acr = m.group("acr")
        if not _is_acronym(acr):
            continue
        span = _expansion_before(text, m.start(), acr)
        if span:
            pairs.append(AcronymPair(span[0], span[1], m.start("acr"), m.end("acr")))
    for m in _PAREN_LONG.finditer(text):
        acr, long = m.group("acr"), m.group("long").strip()
        if not _is_acronym(acr) or not long[:1].isupper():
            continue
        words = long.split()
        if not 2 <= len(words) <= 14:
            continue
        if sum(1 for w in words if w[:1].isupper()) < 2 and not _initials_match(acr, words):
            continue
        s = m.start("long") + (len(m.group("long")) - len(m.group("long").lstrip()))
        pairs.append(AcronymPair(s, s + len(long), m.start("acr"), m.end("acr")))
    return pairs


# ----------------------------------------------------------------------------- credits
_CREDIT_LINE = re.compile(
    r"^\s*(?:By|BY|Par|PAR|Video by|Text by|Texte par|Vidéo|Video|Photo|Photos|Photograph|"
    r"Photographs|Crédit|Crédits|Credit|Credits|Crédit photo|Photo credit|Source|Sources|"
    r"Reporting by|Writing by|Editing by|Additional reporting|Illustration|Image|Images|"
    r"Published|Publié|Updated|Mis à jour|Latest update|With|Avec)\b[^\n]{0,120}$",
    re.MULTILINE,
)
_CREDIT_INLINE = [
    re.compile(rf"\([^()\n]{{0,80}}?/[ \t]*{_CREDIT_AGENCY}[^()\n]{{0,40}}\)"),
    re.compile(rf"\({_CREDIT_AGENCY}[ \t]*(?:PHOTO|Photo)?[ \t]*/[^()\n]{{0,80}}\)"),
    re.compile(rf"{NAME}[ \t]*/[ \t]*{_CREDIT_AGENCY}\b(?:[ \t]+via[ \t]+Getty Images)?"),
    re.compile(rf"\b{_CREDIT_AGENCY}[ \t]*(?:PHOTO|Photo|photo)?[ \t]*/[ \t]*{NAME}"),
    re.compile(
        r"\b(?:Photo|Photograph|Image|Crédit photo|Photo credit|Credit|Crédit|©)[ \t]*:?[ \t]*"
        r"[^\n.;()]{0,80}",
    ),
    re.compile(r"\((?:Reporting|Writing|Editing|Additional reporting)[ \t]+by[^)\n]*\)"),
    re.compile(
        r"\b(?:Reporting|Writing|Editing|Additional reporting)[ \t]+by[ \t]+[^\n.;)]{0,160}"
    ),
    re.compile(r"©[^\n]{0,80}"),
    # a headline's byline after a bar: "It's a mess | Simon Jenkins"
    re.compile(rf"\|[ \t]*{CAP}(?:[ \t]+{CAP}){{1,2}}[ \t]*$", re.MULTILINE),
    # blog-feed furniture: "The post <title> appeared first on <site>."
    re.compile(r"\bThe post\b[^\n]{0,300}?\bappeared first on\b[^\n.]{0,80}"),
]


_POSSESSIVE_NAME = re.compile(
    rf"['’]s[ \t]+(?:(?i:correspondent|reporter|journalist|envoy)[ \t]+)?(?P<name>{NAME})"
)
_ZONE_NAME = re.compile(rf"{CAP}(?:[ \t]+(?:{_CONNECT}[ \t]+)?{CAP}){{1,3}}")


def journalist_names(
    text: str, zones: list[tuple[int, int]], media_ends: list[int]
) -> list[tuple[int, int, str]]:
    """People named in bylines and credits, and "<medium>'s <Name>" (a correspondent)."""
    out: list[tuple[int, int, str]] = []
    for end in media_ends:
        m = _POSSESSIVE_NAME.match(text, end)
        if m:
            out.append((m.start("name"), m.end("name"), m.group("name")))
    for zs, ze in zones:
        for m in _ZONE_NAME.finditer(text, zs, ze):
            words = m.group().split()
            if any(w.casefold() in GENERIC_WORDS for w in words):
                continue
            out.append((m.start(), m.end(), m.group()))
    return out


# "BAMAKO (Reuters) -", "Niamey (UNA) –", "DAKAR, Senegal (AP) —": the agency of a dateline.
_DATELINE = re.compile(
    r"^[ \t]*[^\W\d_][^\n()]{1,50}?\((?P<agency>[^()\n]{2,30})\)[ \t]*[-–—:]",
    re.MULTILINE,
)
# A signature line: "Moussa Koné / maliweb.net", "Awa Diallo - L'Essor", "Jane Smith | AP".
_SIGNATURE_LINE = re.compile(
    rf"^[ \t]*{CAP}(?:[ \t]+{CAP}){{0,3}}[ \t]*[/|–—-][ \t]*[^\n]{{2,40}}$", re.MULTILINE
)


# "Lire aussi :", "Read more", "Related stories": the headlines of other stories follow.
_RELATED_HEADING = re.compile(
    r"^[ \t]*(?i:(?:à |a )?lire aussi|lire également|voir aussi|sur le même sujet|"
    r"dans la même rubrique|les plus lus|nos articles|read more|read also|also read|"
    r"related(?: stories| articles| coverage| content| news)?|more on this story|more from|"
    r"see also|most read|recommended|you may also like|further reading|trending)"
    r"(?:[ \t]*[:|»›>-][ \t]*(?P<inline>[^\n]*)|[ \t]*)$",
    re.MULTILINE,
)


def related_zones(text: str) -> list[tuple[int, int]]:
    """Lists of other stories' headlines left in a page ("Lire aussi :" and the short lines
    after it, up to a blank line or a sentence): never about this story's entities."""
    zones = []
    for m in _RELATED_HEADING.finditer(text):
        end = m.end()
        if not (m.group("inline") or "").strip():
            for line in re.finditer(r"\n([^\n]+)", text[end:]):
                body = line.group(1).strip()
                if not body or len(body.split()) > 20 or re.search(r"[.!?]\s+\w", body):
                    break
                end = m.end() + line.end()
        zones.append((m.start(), end))
    return zones


def credit_zones(text: str) -> list[tuple[int, int]]:
    """Bylines, photo credits, agency credits and lists of related stories: names in them
    are never entities."""
    zones: list[tuple[int, int]] = related_zones(text)
    for m in _DATELINE.finditer(text):
        zones.append((m.start("agency") - 1, m.end("agency") + 1))
    for m in _SIGNATURE_LINE.finditer(text):
        if not re.search(r"[.!?,;:]\s", m.group()) and len(m.group().split()) <= 9:
            zones.append((m.start(), m.end()))
    for m in _CREDIT_LINE.finditer(text):
        line = m.group()
        # a byline is short and not a sentence
        if len(line.split()) <= 14 and not re.search(r"[.!?]\s+\w", line.strip()):
            zones.append((m.start(), m.end()))
    for pattern in _CREDIT_INLINE:
        for m in pattern.finditer(text):
            zones.append((m.start(), m.end()))
    zones.sort()
    return zones


# ----------------------------------------------------------------------------- headline case
_TITLE_FUNCTION = frozenset(
    word_list(
        """
        a an the of in on at to for and or but with by from as is are was be vs via over into
        after amid against about de la le les du des et à en au aux sur pour par dans avec un
        une l d s
        """
    )
)
_ALPHA_WORD = re.compile(r"[^\W\d_][\w'’\-]*")


def title_case_zones(text: str) -> list[tuple[int, int]]:
    """Lines Written In Headline Case, where a capital says nothing about a name."""
    zones: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        words = [w for w in _ALPHA_WORD.findall(line) if w.casefold() not in _TITLE_FUNCTION]
        if len(words) >= 4 and sum(1 for w in words if w[0].isupper()) >= 0.8 * len(words):
            zones.append((pos, pos + len(line)))
        pos += len(line) + 1
    return zones


def name_shape_ok(name: str, strict: bool = True) -> bool:
    """Every word capitalised, or a connector inside the name ("Bank of Africa", "Ag").
    Not strict (organisations): inner words may be lower case, as in French names ("Front
    de libération du Macina"), but the first and last words are capitalised."""
    words = name.split()
    if not words:
        return False
    for i, word in enumerate(words):
        if word[:1].isupper() or word[:1].isdigit():
            continue
        bare = word.casefold().strip("'’")
        inner = 0 < i < len(words) - 1
        if inner and (bare in _TITLE_FUNCTION or re.fullmatch(_CONNECT, bare)):
            continue
        if inner and not strict and len(words) >= 3:
            continue
        if (
            i == 0
            and re.fullmatch(r"(?:al|el|ag|ould|de|van|von|bin|ben|ibn)-?", bare)
            and len(words) > 1
        ):
            continue
        if re.fullmatch(r"(?:al|el|ad|ash|as|an|ar|at|az)-\w+", bare):  # "al-Qaeda", "ash-Shabaab"
            continue
        return False
    return True


# ----------------------------------------------------------------------------- sentences
_ABBREV = frozenset(
    word_list(
        """
        mr mrs ms dr st gen col lt sgt capt cmdr maj sen rep gov prof no vs etc e.g i.e jan feb
        mar apr jun jul aug sep sept oct nov dec u.s u.n u.k m mme mlle av approx inc ltd co
        corp jr sr
        """
    )
)
_BOUNDARY = re.compile(r"[.!?…]+[\"”’»)\]]*\s+(?=[\"“«(\[]?[^\W_])|\n+")


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; lines are sentences too (headlines, captions)."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.group()[0] != "\n":
            before = text[start : m.start()].rsplit(None, 1)
            word = before[-1].casefold().rstrip(".") if before else ""
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                continue
            nxt = text[m.end() : m.end() + 1]
            if nxt and nxt.islower():
                continue
        end = m.start() + len(m.group().rstrip())
        if text[start:end].strip():
            bounds.append((start, end))
        start = m.end()
    if text[start:].strip():
        bounds.append((start, len(text.rstrip())))
    return bounds


# ----------------------------------------------------------------------------- names
_SPLIT_SPAN = re.compile(r"[\n()\[\]:;|\"“”«»,/]|['’]s[ \t]+|[ \t][–—][ \t]")
_POSSESSIVE_END = re.compile(r"['’]s?$")


def strip_name(
    text: str, start: int, end: int, titles: bool = True, lead_lower: bool = False
) -> list[tuple[int, int, bool]]:
    """Clean a model span into name pieces: split at line breaks, brackets and "'s ",
    strip determiners, titles ("President", "French Foreign Minister") and possessives.
    Returns (start, end, had_title) for each piece left."""
    pieces: list[tuple[int, int]] = []
    pos = start
    for m in _SPLIT_SPAN.finditer(text, start, end):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, end))
    out: list[tuple[int, int, bool]] = []
    for s, e in pieces:
        # trim edges
        while s < e and not text[s].isalnum():
            s += 1
        while e > s and not (text[e - 1].isalnum() or text[e - 1] == "."):
            e -= 1
        poss = _POSSESSIVE_END.search(text, s, e)
        if poss and poss.start() > s and text[poss.start() - 1].isalnum() and poss.group():
            e = poss.start()
        if e > s and text[e - 1] == "." and not re.search(r"\b[A-Z]\.$", text[s:e]):
            e -= 1
        had_title = False
        # strip leading determiners / title words, word by word
        while s < e:
            first = re.match(r"[^\s]+", text[s:e])
            if not first:
                break
            word = first.group()
            w = word.casefold().rstrip(".")
            rest = text[s + len(word) : e].lstrip()
            if not rest:
                break
            if word in _NAME_ARTICLES and rest[:1].isupper():
                break
            if (
                lead_lower
                and word[:1].islower()
                and not re.fullmatch(r"(?:al|el|ag|ould|bin|ben|ibn|de|van|von)(?:-\w+)?", word)
            ):
                s = e - len(rest)
                continue
            lead = _DESCRIPTOR_OF.match(text, s, e)
            if lead and text[lead.end() : e][:1].isupper():
                s = lead.end()  # "Attaque de Tessit", "Axe Ségou-San", "Grand Marché de X"
                continue
            if w in _LEAD_PREPOSITIONS and word[:1].isupper() and rest[:1].isupper():
                s = e - len(rest)  # "Depuis Dakar", "À Abuja" at a sentence start
                continue
            if titles and _is_demonym(word) and rest[:1].isupper():
                s = e - len(rest)  # "l'Algérien Abdelhamid Abou Zeid" (people only)
                continue
            if w in _DETERMINERS or (
                titles and (w in _TITLE_WORDS or (w in _MODIFIER_WORDS and _title_follows(rest)))
            ):
                if w in _TITLE_WORDS:
                    had_title = True
                s = e - len(rest)
                continue
            break
        piece = text[s:e]
        if s < e and any(c.isupper() for c in piece):
            if titles and piece.casefold().rstrip(".") in _TITLE_WORDS:
                continue  # a title alone ("Col.")
            out.append((s, e, had_title))
    return out


# Words that describe a place or an event named after a town: the town is the name.
_DESCRIPTOR_OF = re.compile(
    r"(?i:attaque|attaques|attack|attacks|attentat|massacre|prise|bataille|battle|siège|siege|"
    r"chute|fall|embuscade|ambush|axe|route|road|grand marché|marché|market|quartier|aéroport|"
    r"airport|stade|stadium|pont|bridge|port|mairie|gare|hôpital|hospital|barrage|dam|"
    r"poste|post|base|camp|garnison|garrison)"
    r"[ \t]*(?:(?:de|du|des|d['’]|of)(?:[ \t]+(?:la|le|les|the)|[ \t]*l['’])?)[ \t]*(?=\S)"
    r"|(?i:axe)[ \t]+(?=\S)"
)
_LEAD_PREPOSITIONS = frozenset(
    word_list(
        """
        à a au aux de depuis selon pour dans en après avant chez vers sur par avec sans contre
        entre pendant durant malgré outre in at from after before for since during with without
        against near outside inside despite under over across through via
        """
    )
)
_DEMONYM_SHAPE = re.compile(r"[A-ZÀ-Ý][a-zà-ÿ]+(?:ien|ienne|iens|iennes|ian|ians)$")
_PLURAL_DEMONYM_SHAPE = re.compile(
    r"(?:[A-ZÀ-Ý][a-zà-ÿ]+-)?[A-ZÀ-Ý][a-zà-ÿ]+"
    r"(?:ien|ienne|iens|iennes|ian|ians|ais|aise|aises|ain|ains|aine|aines|ois|oise|oises)$"
)


def demonym_shaped(word: str) -> bool:
    """A nationality as a noun ("Mauritaniens", "Néerlandais", "Sud-Africain"), not a name."""
    if norm(word) in GIVEN_NAMES:
        return False
    return norm(word) in DEMONYMS or bool(_PLURAL_DEMONYM_SHAPE.fullmatch(word))


def is_title_word(word: str) -> bool:
    """ "President", "Colonel", "Me", "Foreign": words that come before a person's name."""
    w = word.casefold().rstrip(".")
    return w in _TITLE_WORDS or w in _MODIFIER_WORDS or _is_demonym(word)


def _is_demonym(word: str) -> bool:
    """ "Algérien", "Mauritanian", "l'Ivoirien": a nationality before a person's name."""
    bare = re.sub(r"^[lL]['’]", "", word)
    if norm(bare) in GIVEN_NAMES:
        return False  # "Damien", "Christian", "Julien"
    return norm(bare) in DEMONYMS or bool(_DEMONYM_SHAPE.fullmatch(bare))


_PERSON_RUN = re.compile(
    rf"(?<![\w'’\-]){CAP}(?:[ \t]+(?:{_NAME_PARTICLE}[ \t]+|{_NAME_PARTICLE}-)?{CAP}){{1,4}}"
)


def given_name_person(name: str) -> bool:
    """A person's name by its shape: two or more capitalised words, the first a given name
    ("Soumaïla Cissé", "Almahdi Ag Mohamed"), whatever the model's label said."""
    words = name.split()
    if len(words) < 2 or name.isupper():
        return False
    first = norm(words[0]).split(" ")[0]  # "Jean-Yves" -> "jean"
    if first not in GIVEN_NAMES:
        return False
    return all(w[:1].isupper() or re.fullmatch(_NAME_PARTICLE + r"(?:-\S+)?", w) for w in words)


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


def _title_follows(rest: str) -> bool:
    """Is a title word among the next words (after modifiers)? "Foreign Minister X"."""
    for word in rest.split()[:3]:
        w = word.casefold().rstrip(".")
        if w in _TITLE_WORDS:
            return True
        if w not in _MODIFIER_WORDS:
            return False
    return False
