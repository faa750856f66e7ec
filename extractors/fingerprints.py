"""Content fingerprints: one hash for texts that differ only in case, spacing or punctuation."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalised_for_hash(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def content_hash(text: str) -> str:
    return hashlib.sha256(normalised_for_hash(text).encode("utf-8")).hexdigest()
