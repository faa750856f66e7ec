"""The defaults are written twice, in the settings' types and in the bundled default
configuration users copy: they must agree, key for key, or a user copying the file would
silently change behaviour (issue 14)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from flows.settings import ConfigError, Settings, bundled_default_text, load_settings

# What the bundled file sets on purpose, unlike a file that omits the key.
CHOSEN_IN_THE_FILE = {("feeds",), ("schedule", "cron")}


def leaves(table: dict[str, Any], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    found: dict[tuple[str, ...], Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            found.update(leaves(value, (*prefix, key)))
        else:
            found[(*prefix, key)] = value
    return found


def test_the_bundled_configuration_states_the_built_in_defaults() -> None:
    bundled = leaves(tomllib.loads(bundled_default_text()))
    built_in = leaves(Settings().model_dump(exclude={"source"}))
    differences = {
        ".".join(key): (value, built_in.get(key, "(no such key)"))
        for key, value in bundled.items()
        if key not in CHOSEN_IN_THE_FILE and built_in.get(key, object()) != value
    }
    assert differences == {}, "bundled value vs built-in default"


def test_every_built_in_setting_appears_in_the_bundled_configuration() -> None:
    """A user reading the file sees every knob (secrets' *names* included)."""
    bundled = leaves(tomllib.loads(bundled_default_text()))
    built_in = leaves(Settings().model_dump(exclude={"source"}))
    # TOML has no null: a key whose default is "unset" is shown as a comment instead
    missing = sorted(".".join(k) for k, v in built_in.items() if k not in bundled and v is not None)
    assert missing == []


def test_entity_alert_settings_are_checked_and_reach_novelty(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[entities]\nalert_countries = ["Mali"]\nmin_sources = 0\n', encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(bad, require_feeds=False)
    message = str(raised.value)
    assert "entities.alert_countries" in message and '"ML"' in message
    assert "entities.min_sources" in message

    good = tmp_path / "good.toml"
    good.write_text(
        '[entities]\nalert_countries = ["ne", "ML"]\nmin_sources = 2\n', encoding="utf-8"
    )
    novelty = load_settings(good, require_feeds=False).novelty_settings()
    assert novelty.alert_countries == frozenset({"NE", "ML"}) and novelty.min_sources == 2
