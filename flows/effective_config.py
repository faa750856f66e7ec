"""`mali-monitor config`: the effective configuration, each value with where it came from.

The values are those `load_settings` validates (so an invalid file is the same error as for
`run`); their origins are found by reading again what it merged: the command line (`--db`),
the environment ($MALI_MONITOR_DB, $MALI_MONITOR_LOCK_WAIT_S), the user's file or the bundled
default, else the built-in default. Secrets are never read into the output: only the names of
their environment variables and Prefect Secret blocks, and whether each variable is set.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from alerts.channels import CHANNELS
from flows.settings import (
    CONFIG_ENV,
    DB_ENV,
    LOCAL_CONFIG,
    LOCK_WAIT_ENV,
    ConfigError,
    Settings,
    bundled_default_text,
    config_path,
    load_settings,
)

BUILT_IN = "default"
BUNDLED = "bundled default configuration"


@dataclass(frozen=True)
class Value:
    key: str  # dotted: "alerts.email.host"
    value: Any
    origin: str


@dataclass(frozen=True)
class SecretStatus:
    key: str  # "alerts.email.password"
    what: str
    env: str | None  # the variable's name
    env_status: str  # "set" | "not set" | "no variable named"
    block: str  # the Secret block's name, "" for none


@dataclass
class EffectiveConfig:
    file: str | None  # the configuration file read, None: the bundled default
    file_origin: str  # what chose it
    values: list[Value] = field(default_factory=list)
    secrets: list[SecretStatus] = field(default_factory=list)


def effective_config(
    config: str | Path | None = None, *, db_path: str | Path | None = None
) -> EffectiveConfig:
    """The settings `run` would use with `--config config --db db_path`, with origins."""
    settings = load_settings(config, db_path=db_path, require_feeds=False)
    chosen = config_path(config)
    if chosen is None:
        raw, file_label = tomllib.loads(bundled_default_text()), BUNDLED
        found = EffectiveConfig(None, "no --config, $" + CONFIG_ENV + " or ./" + LOCAL_CONFIG)
    else:
        try:
            raw = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise ConfigError(f"cannot read configuration file {chosen}: {e}") from e
        file_label = f"file {chosen}"
        if config:
            origin = "command line --config"
        elif os.environ.get(CONFIG_ENV):
            origin = f"environment variable {CONFIG_ENV}"
        else:
            origin = f"./{LOCAL_CONFIG} in the current folder"
        found = EffectiveConfig(str(chosen), origin)

    overrides: dict[str, str] = {}
    if db_path:
        overrides["warehouse.path"] = "command line --db"
    elif os.environ.get(DB_ENV):
        overrides["warehouse.path"] = f"environment variable {DB_ENV}"
    if os.environ.get(LOCK_WAIT_ENV):
        overrides["warehouse.lock_wait_s"] = f"environment variable {LOCK_WAIT_ENV}"

    def origin_of(path: tuple[str, ...]) -> str:
        key = ".".join(path)
        if key in overrides:
            return overrides[key]
        node: Any = raw
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return BUILT_IN
            node = node[part]
        return file_label

    def walk(model: BaseModel, prefix: tuple[str, ...]) -> None:
        # fields, then sections read as extras ([alerts.<channel>], flows.settings)
        for name in [*type(model).model_fields, *(model.model_extra or {})]:
            if not prefix and name == "source":
                continue
            value = getattr(model, name)
            if isinstance(value, BaseModel):
                walk(value, (*prefix, name))
            else:
                dumped = model.model_dump(mode="json", include={name})[name]
                found.values.append(Value(".".join((*prefix, name)), dumped, origin_of(
                    (*prefix, name))))

    walk(settings, ())
    found.secrets = _secrets(settings)
    return found


def _secrets(settings: Settings) -> list[SecretStatus]:
    """Each registered channel's secrets (alerts.channels.spec.SecretKey): the names of
    their variables and blocks, and whether each variable is set."""
    statuses = []
    for name, channel in CHANNELS.items():
        section = settings.alerts.section(name)
        for secret in channel.secrets:
            env = getattr(section, secret.env_key) if secret.env_key else None
            block = getattr(section, secret.block_key) if secret.block_key else ""
            status = ("set" if os.environ.get(env) else "not set") if env else "no variable named"
            statuses.append(SecretStatus(f"alerts.{name}.{secret.name}", secret.what, env,
                                         status, block or ""))
    return statuses


# --- output ------------------------------------------------------------------------------


def as_json(found: EffectiveConfig) -> str:
    return json.dumps(
        {
            "file": found.file,
            "file_from": found.file_origin,
            "values": {v.key: {"value": v.value, "from": v.origin} for v in found.values},
            "secrets": {
                s.key: {"what": s.what, "env": s.env, "env_status": s.env_status,
                        "block": s.block or None}
                for s in found.secrets
            },
        },
        ensure_ascii=False,
        indent=2,
    )


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {_toml(v)}"
                          for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    raise TypeError(f"no TOML form for {value!r}")


def _line(key: str, value: Any, origin: str) -> str:
    text = f"# {key} is not set" if value is None else f"{key} = {_toml(value)}"
    return f"{text.ljust(44)} # {origin}"


def as_toml(found: EffectiveConfig) -> str:
    """The effective configuration as TOML (loadable again), each value's origin after it."""
    where = f"{found.file} ({found.file_origin})" if found.file else (
        f"none ({found.file_origin}): the {BUNDLED}"
    )
    lines = [
        "# mali-monitor: the effective configuration",
        f"# configuration file: {where}",
        "# after each value, where it came from; secrets are never shown",
    ]
    by_section: dict[str, list[Value]] = {}
    feeds = next(v for v in found.values if v.key == "feeds")
    if not feeds.value:
        lines += ["", _line("feeds", [], feeds.origin)]
    for value in found.values:
        if value.key != "feeds":
            section, _, _ = value.key.rpartition(".")
            by_section.setdefault(section, []).append(value)
    for section, values in by_section.items():
        lines += ["", f"[{section}]"]
        for value in values:
            lines.append(_line(value.key.rpartition(".")[2], value.value, value.origin))
        if section == "warehouse":
            for feed in feeds.value:
                lines += ["", "[[feeds]]".ljust(44) + f" # {feeds.origin}"]
                lines += [
                    f"{k} = {_toml(v)}" if v is not None else f"# {k} is not set"
                    for k, v in feed.items()
                ]
    lines += ["", "# secrets (values are never shown):"]
    for s in found.secrets:
        env = f"${s.env}: {s.env_status}" if s.env else "no environment variable named"
        block = f"; else Prefect Secret block {s.block!r}" if s.block else ""
        lines.append(f"#   {s.key} ({s.what}): {env}{block}")
    return "\n".join(lines)


FORMATS = {"toml": as_toml, "json": as_json}
