"""Credits: the parts of a page whose names are never entities.

Bylines, photo and agency credits, datelines ("BAMAKO (Reuters) -"), signature lines,
lists of related stories ("Lire aussi :") as zones of the text (`credit_zones`), and the
journalists named in them or as "<medium>'s <Name>" (`journalist_names`).
"""

from __future__ import annotations

import re

from extractors.entities.knowledge import GENERIC_WORDS
from extractors.entities.patterns import _CONNECT, CAP, NAME

_CREDIT_AGENCY = (
    r"(?:AFP|Reuters|REUTERS|AP|Getty Images|Getty|EPA|EPA-EFE|Anadolu|Anadolu Agency|Xinhua|"
    r"MaxPPP|Sipa|SIPA|Hans Lucas|Abaca|ABACA|DR|AFP via Getty Images|Shutterstock|Alamy|"
    r"Picture Alliance|dpa|NurPhoto|Zuma|ZUMA|Bloomberg|Pool|POOL)"
)


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
    # "(Reportage Boubacar Sidibé ; rédigé par Claire Lemoine, édité par Marc Joanny)"
    re.compile(r"\((?:Reportage|Rédigé par|Rédaction|Édité par|Edité par|Avec)\b[^)\n]*\)"),

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
