"""The seed corpus shipped with the package: five articles of January 2013, untouched."""

from __future__ import annotations

from importlib import resources


def seed_files() -> list[tuple[str, str]]:
    """(file stem, raw text) of every seed file, in name order."""
    folder = resources.files("warehouse") / "seeds"
    files = sorted((e for e in folder.iterdir() if e.name.endswith(".txt")), key=lambda e: e.name)
    return [(entry.name.removesuffix(".txt"), entry.read_text(encoding="utf-8")) for entry in files]
