"""The client's IP address, believing X-Forwarded-For only from configured proxies.

Without TRUSTED_PROXIES the peer address of the connection is the client (a forged
X-Forwarded-For changes nothing). With it, the header is read from the right: addresses of
trusted proxies are skipped and the first other address is the client.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def trusted_networks(spec: str) -> tuple[Network, ...]:
    """"10.0.0.1, 172.16.0.0/12" -> networks (a ValueError names a malformed entry)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in spec.split(",") if part.strip())


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip(conn: HTTPConnection, trusted: str) -> str:
    peer = conn.client.host if conn.client else ""
    networks = trusted_networks(trusted)
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in ",".join(conn.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, networks):
            return hop
    return peer
