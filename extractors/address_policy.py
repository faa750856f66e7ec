"""Which addresses mali-monitor may fetch from: the address policy.

A news crawler follows links chosen by others, so it must not be turned against the
machine it runs on or its network (SSRF). The rule: only public addresses, unless an
address or network is listed in `[fetch] allowed_hosts` (on one port or on all) or
`[fetch] allow_private_addresses` is set. It is applied twice for every hop:

- `refuse_private_host`, before connecting: every address the host name resolves to;
- `peer_refusal`, on the socket once connected (and before any byte is sent, TLS included):
  DNS may answer differently the second time (rebinding), so the address actually connected
  to is what counts. A host listed by name passes the first check only; its peer must still
  be public or listed as an address or network.

Pure functions apart from `resolve_host` (a DNS lookup); the transport that calls
`peer_refusal` is `extractors.guarded_transport`.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Collection
from dataclasses import dataclass

from extractors.errors import FetchError

__all__ = [
    "NOTHING_ALLOWED",
    "AllowList",
    "AllowedHost",
    "is_blocked_ip",
    "parse_allowed_host",
    "peer_refusal",
    "refuse_private_host",
    "resolve_host",
]


def resolve_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (what the connection may end up using)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


_HOST_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_HOST_LABEL}(?:\.{_HOST_LABEL})*\.?$")
_PORT_EXAMPLE = '"feeds.example.org:8443", "127.0.0.1:8080", "[::1]:8080"'


@dataclass(frozen=True)
class AllowedHost:
    """One `[fetch] allowed_hosts` entry: a host name or an IP network (a single address is
    a /32 or /128), on one port or (port None) on every port. `str()` is the canonical form
    that `parse_allowed_host` reads back."""

    name: str | None = None  # lower case, no trailing dot
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    port: int | None = None

    def __str__(self) -> str:
        if self.network is not None:
            host = _network_text(self.network)
            if self.port is not None and self.network.version == 6:
                host = f"[{host}]"
        else:
            host = self.name or ""
        return host if self.port is None else f"{host}:{self.port}"

    def allows_port(self, port: int) -> bool:
        return self.port is None or self.port == port


def parse_allowed_host(text: str) -> AllowedHost:
    """Read one `allowed_hosts` entry: "host", "host:port", "10.0.0.5", "10.0.0.5:8080",
    "10.1.0.0/16", "10.1.0.0/16:8080", "::1", "fd00::/8", "[::1]:8080", "[fd00::/8]:8080".

    Raises ValueError saying what is wrong (the caller names the entry). An IPv6 address
    with a port must be bracketed: "::1:8080" is itself a valid IPv6 address.
    """
    entry = text.strip().lower()
    if not entry:
        raise ValueError("an empty entry")
    if "://" in entry or any(c in entry for c in "?#@ \t"):
        if "://" in entry or "@" in entry:
            raise ValueError(
                f"URLs are not accepted: write the host name or address, with a port to open "
                f"only that port (e.g. {_PORT_EXAMPLE})"
            )
        raise ValueError(_NOT_A_HOST)
    if entry.startswith("["):
        inner, bracket, rest = entry[1:].partition("]")
        network = _parse_network(inner)
        if not bracket or network is None or network.version != 6:
            raise ValueError('brackets hold an IPv6 address or network, as in "[::1]:8080"')
        if rest and not rest.startswith(":"):
            raise ValueError(f'unexpected {rest!r} after "]"; expected :port')
        return AllowedHost(network=network, port=_parse_port(rest[1:]) if rest else None)
    network = _parse_network(entry)  # the whole entry: "::1", "fd00::/8", "10.0.0.5"
    if network is not None:
        return AllowedHost(network=network)
    host, colon, port_text = entry.rpartition(":")
    if not colon:
        host, port_text = entry, ""
    elif ":" in host:
        raise ValueError(
            "not an IPv6 address or network; write an IPv6 address with a port in brackets, "
            'as in "[::1]:8080"'
        )
    port = _parse_port(port_text) if colon else None
    network = _parse_network(host)
    if network is not None:
        return AllowedHost(network=network, port=port)
    if "/" in host:
        raise ValueError(
            'not an IP network in CIDR form (e.g. "10.1.0.0/16"); paths and URLs are not accepted'
        )
    if not _HOST_NAME.match(host):
        raise ValueError(_NOT_A_HOST)
    return AllowedHost(name=host.rstrip("."), port=port)


_NOT_A_HOST = (
    "not a host name, an IP address or an IP network in CIDR form, optionally followed by "
    f":port (e.g. {_PORT_EXAMPLE})"
)


def _parse_port(text: str) -> int:
    if not text:
        raise ValueError('no port after ":"')
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"port {text!r} is not a number")
    if len(text) > 5 or not 1 <= int(text) <= 65535:
        raise ValueError(f"port {text} is out of range (1-65535)")
    return int(text)


def _parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _network_text(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    """ "10.0.0.5" for a single address, "10.1.0.0/16" for a wider network."""
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def _parse_ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a socket reports, zone id dropped, IPv4-mapped IPv6 read as IPv4."""
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
            address.split("%", 1)[0]
        )
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _address_entry(address: str, port: int | None) -> str:
    """The `allowed_hosts` entry that would open `address` (on `port`, or every port)."""
    ip = _parse_ip(address)
    if ip is None:
        return address
    return str(AllowedHost(network=ipaddress.ip_network(ip), port=port))


