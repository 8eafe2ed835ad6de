"""Which address a request came from, for throttling and the audit log.

The socket's peer is the client, unless the peer is a proxy the installation trusts
(LEVERAGE_TRUSTED_PROXIES): then the `X-Forwarded-For` header, read from its right end, names the
client. Each hop added by a trusted proxy is believed; the first hop not added by a trusted proxy is
the client, so a phone cannot choose its own address by sending the header itself (a forged entry
sits to the left of what the trusted proxy appended, and is never reached). Without trusted proxies
the header is ignored whatever it says.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"


def networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _parse(text: str | None) -> Address | None:
    if not text:
        return None
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        found = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Iterable[Network]) -> str:
    """The client's address as text (`unknown` when the peer's is not an address)."""
    trusted = tuple(trusted)
    current = _parse(peer)
    if current is None:
        return UNKNOWN
    hops = [h for h in (forwarded_for or "").split(",") if h.strip()]
    while hops and _trusted(current, trusted):
        hop = _parse(hops.pop())
        if hop is None:  # garbage from a proxy we trust: stop at the proxy itself
            break
        current = hop
    return str(current)
