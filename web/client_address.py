"""Which address a request came from, for the sign-in throttle.

Anyone can send ``X-Forwarded-For``; only the hops our own proxies appended can be believed. The
peer is the client unless it is a trusted proxy (``TRUSTED_PROXIES``); then the header is read
from the right, each trusted proxy's hop skipped, and the first hop no trusted proxy could have
written is the client. A value the client wrote itself sits left of that hop and is never read,
so rotating it changes nothing (OWASP: never trust the left-most value).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_ADDRESS_LENGTH = 64  # the address is part of Redis keys


class InvalidTrustedProxy(ValueError):
    pass


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class TrustedProxies:
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> TrustedProxies:
        """IP addresses and CIDR networks; a typo stops the process rather than trust nothing."""
        networks: list[Network] = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError as exc:
                message = f"TRUSTED_PROXIES: {entry!r} is not an IP address or network"
                raise InvalidTrustedProxy(message) from exc
        return cls(tuple(networks))

    def trusts(self, address: str) -> bool:
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self.networks)

    def client(self, peer: str | None, forwarded_for: Iterable[str]) -> str:
        """The right-most address that is not one of our proxies (the peer if it is not one)."""
        if not peer:
            return "unknown"
        if not self.trusts(peer):
            return _normalised(peer)
        hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return _normalised(hop)
        # Every hop is one of ours: the request started at a proxy of ours.
        return _normalised(hops[0]) if hops else _normalised(peer)


def _normalised(address: str) -> str:
    ip = _ip(address)
    return str(ip) if ip is not None else address[:MAX_ADDRESS_LENGTH]
