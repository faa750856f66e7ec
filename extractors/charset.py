"""Decoding an HTML page's bytes to text the way a browser would.

Pure functions over bytes: no network. `decode_html` takes the body and the charset the
server declared (if any) and tolerates wrong or missing declarations.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

__all__ = ["decode_html"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9_.:+-]+)""", re.I)
_META_SCAN_BYTES = 4096
# Browsers decode these labels as windows-1252, and sites declaring them mean it: curly
# quotes and the euro sign sit in 0x80-0x9F, which real latin-1 maps to control characters.
_WINDOWS_1252_ALIASES = frozenset({"latin-1", "iso8859-1", "ascii"})
# Python codecs that are not character encodings a web page can be in.
_NOT_WEB_CODECS = frozenset(
    {
        "base64", "bz2", "hex", "quopri", "rot-13", "uu", "zlib", "undefined",
        "unicode-escape", "raw-unicode-escape", "punycode", "idna", "mbcs", "oem",
    }
)  # fmt: skip
_PREFERRED_GUESS = "cp1252"
_GUESS_CHAOS_MARGIN = 0.1


def decode_html(content: bytes, charset: str | None) -> str:
    """Decode an HTML page the way a browser would, tolerating wrong declarations.

    Order: byte-order mark; the declared charset (HTTP header, then <meta> in the first
    4 KB), unless it fails to decode or the bytes are clearly UTF-8 instead; strict UTF-8;
    charset_normalizer's guess; cp1252 with replacement characters.
    """
    by_bom = _decode_by_bom(content)
    if by_bom is not None:
        return by_bom
    for declared in (_web_codec(charset), _meta_codec(content)):
        if declared is None:
            continue
        if declared != "utf-8" and _is_non_ascii_utf8(content):
            # e.g. a server-wide "charset=iso-8859-1" in front of a UTF-8 page; valid
            # multi-byte UTF-8 almost never arises from text in a legacy encoding.
            return content.decode("utf-8")
        try:
            return content.decode(declared)
        except (UnicodeDecodeError, LookupError):
            continue  # a wrong declaration: detect instead
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    guess = _guess_codec(content)
    if guess is not None:
        try:
            return content.decode(guess, errors="replace")
        except LookupError:
            pass
    return content.decode("cp1252", errors="replace")


def _decode_by_bom(content: bytes) -> str | None:
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(codec, errors="replace")
    return None


def _web_codec(label: str | None) -> str | None:
    """Python codec name for a charset label, or None when unknown or not a text encoding."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'").strip()).name
    except (LookupError, ValueError):
        return None
    if name in _WINDOWS_1252_ALIASES:
        return "cp1252"
    if name in _NOT_WEB_CODECS:
        return None
    return name


def _meta_codec(content: bytes) -> str | None:
    match = _META_CHARSET.search(content[:_META_SCAN_BYTES])
    if match is None:
        return None
    codec = _web_codec(match.group(1).decode("ascii"))
    if codec is not None and codec.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a meta readable as ASCII cannot be UTF-16; browsers read UTF-8
    return codec


def _is_non_ascii_utf8(content: bytes) -> bool:
    if content.isascii():
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _guess_codec(content: bytes) -> str | None:
    """charset_normalizer's guess, preferring cp1252 when it fits about as well.

    On short French text the detector ties many Latin code pages (cp1250, cp1257...) and
    picks one arbitrarily; cp1252 is by far the likeliest for the sites we read.
    """
    matches = from_bytes(content)
    best = matches.best()
    if best is None:
        return None
    for match in matches:
        if (
            _PREFERRED_GUESS in match.could_be_from_charset
            and match.chaos <= best.chaos + _GUESS_CHAOS_MARGIN
        ):
            return _PREFERRED_GUESS
    return str(best.encoding)
