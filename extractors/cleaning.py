"""Remove page furniture (navigation, captions, promotion, comments ...) from article text.

Plain functions over strings, no I/O. Input is either trafilatura output (one paragraph
per line) or a plain-text page dump (paragraphs between blank lines, page chrome around
them). Every rule targets a *family* of furniture seen across news sites, in English and
French, never one site's exact strings. Rules lean conservative: losing a real body
paragraph is worse than keeping a bit of junk, so most rules combine two signals (a
keyword *and* a shape: short, no sentence punctuation, reader address, position).

One cleaning pass over the non-empty lines, repeated until nothing changes (so the result
is idempotent):

1. pairs: a "Read more" marker with the teaser headline before it, a "Lire aussi"
   marker with the one after it, a caption repeated by the next line plus a credit;
2. single lines: navigation, metadata, captions/credits, promotion;
3. tail cuts once the body has begun: 404 text, tag lines, reader-comment sections;
4. exact duplicate paragraphs (the first copy stays);
5. edges: kickers before the first body paragraph, fragments (tag lists, related
   links) and an author bio after the last one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["SeedDocument", "clean_text", "parse_plain_article"]


def _wordset(text: str) -> frozenset[str]:
    """A vocabulary written as one space-separated string (readable in long lists)."""
    return frozenset(text.split())


@dataclass(frozen=True)
class SeedDocument:
    """A plain-text article split into its headline (None when there is none) and body."""

    title: str | None
    body: str  # cleaned


# --------------------------------------------------------------------------- shapes
# Words: letters/digits, inner apostrophes and hyphens kept ("d'auto-défense" is one word).
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_CLOSERS = r"[\"'”’»)\]]*"
# Any sentence-ish ending, including ":" and ";" (a line introducing a quote is body).
_TERMINAL = re.compile(rf"[.!?…:;]\s*{_CLOSERS}\s*$")
# A real sentence ending.
_SENTENCE_END = re.compile(rf"[.!?…]\s*{_CLOSERS}\s*$")
# Endings a headline never has ("?" and "!" are fine in headlines).
_NON_HEADLINE_END = re.compile(rf"[.,;:…]\s*{_CLOSERS}\s*$")
# Reported speech or quotation: a line with these is news content, never promotion/caption.
_REPORTED_SPEECH = re.compile(
    r"\b(?:said|says|told|tells|according\s+to|added|a\s+(?:déclaré|dit|affirmé|expliqué|"
    r"ajouté|indiqué|annoncé)|selon|déclare|explique|affirme)\b|[“”«»\"]",
    re.IGNORECASE,
)
# Lower-case words allowed inside a run of names ("Jean de la Tour", "X and Y in Bamako").
_NAME_CONNECTORS = _wordset(
    "and et with avec in à au aux en de du des d la le les van von der den da dos do di "
    "al el ibn bin ben for pour of the staff agencies agences correspondent correspondant "
    "correspondante envoyé envoyée spécial spéciale special reporter writer"
)


def _words(line: str) -> list[str]:
    return _WORD.findall(line)


def _is_fragment(line: str) -> bool:
    """No sentence punctuation at the end: a label, tag, headline or link, not prose."""
    return not _TERMINAL.search(line)


def _is_body_like(line: str) -> bool:
    """A prose paragraph: ends like a sentence and has some length."""
    return bool(_SENTENCE_END.search(line)) and len(_words(line)) >= 5


def _is_teaser(line: str) -> bool:
    """A short headline-like line (a link to another article), not a sentence ending with '.'."""
    n = len(_words(line))
    return 1 <= n <= 25 and not _NON_HEADLINE_END.search(line)


def _looks_like_names(text: str) -> bool:
    """Only capitalised words, numbers and name connectors: a credit, byline or sign-off."""
    words = _words(text)
    if not words or not words[0][0].isupper():
        return False
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in _NAME_CONNECTORS for w in words)


def _bare(line: str) -> str:
    """The line without decoration around it ("Read more »", "(Advertisement)", "Lire aussi :")."""
    return line.strip(" :.…»«>→|/-–—•·*#()[]")


# ------------------------------------------------------------- 1. navigation lines
# Whole-line navigation and page chrome (matched on _bare(line), case-insensitive).
_NAVIGATION = re.compile(
    r"""
    (?:skip|jump|go)\ to\ (?:the\ )?(?:main\ )?(?:content|navigation|article|search)
  | (?:aller|passer)\ (?:au|à\ la)\ (?:contenu|navigation)(?:\ principal)?
    # advertising slots
  | advertisement|advertising|advert|ad|sponsored(?:\ content)?|publicité|pub|annonce
  | contenu\ sponsorisé
  | (?:story|article)\ continues\ (?:below|after)(?:\ (?:this\ )?(?:advertisement|ad))?
  | continue\ reading(?:\ (?:below|the\ main\ story))?
  | (?:la\ )?suite\ après\ (?:cette\ |la\ )?publicité
    # related-content headers and teaser markers
  | don['’]t\ miss|must\ reads?|à\ ne\ pas\ manquer|trending(?:\ now)?|most\ (?:read|popular|viewed)
  | les\ plus\ (?:lus|partagés)|related(?:\ (?:articles?|stories|content|coverage|topics|news))?
  | more\ (?:on|about)\ this(?:\ (?:story|topic))?|see\ also|voir\ aussi|sur\ le\ même\ sujet
  | (?:à\ )?lire\ (?:aussi|également)|read\ (?:more|also|next)|also\ read|lire\ la\ suite
  | en\ savoir\ plus|learn\ more|see\ more|voir\ plus|show\ more|load\ more
    # reading time and audio players
  | \d+\s*(?:min|mins|minutes?)(?:\ (?:read|de\ lecture|lecture))?
  | (?:reading\ time|temps\ de\ lecture|lecture)\s*:?\s*\d+\s*(?:min|mins|minutes?)
  | (?:listen\ to\ (?:this\ )?article|écouter\ (?:cet\ )?article)(?:\W+\d+\s*min\w*)?
    # interactive graphics
  | (?:click|tap)\ (?:on\ )?(?:the\ )?(?:map|photo|image|picture|graphic|chart|infographic)s?
    \ to\ (?:enlarge|expand|zoom(?:\ in)?|view)
  | cliquez\ (?:sur\ )?(?:la\ |le\ |l['’])?(?:carte|photo|image|infographie|graphique)
    \ pour\ (?:l['’]|la\ |le\ )?(?:agrandir|voir|zoomer)
  | enlarge\ (?:this\ )?(?:image|photo)|agrandir\ (?:l['’]image|la\ photo|la\ carte)
    # comment counters and comment-form chrome
  | \d+\s*(?:comments?|commentaires?|réactions?|replies|responses)
  | (?:comments?|commentaires?|réactions?)\s*\(?\d*\)?
  | (?:view|show|read|see|load|hide|voir|afficher|lire|masquer)\ (?:all\ |les\ |the\ )?(?:\d+\ )?
    (?:comments?|commentaires?|réactions?)
  | (?:leave|post|add|write)\ a\ (?:comment|reply)|laisser\ un\ commentaire|réagir
  | join\ the\ (?:conversation|discussion)|reply|répondre|report(?:\ (?:comment|abuse))?
  | signaler(?:\ un\ abus)?
    # error pages
  | (?:the\ )?(?:page|content|article)\ you\ (?:requested|are\ looking\ for|were\ looking\ for)
    \ (?:does\ not|doesn['’]t|could\ not|cannot|can['’]t|no\ longer|is\ no\ longer|may\ have)\b.*
    # site chrome
  | menu|search|rechercher|recherche|home|accueil|log\ ?in|sign\ ?in|sign\ ?up|register
  | se\ connecter|connexion|mon\ compte|my\ account|close|fermer|back\ to\ top
  | retour\ en\ haut(?:\ de\ (?:la\ )?page)?|(?:previous|next)(?:\ (?:article|story|post))?
  | article\ (?:précédent|suivant)|précédent|suivant|loading|chargement
  | (?:follow|suivez)[-\ ](?:us|nous)(?:\ (?:on|sur)\ [\w\ ]{1,30})?
    """,
    re.IGNORECASE | re.VERBOSE,
)
# "Read more: <other headline>", "Lire aussi | <autre titre>", "Watch: <video title>".
_SEE_ALSO_PREFIX = re.compile(
    r"(?:(?:à\s+)?lire\s+(?:aussi|également)|read\s+(?:more|also|next)|also\s+read|see\s+also|"
    r"voir\s+aussi|related|sur\s+le\s+même\s+sujet|more\s+on\s+this|watch|regarder|à\s+voir|"
    r"listen|écouter)\s*[:|–—>]\s*\S.*",
    re.IGNORECASE,
)
# Share/social button rows: every word is a button word, at least one a strong one.
_BUTTON_WORDS = _wordset(
    "share shares sharing partager partagez partage tweet tweeter twitter x facebook whatsapp "
    "linkedin reddit pinterest telegram messenger flipboard bluesky threads email e-mail mail "
    "courriel print imprimer copy copier link lien le this article story on sur via save "
    "sauvegarder enregistrer comment comments commenter update gift offrir"
)
_STRONG_BUTTON_WORDS = _wordset(
    "share shares sharing partager partagez tweet tweeter twitter facebook whatsapp linkedin "
    "email e-mail print imprimer"
)


def _is_button_row(line: str) -> bool:
    words = [w.lower() for w in _words(line)]
    return (
        0 < len(words) <= 10
        and all(w in _BUTTON_WORDS for w in words)
        and any(w in _STRONG_BUTTON_WORDS for w in words)
    )


def _is_navigation(line: str) -> bool:
    """Skip links, ad slots, related headers, reading time, share rows, comment counters."""
    if _NAVIGATION.fullmatch(_bare(line)) or _is_button_row(line):
        return True
    return bool(_SEE_ALSO_PREFIX.fullmatch(line)) and len(_words(line)) <= 30


# --------------------------------------------------------------- 2. metadata lines
# Bylines and contributor credits: "By X", "Par X", "Video by X", "Reporting by X; Editing by Y".
_CREDIT_ROLE = re.compile(
    r"(?:(?:additional|additionnal)\s+)?(?:video|text|texte|photos?|pictures?|images?|words|"
    r"reporting|editing|writing|interview|vidéo|reportage|illustrations?|graphics?|infographie|"
    r"propos\s+recueillis|montage|édition)?\s*\b(?:by|par)\b",
    re.IGNORECASE,
)
_DE_NOTRE_ENVOYE = re.compile(
    r"de\s+(?:notre|nos)\s+(?:envoyée?s?|correspondante?s?)(?:\s+spéciale?s?)?\b.{0,60}",
    re.IGNORECASE,
)
# Date labels, removed before checking that the rest is only a date.
_DATE_LABEL = re.compile(
    r"(?:latest|last)\s+updated?|updated|update|(?:first\s+)?published|posted|date\s+created|"
    r"created|modified|(?:dernière\s+)?mise?\s+à\s+jour|publiée?|modifiée?|créée?|"
    r"mise?\s+en\s+ligne",
    re.IGNORECASE,
)
_MONTHS_AND_DAYS = _wordset(
    "jan january feb february mar march apr april may jun june jul july aug august sep sept "
    "september oct october nov november dec december janvier février fevrier mars avril mai "
    "juin juillet août aout septembre octobre novembre décembre decembre monday tuesday "
    "wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun "
    "lundi mardi mercredi jeudi vendredi samedi dimanche"
)
_DATE_FILLERS = _wordset(
    "on at le à the of de du er a h heure heures gmt utc cet cest est edt bst wat ist pst pdt "
    "am pm ago hours hour hrs minutes mins min days day yesterday today hier aujourd il y "
    "et and"
)
_CLOCK = re.compile(r"\d+(?:h\d*|am|pm|er)?", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b")


def _is_byline(line: str) -> bool:
    """'By Jane Doe', 'Par Jean Dupont', 'Video by X': a credit phrase, then only names."""
    if len(_words(line)) > 25:
        return False
    if _DE_NOTRE_ENVOYE.fullmatch(_bare(line)):
        return True
    head = _CREDIT_ROLE.match(line.lstrip("([ "))
    if not head:
        return False
    return _looks_like_names(_CREDIT_ROLE.sub(" ", line))


def _is_date_line(line: str) -> bool:
    """'Published on 12/03/2021 at 10h05', 'Latest update : 2013-01-14', 'Jan. 17, 2013'."""
    rest, labels = _DATE_LABEL.subn(" ", line)
    words = [w.lower() for w in _words(rest)]
    if not words or len(words) > 16:
        return False
    has_date = False
    for word in words:
        if word in _MONTHS_AND_DAYS or _NUMERIC_DATE.fullmatch(word):
            has_date = True
        elif _CLOCK.fullmatch(word):
            has_date = has_date or labels > 0
        elif word not in _DATE_FILLERS:
            return False
    return has_date or bool(_NUMERIC_DATE.search(rest))


def _is_metadata(line: str) -> bool:
    """Bylines, contributor credits and publication/update dates standing on their own line."""
    return _is_byline(line) or _is_date_line(line)


# --------------------------------------------------------- 3. captions and credits
# Photo agencies and image banks, case-sensitive (acronyms like AP only in capitals).
_AGENCY = (
    r"(?:AFP|AP|EPA(?:-EFE)?|REUTERS|Reuters|Getty\ Images|Getty|Anadolu(?:\ Agency)?|Xinhua|"
    r"SIPA|Sipa|ABACA|Abaca|MAXPPP|MaxPPP|Hans\ Lucas|Shutterstock|Alamy|DPA|dpa|ANSA|"
    r"Keystone|Belga|ZUMA(?:\ Press)?|NurPhoto|Handout|Bloomberg|iStock|Wikimedia(?:\ Commons)?)"
)
_CAP_NAME = r"[A-Z][\w'’\-]*"
# A line ending with a credit: "... Reuters/Malin Palm", "(AP Photo/Jerome Delay)", "X/AFP".
_CREDIT_AT_END = re.compile(
    rf"(?<![\w\-]){_AGENCY}(?:\ Photos?)?(?:\s*(?:/|via)\s*{_CAP_NAME}(?:\.?\ {_CAP_NAME}){{0,3}})?"
    rf"\s*[)\]]?\s*$"
)
# A line opening with a credit label: "Photo : AFP", "Crédit photo : X", "Video: ...".
_CREDIT_LABEL = re.compile(
    r"[(\[]?(?:photos?|photograph|picture|image|illustration|crédits?(?:\s+photos?)?|credits?|"
    r"photo\s+credit|video|vidéo)\s*:",
    re.IGNORECASE,
)
# A credit after the caption's sentence: "French troops in Gao. Photo: AFP".
_CREDIT_AFTER_SENTENCE = re.compile(
    r"[.!?]\s*[(\[]?(?:Photos?|Photograph|Picture|Image|Crédits?(?:\s+photo)?|Credits?)"
    r"\s*(?::|by|par)\s*[^.]{1,80}$"
)
# Copyright footers and credits.
_COPYRIGHT = re.compile(
    r"©|^\(c\)\s|^copyright\b|all\s+rights\s+reserved|tous\s+droits\s+réservés", re.IGNORECASE
)
# A credit glued after the caption's last word: "... ammunition.Sgt Matthew McGregor".
_GLUED_CREDIT = re.compile(
    rf"(?<=[a-zà-ÿ][.!?])[\"”’»)]?{_CAP_NAME}(?:\.?\ (?:{_CAP_NAME}|de|van|von|da|al|el)){{0,4}}$"
)
# AP-style caption: "<subject> <present verb> ... in <Town>, <Country>, on <Month> <d>, <yyyy>."
_MONTH_EN = (
    r"(?:Jan(?:uary|\.)|Feb(?:ruary|\.)|March|Mar\.|April|Apr\.|May|June|July|Aug(?:ust|\.)|"
    r"Sept?(?:ember|\.)|Oct(?:ober|\.)|Nov(?:ember|\.)|Dec(?:ember|\.))"
)
_PLACE = rf"{_CAP_NAME}(?:\ {_CAP_NAME}){{0,3}}"
_AP_PLACE_DATE = re.compile(
    rf"\bin\ {_PLACE},\ (?:{_PLACE},\ )?(?:on\ )?(?:[A-Z][a-z]+day,\ )?"
    rf"{_MONTH_EN}\ \d{{1,2}},\ \d{{4}}\."
)
_CAPTION_VERB = re.compile(
    r"\b(?:stand|sit|walk|patrol|gather|look|hold|climb|ride|wait|arrive|speak|attend|pose|"
    r"carr(?:y|ie)|drive|pray|march|rest|guard|prepare|board|leave|listen|watch|cheer|"
    r"celebrate|protest|demonstrate|greet|gesture|react|unload|load|inspect|flee|queue|wave|"
    r"chant|take\ part|cross|sell|shop)(?:s|es)?\b|\b(?:is|are)\ (?:seen|pictured|shown)\b"
)
# Lines opening on the picture itself: "A 2012 map showing ...", "FILE PHOTO: ...".
_MEDIA_OPENER = re.compile(
    r"(?:(?:a|an|this)\s+(?:\d{4}\s+)?(?:file\s+)?|file\s+|archive\s+)"
    r"(?:map|photo(?:graph)?|picture|image|screenshot|screen\s?grab|still|handout\s+photo|"
    r"satellite\s+(?:image|photo)|video\s+(?:grab|still)|graphic|illustration)s?\b"
    r"|(?:une?|la|le|cette)\s+(?:carte|photo(?:graphie)?|image|capture\s+d['’]écran|"
    r"infographie)\b|(?:photo|image)\s+d['’](?:archives?|illustration)",
    re.IGNORECASE,
)
_FILE_PHOTO = re.compile(r"FILE(?:\s+PHOTO)?\s*[-–—:]|File\s+photo\s*[-–—:]")


def _is_credit_line(line: str) -> bool:
    """A caption that ends with, opens with, or carries a photo credit or copyright."""
    n = len(_words(line))
    if _is_fragment(line) and _CREDIT_AT_END.search(line):
        return True
    if _CREDIT_LABEL.match(line) or _CREDIT_AFTER_SENTENCE.search(line):
        return n <= 40
    if _COPYRIGHT.search(line):
        return n <= 30
    return bool(_GLUED_CREDIT.search(line)) and n <= 60


def _is_ap_caption(line: str) -> bool:
    """'<someone> climbs ... in Bamako, Mali, on Jan. 17, 2013.': place and full date end the
    first sentence and the verb is a present-tense picture verb, with no quotation."""
    match = _AP_PLACE_DATE.search(line)
    return (
        match is not None
        and _CAPTION_VERB.search(line[: match.end()]) is not None
        and not _REPORTED_SPEECH.search(line)
        and len(_words(line)) <= 60
    )


def _is_media_description(line: str) -> bool:
    """'A 2012 map showing ...', 'Une carte montrant ...' (no sentence: a finite sentence
    about a photo is news), or an AP 'FILE PHOTO: ...' caption."""
    if _FILE_PHOTO.match(line):
        return len(_words(line)) <= 60
    return (
        bool(_MEDIA_OPENER.match(line))
        and _is_fragment(line)
        and len(_words(line)) <= 40
        and not _REPORTED_SPEECH.search(line)
    )


def _is_caption(line: str) -> bool:
    """Photo/map captions and picture credits."""
    return _is_credit_line(line) or _is_ap_caption(line) or _is_media_description(line)


# ------------------------------------------------------------------- 4. promotion
# Newsletter, subscription and donation vocabulary (promotion only with a second signal).
_PROMO_KEYWORD = re.compile(
    r"newsletter|sign[\s-]?up|subscri(?:be|ption|ber)|donat(?:e|ion)|support\s+(?:our|us|"
    r"independent)|become\s+a\s+(?:member|supporter|subscriber|patron)|membership|free\s+trial|"
    r"unlimited\s+access|abonn(?:ez|er|ement|é|ée|és)|s['’]abonner|inscri(?:vez|re|ption)|"
    r"lettre\s+d['’]information|infolettre|faites\s+un\s+don|faire\s+un\s+don|soutenez|"
    r"essai\s+gratuit|accès\s+illimité|thanks\s+for\s+reading|merci\s+de\s+nous\s+lire|cookies?",
    re.IGNORECASE,
)
# The page talking to its reader.
_READER_ADDRESS = re.compile(
    r"\b(?:you|your|yours|yourself|we|our|us|vous|votre|vos|nous|notre|nos)\b|!", re.IGNORECASE
)


def _is_promotion(line: str) -> bool:
    """Newsletter/subscription/donation appeals: a promo keyword plus reader address or a short
    unpunctuated shape, never reported speech (a news sentence about donations stays)."""
    if not _PROMO_KEYWORD.search(line) or _REPORTED_SPEECH.search(line):
        return False
    n = len(_words(line))
    if n > 80:
        return False
    return bool(_READER_ADDRESS.search(line)) or (_is_fragment(line) and n <= 15)


# ----------------------------------------------------------------- 5. author bios
_AUTHOR_BIO = re.compile(
    rf"{_CAP_NAME}(?:\s+{_CAP_NAME}){{1,3}}\s+(?:is|was|est)\s+(?i:an?|the|un|une|le|la|l['’])?"
    r".{0,160}?\b(?i:correspondents?|reporters?|journalists?|editors?|fellows?|writers?|"
    r"columnists?|contributors?|analysts?|researchers?|producers?|photographers?|authors?|"
    r"correspondante?s?|journalistes?|rédact(?:eur|rice)s?|chercheu(?:r|se)s?|"
    r"chroniqueu(?:r|se)s?|envoyée?s?)\b"
)


def _is_author_bio(line: str) -> bool:
    """'<Name> is a correspondent/fellow/editor ...' (only removed at the end of the text)."""
    return (
        bool(_AUTHOR_BIO.match(line))
        and bool(_SENTENCE_END.search(line))
        and len(_words(line)) <= 60
        and not _REPORTED_SPEECH.search(line)
    )


# ------------------------------------------------------------------- tail markers
# "Page not found", "Error 404", "Page introuvable": the rest is an error page.
_NOT_FOUND = re.compile(
    r"(?:error\s*)?404\b.{0,60}|page\s+(?:not\s+found|introuvable|non\s+trouvée)|"
    r"(?:this|cette)\s+page\s+(?:does\s+not|doesn['’]t|n['’]existe)\b.{0,60}",
    re.IGNORECASE,
)
# "Tags: a, b", "Mots-clés : ...": the article is over, lists and comments follow.
_TAGS_LINE = re.compile(
    r"(?:tags?|tagged(?:\s+with)?|topics?|keywords?|filed\s+under|mots[-\s]clés?|étiquettes?)"
    r"\s*:.*",
    re.IGNORECASE,
)
# "• Will Fenwick says:", "Marie a dit :": one reader comment's header.
_COMMENT_HEADER = re.compile(
    r"(?:[•·▪◦*\-–—]\s*)?(?P<name>[^\s:•][^:]{0,40}?)\s+(?:says|writes|wrote|replied|replies|"
    r"a\s+dit|a\s+écrit|dit|écrit|répond)\s*:",
    re.IGNORECASE,
)
# Pronouns and determiners: "He says:", "The statement says:" introduce quotes, not comments.
_NOT_A_COMMENTER = _wordset(
    "he she it they we i you this that the a an his her their its our il elle ils elles on "
    "le la les l un une ce cette son sa ses leur"
)


def _is_comment_header(line: str) -> bool:
    match = _COMMENT_HEADER.fullmatch(line)
    if not match:
        return False
    name = _words(match["name"])
    return 0 < len(name) <= 5 and name[0].lower() not in _NOT_A_COMMENTER


def _is_tail_marker(line: str) -> bool:
    """A line after which nothing belongs to the article (error page, tags)."""
    bare = _bare(line)
    return bool(_NOT_FOUND.fullmatch(bare)) or (
        bool(_TAGS_LINE.fullmatch(line)) and len(_words(line)) <= 30
    )


# ------------------------------------------------------------- teaser markers
# Markers closing a teaser: the line before is another article's headline.
_MORE_AFTER = re.compile(
    r"read\s+more|lire\s+la\s+suite|continue\s+reading|en\s+savoir\s+plus|learn\s+more|"
    r"see\s+more|voir\s+plus|more|plus",
    re.IGNORECASE,
)
# Markers opening a teaser: the line after is another article's headline.
_SEE_ALSO_BEFORE = re.compile(
    r"(?:à\s+)?lire\s+(?:aussi|également)|read\s+(?:also|next)|also\s+read|see\s+also|"
    r"voir\s+aussi|related(?:\s+\w+)?|sur\s+le\s+même\s+sujet|don['’]t\s+miss|"
    r"à\s+ne\s+pas\s+manquer|must\s+reads?",
    re.IGNORECASE,
)


# =================================================================== the passes
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad]")  # zero-width spaces, BOM, soft hyphen
_SPACES = re.compile(r"\s+")

_LINE_RULES: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("navigation", _is_navigation),
    ("metadata", _is_metadata),
    ("caption", _is_caption),
    ("promotion", _is_promotion),
)


def _normalise_lines(text: str) -> list[str]:
    """NFC, invisible characters removed, inner whitespace collapsed, blank lines dropped."""
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def _junk_reason(line: str) -> str | None:
    """Which single-line rule family (if any) marks this line as furniture. For debugging."""
    for name, rule in _LINE_RULES:
        if rule(line):
            return name
    return None


def _drop_pairs(lines: Sequence[str]) -> list[str]:
    """Teasers framed by a marker, and a caption repeated by the next line plus a credit."""
    drop: set[int] = set()
    for i, line in enumerate(lines):
        bare = _bare(line)
        if _MORE_AFTER.fullmatch(bare):
            drop.add(i)
            if i > 0 and i - 1 not in drop and _is_teaser(lines[i - 1]):
                drop.add(i - 1)
        elif _SEE_ALSO_BEFORE.fullmatch(bare):
            drop.add(i)
            following = lines[i + 1] if i + 1 < len(lines) else ""
            if _is_teaser(following) and not _MORE_AFTER.fullmatch(_bare(following)):
                drop.add(i + 1)
        elif i + 1 < len(lines) and _repeats_with_credit(line, lines[i + 1]):
            drop.update((i, i + 1))
    return [line for i, line in enumerate(lines) if i not in drop]


def _repeats_with_credit(line: str, following: str) -> bool:
    """'<caption>' then '<caption> Reuters/Name': the page printed a caption twice."""
    if len(_words(line)) < 3 or not following.startswith(line) or following == line:
        return False
    rest = following[len(line) :].strip()
    return (
        1 <= len(_words(rest)) <= 6
        and _is_fragment(rest)
        and (_looks_like_names(rest) or "©" in rest or bool(_CREDIT_AT_END.search(rest)))
    )


def _cut_tail(lines: Sequence[str]) -> list[str]:
    """Cut at an error page, tag line or comment section, but only once the body has begun:
    before that such a line is dropped alone, so a misplaced marker never costs the body."""
    comment_headers = [i for i, line in enumerate(lines) if _is_comment_header(line)]
    first_comment = comment_headers[0] if len(comment_headers) >= 2 else None
    kept: list[str] = []
    seen_body = False
    for i, line in enumerate(lines):
        if _is_tail_marker(line) or i == first_comment:
            if seen_body:
                break
            continue
        kept.append(line)
        seen_body = seen_body or _is_body_like(line)
    return kept


def _dedupe(lines: Sequence[str]) -> list[str]:
    """Exact repeated paragraphs: keep the first."""
    seen: set[str] = set()
    kept: list[str] = []
    for line in lines:
        if line not in seen:
            seen.add(line)
            kept.append(line)
    return kept


def _trim_edges(lines: Sequence[str]) -> list[str]:
    """Before the first body paragraph drop kickers (< 4 words); after the last drop short
    unpunctuated fragments (tag lists, related links) and an author bio. A text with no body
    paragraph is left alone."""
    first = next((i for i, line in enumerate(lines) if _is_body_like(line)), None)
    if first is None:
        return list(lines)
    kept = [line for line in lines[:first] if len(_words(line)) >= 4] + list(lines[first:])
    first = len(kept) - (len(lines) - first)
    while len(kept) - 1 > first and (_is_trailing_fragment(kept[-1]) or _is_author_bio(kept[-1])):
        kept.pop()
    return kept


def _is_trailing_fragment(line: str) -> bool:
    return _is_fragment(line) and len(_words(line)) <= 15


def _clean_once(lines: Sequence[str]) -> list[str]:
    lines = _drop_pairs(lines)
    lines = [line for line in lines if _junk_reason(line) is None]
    lines = _cut_tail(lines)
    lines = _dedupe(lines)
    return _trim_edges(lines)


def _clean_lines(lines: Sequence[str]) -> list[str]:
    """Repeat the pass until it changes nothing (each pass only removes lines)."""
    current = list(lines)
    while True:
        cleaned = _clean_once(current)
        if cleaned == current:
            return cleaned
        current = cleaned


# ===================================================================== public API
def clean_text(text: str) -> str:
    """Return the article body without furniture: paragraphs joined by "\\n\\n", whitespace
    normalised (NFC, no trailing spaces, no runs of blank lines), stripped."""
    return "\n\n".join(_clean_lines(_normalise_lines(text)))


def _is_headline(line: str) -> bool:
    return 4 <= len(_words(line)) <= 30 and not _NON_HEADLINE_END.search(line)


def _find_title(lines: Sequence[str]) -> str | None:
    """The first headline-like line before the first sentence-like paragraph."""
    for line in lines:
        if _is_headline(line):
            return line
        if _SENTENCE_END.search(line) or len(_words(line)) > 30:
            return None
    return None


def parse_plain_article(raw: str) -> SeedDocument:
    """Split a plain-text article dump (first a few lines of page chrome, a headline, then the
    body) into headline and cleaned body. Used for the seed corpus."""
    lines = _normalise_lines(raw)
    title = _find_title(_clean_lines(lines))
    if title is None:
        return SeedDocument(title=None, body=clean_text(raw))
    after = lines[lines.index(title) + 1 :]
    body = [line for line in _clean_lines(after) if line != title]
    return SeedDocument(title=title, body="\n\n".join(body))
