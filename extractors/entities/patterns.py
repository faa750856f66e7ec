"""Shared name patterns and cue vocabulary of the context rules, English and French.

The regular-expression pieces more than one rule module builds on: what a capitalised word
and a name look like (`CAP`, `NAME`, the connectors and particles inside names) and the
vocabularies of roles, titles, armed groups and places that both the context cues
(`context.py`) and the span finders (`spans.py`) use. Strings only, nothing compiled here.
"""

from __future__ import annotations

UP = "A-ZÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞŒŠŽ"
CAP = rf"[{UP}][\w'’\-]*"
_CONNECT = (
    r"(?:de|du|des|la|le|el|al|al-|ag|Ag|ould|Ould|ben|bin|ibn|van|von|di|da|dan|na|wal|wa|ou)"
)
NAME = rf"{CAP}(?:[ \t]+(?:{_CONNECT}[ \t]+)?{CAP}){{0,4}}"


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


# A Malian cercle (circle) bears the name of its chief town; so does a camp its site's.
_PLACE_NOUN = (
    r"(?:town|towns|city|cities|village|villages|locality|localities|commune|communes|hamlet|"
    r"hamlets|settlement|settlements|municipality|municipalities|oasis|outpost|garrison town|"
    r"market town|border town|trading post|circle|cercle|camp|camps|site|sites|border post|"
    r"border crossing|checkpoint|crossing point)"
)
_PLACE_NOUN_FR = (
    r"(?:ville|villes|village|villages|localité|localités|commune|communes|bourgade|"
    r"poste frontière|poste frontalier|poste de contrôle|"
    r"bourgades|hameau|hameaux|agglomération|cité|chef-lieu|cercle|cercles|camp|camps|"
    r"site|sites)"
)


# particles inside person names: "Iyad Ag Ghaly", "Sanda Ould Bouamama", "Abou al-Baraa"
_NAME_PARTICLE = r"(?:ag|Ag|ould|Ould|ben|Ben|bin|ibn|al|Al|el|El|de|van|von)"
