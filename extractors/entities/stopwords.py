"""spaCy's English and French stop words, without importing spaCy.

The rules drop single words that are stop words ("Le", "The"). `spacy.lang.fr.stop_words`
is a plain list, but importing it the usual way first imports spaCy and the French
tokenizer exceptions (3 s on a small machine), which the rules do not need and which the
flow process would otherwise pay on its first batch. So each `stop_words.py` is run on its
own; if a spaCy release makes that impossible, the normal import is the fallback.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from pathlib import Path

from extractors.entities.normalize import norm

__all__ = ["stop_words"]

LANGUAGES = ("en", "fr")


def _spacy_stop_words(lang: str) -> frozenset[str]:
    spacy = importlib.util.find_spec("spacy")
    if spacy is None:  # spaCy is optional for the rules
        return frozenset()
    for root in spacy.submodule_search_locations or ():
        path = Path(root) / "lang" / lang / "stop_words.py"
        spec = importlib.util.spec_from_file_location(f"_mali_monitor_stop_words_{lang}", path)
        if not path.is_file() or spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            return frozenset(module.STOP_WORDS)
        except Exception:  # noqa: BLE001 - another spaCy's file: read it the normal way
            break
    try:
        return frozenset(importlib.import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS)
    except ImportError:  # a broken spaCy install: the rules work without stop words
        return frozenset()


@functools.cache
def stop_words() -> frozenset[str]:
    """Normalised stop words of every language the rules read."""
    words: set[str] = set()
    for lang in LANGUAGES:
        words.update(_spacy_stop_words(lang))
    return frozenset(norm(w) for w in words)
