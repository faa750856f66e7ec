"""Loopback hosts: the only places a password may travel in clear (SMTP login with
tls = "none") or a webhook may be posted over plain http:// without being asked for.

A host is loopback when it is an address in 127.0.0.0/8 or ::1 (an IPv4-mapped ::ffff:127.x
too), or the name "localhost". Nothing is resolved: a name that happens to resolve to
127.0.0.1 is not trusted, since its resolution can change.
"""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name.rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback
