"""Fixtures of the fault suite: a hostile server, a seeded warehouse copied per test (init
loads the NER models and the seeds once per session, not once per test), and a
configuration writer."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from warehouse.publish import read_copy_path

from .hostile_server import HostileServer
from .support import config_toml


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


@pytest.fixture(scope="session")
def seeded_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse after `init`: migrations, the five seeds and their baseline entities."""
    from flows.setup import initialise

    path = tmp_path_factory.mktemp("seeded") / "seeded.duckdb"
    initialise(path)
    return path


@pytest.fixture
def warehouse(seeded_warehouse: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded warehouse."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(seeded_warehouse, path)
    wal = seeded_warehouse.with_name(seeded_warehouse.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, path.with_name(path.name + ".wal"))
    copy = read_copy_path(seeded_warehouse)
    if copy.exists():
        shutil.copyfile(copy, read_copy_path(path))
    return path


ConfigWriter = Callable[..., Path]


@pytest.fixture
def write_config(tmp_path: Path) -> ConfigWriter:
    """`write_config(feeds=[...], fetch={...}, alerts={...})`: the fault configuration with
    these feeds and these keys changed, written to a file."""

    def write(
        name: str = "mali-monitor.toml", feeds: Sequence[str] = (), **sections: dict[str, Any]
    ) -> Path:
        path = tmp_path / name
        text = config_toml(sections) + "".join(f'\n[[feeds]]\nurl = "{u}"\n' for u in feeds)
        path.write_text(text, encoding="utf-8")
        return path

    return write
