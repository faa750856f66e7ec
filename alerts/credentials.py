"""A channel's secrets, read when its sender is built (at send time), never stored.

A secret comes from the environment variable a key names (`*_env`) or, when that is unset or
empty, from the Prefect Secret block another names (`*_block`): the variable wins, so one
machine can override a shared block without touching it, and no Prefect API call is made when
the variable is set.
"""

from __future__ import annotations

from collections.abc import Mapping

from alerts.errors import DeliveryError

BLOCK_NOT_FOUND = "Unable to find block document named"


def _env(env: Mapping[str, str], name: str | None) -> str | None:
    if not name:
        return None
    value = env.get(name, "")
    return value if value.strip() else None


def _block(name: str, channel: str, key: str) -> str | None:
    """The text a Prefect Secret block holds (None when `name` is ""). Read raw, not through
    `Secret.get()`, which would turn a password such as "123456" into a number. A block that
    cannot be read is a DeliveryError naming the block and the key, never showing a value."""
    if not name:
        return None
    where = f"the Prefect Secret block {name!r} ([alerts.{channel}] {key})"
    try:
        from prefect.blocks.system import Secret

        block = Secret.load(name, _sync=True)  # type: ignore[call-arg]  # sync even in async code
    except Exception as e:  # not found, API unreachable, not a Secret block ...
        if isinstance(e, ValueError) and str(e).startswith(BLOCK_NOT_FOUND):
            problem = (
                "does not exist on this Prefect server; create it with "
                f"Secret(value=...).save({name!r}) (from prefect.blocks.system import Secret)"
            )
        else:  # the text of a validation error could quote the value: not shown
            problem = f"cannot be loaded ({type(e).__name__}; is the Prefect API reachable?)"
        raise DeliveryError(f"{channel}: {where} {problem}", channel=channel) from None
    if not isinstance(block, Secret):  # `_sync=True`: the block itself, never a coroutine
        raise DeliveryError(f"{channel}: {where} is not a Secret block", channel=channel)
    value = block.value.get_secret_value()
    if not isinstance(value, str) or not value.strip():
        raise DeliveryError(
            f"{channel}: {where} does not hold a text value", channel=channel
        )
    return value


def read_secret(
    env: Mapping[str, str], env_name: str | None, block_name: str, channel: str, key: str
) -> tuple[str | None, str]:
    """A secret and where it came from: the environment variable when it is set and not
    empty, else the Prefect Secret block (loaded only then). `key` is the section's key
    naming the block, for messages. (None, where it was looked for) when neither holds it."""
    value = _env(env, env_name)
    if value is not None:
        return value, f"${env_name}"
    value = _block(block_name, channel, key)
    if value is not None:
        return value, f"Prefect Secret block {block_name!r}"
    sources = [f"${env_name}"] if env_name else []
    if block_name:
        sources.append(f"Prefect Secret block {block_name!r}")
    return None, " or ".join(sources) or f"({key})"