class AllowList:
    """`[fetch] allowed_hosts`: host names and IP networks, each on one port or on all.

    A listed name only lets the URL's host pass the check made before connecting; the
    address actually connected to must still be public or itself listed (an address or a
    network, on that port), so a listed name that resolves, or is rebound, to a private
    address is refused. An IP entry opens that address or network for the URL's effective
    port (80/443 by default) when it carries a port, for every port when it does not.
    """

    def __init__(self, entries: Collection[str]) -> None:
        parsed = []
        for entry in entries:
            try:
                parsed.append(parse_allowed_host(entry))
            except ValueError as e:
                raise ValueError(f"[fetch] allowed_hosts entry {entry!r}: {e}") from None
        self._names = tuple(e for e in parsed if e.name is not None)
        self._networks = tuple(e for e in parsed if e.network is not None)

    def name_entry(self, host: str, port: int) -> AllowedHost | None:
        """The entry listing `host` by name for `port`, if any."""
        name = host.lower().rstrip(".")
        return next((e for e in self._names if e.name == name and e.allows_port(port)), None)

    def allows_address(self, address: str, port: int) -> bool:
        if not self._networks:
            return False
        ip = _parse_ip(address)
        if ip is None:
            return False
        return any(
            e.network is not None
            and e.allows_port(port)
            and ip.version == e.network.version
            and ip in e.network
            for e in self._networks
        )


NOTHING_ALLOWED = AllowList(())


def _allow_hint(address: str, port: int) -> str:
    """How to open a refused address: what to add to the configuration."""
    return (
        f"list the address or its network in `[fetch] allowed_hosts` "
        f'(allowed_hosts = ["{_address_entry(address, None)}"], or '
        f'"{_address_entry(address, port)}" for port {port} only), or set '
        f"`[fetch] allow_private_addresses = true`, to allow it"
    )


def _listed_name_refusal(entry: AllowedHost, address: str) -> str:
    """Why a listed host name is refused: its address is not listed too."""
    return (
        f"listed host name {entry.name} resolved to private address {address}; list the "
        f'address too: allowed_hosts = ["{entry}", "{_address_entry(address, entry.port)}"]'
    )


def refuse_private_host(
    url: str, target: str, host: str, port: int, via: str, allowed: AllowList
) -> None:
    """Refuse before any connection is attempted when the host resolves to an address that
    is neither public nor allowed (on `port`).

    A host listed by name passes unless none of its addresses could be connected to; the
    address it does connect to is checked by `peer_refusal`.
    """
    try:
        addresses = resolve_host(host, port)
    except (OSError, UnicodeError) as e:
        raise FetchError(
            f"could not resolve host {host} for {target}{via}: {e}", url=url,
            unresolved=isinstance(e, socket.gaierror | UnicodeError),
        ) from e
    if not addresses:
        raise FetchError(f"host {host} has no addresses ({target}{via})", url=url)
    refused = [a for a in addresses if is_blocked_ip(a) and not allowed.allows_address(a, port)]
    if not refused:
        return
    named = allowed.name_entry(host, port)
    if named is None:
        raise FetchError(
            f"refusing to fetch {target}{via}: host {host} resolves to {refused[0]}, a "
            f"private, loopback or otherwise non-public address; {_allow_hint(refused[0], port)}",
            url=url,
            refused=True,
        )
    if len(refused) == len(addresses):
        raise FetchError(
            f"refusing to fetch {target}{via}: {_listed_name_refusal(named, refused[0])}",
            url=url,
            refused=True,
        )


def peer_refusal(host: str, address: str, port: int, allowed: AllowList) -> str | None:
    """Why a socket for `host` connected to `address`:`port` must be dropped, or None.

    The check made before connecting is not enough: DNS may answer differently than it did
    then (rebinding). A host listed by name is checked too: its peer must be public or
    listed as an address or network (on this port).
    """
    if not is_blocked_ip(address) or allowed.allows_address(address, port):
        return None
    named = allowed.name_entry(host, port)
    if named is not None:
        return f"refusing to fetch from {host}: {_listed_name_refusal(named, address)}"
    return (
        f"refusing to fetch from {host}: it connected to {address}, a private, loopback "
        f"or otherwise non-public address; {_allow_hint(address, port)}"
    )


def is_blocked_ip(address: str) -> bool:
    """True for any address a public news site cannot legitimately be on.

    Unparseable input is blocked (fail closed). IPv4-mapped and 6to4 IPv6 addresses are
    judged by the IPv4 address they carry.
    """
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
            address.split("%", 1)[0]  # drop an IPv6 zone id ("fe80::1%eth0")
        )
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None and _is_special_ip(ip.sixtofour):
            return True
    return _is_special_ip(ip)


def _is_special_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global  # also carrier-grade NAT (100.64.0.0/10) and the like
    )
