"""spaCy's stop-word lists, read without importing spaCy, and the fallbacks when its files
cannot be read that way."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, *, pythonpath: list[Path]) -> str:
    env_path = ":".join(str(p) for p in [*pythonpath, ROOT])
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_lists_are_spacys_and_spacy_is_not_imported():
    out = _run(
        """
        import sys
        from extractors.entities.stopwords import _spacy_stop_words
        en, fr = _spacy_stop_words("en"), _spacy_stop_words("fr")
        print("spacy" in sys.modules)
        from spacy.lang.en.stop_words import STOP_WORDS as EN
        from spacy.lang.fr.stop_words import STOP_WORDS as FR
        print(en == frozenset(EN) and fr == frozenset(FR), len(en) > 300, len(fr) > 300)
        """,
        pythonpath=[],
    )
    assert out.splitlines() == ["False", "True True True"]


def test_a_spacy_whose_files_cannot_be_read_alone_gives_no_stop_words(tmp_path):
    """A spaCy layout where stop_words.py needs its package, and the package is broken."""
    lang = tmp_path / "spacy" / "lang" / "en"
    lang.mkdir(parents=True)
    (tmp_path / "spacy" / "__init__.py").write_text("raise ImportError('thinc missing')\n")
    (tmp_path / "spacy" / "lang" / "__init__.py").write_text("")
    (lang / "__init__.py").write_text("")
    (lang / "stop_words.py").write_text("from .words import WORDS\nSTOP_WORDS = set(WORDS)\n")
    out = _run(
        """
        from extractors.entities.stopwords import stop_words
        print(len(stop_words()))
        """,
        pythonpath=[tmp_path],
    )
    assert out == "0"
