"""The environment of helper processes that need none of the tool's secrets (the local Prefect
server of `serve`, NER helper processes): the caller's environment minus every variable that
holds, or may hold, a secret.

Dropped: the variables the settings name for secrets (`[alerts.email] username_env`,
`password_env`, `[alerts.slack] webhook_url_env`) and their defaults, and every variable whose
name contains one of SECRET_MARKERS (so PREFECT_API_KEY and PREFECT_API_AUTH_STRING go too: a
child that must talk to a Prefect API is given what it needs explicitly, after scrubbing).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.settings import Settings

SECRET_MARKERS = (
    "PASSWORD", "PASSWD", "SECRET", "TOKEN", "WEBHOOK", "API_KEY", "AUTH_STRING",
    "PRIVATE_KEY", "CREDENTIAL",
)
# the settings' defaults, dropped even when a configuration names other variables
DEFAULT_SECRET_NAMES = (
    "MALI_MONITOR_SMTP_USER", "MALI_MONITOR_SMTP_PASSWORD", "MALI_MONITOR_SLACK_WEBHOOK",
)


def secret_env_names(settings: Settings | None = None) -> frozenset[str]:
    """The names of the variables that hold this tool's secrets under `settings`."""
    names = set(DEFAULT_SECRET_NAMES)
    if settings is not None:
        names.update(settings.alerts.secret_env_names())  # every registered channel's
    return frozenset(names)


def looks_secret(name: str) -> bool:
    """Whether a variable's name says it holds a secret (PASSWORD, TOKEN, ...)."""
    upper = name.upper()
    return any(marker in upper for marker in SECRET_MARKERS)


def scrubbed_environ(
    secret_names: Iterable[str] = (), environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A copy of `environ` (default: os.environ) without `secret_names`, the default secret
    variables (DEFAULT_SECRET_NAMES) nor any variable whose name looks like a secret's."""
    names = {*DEFAULT_SECRET_NAMES, *secret_names}
    source = os.environ if environ is None else environ
    return {k: v for k, v in source.items() if k not in names and not looks_secret(k)}


def child_environment(
    settings: Settings | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment for a helper process started under `settings`: no secrets."""
    return scrubbed_environ(secret_env_names(settings), environ)
