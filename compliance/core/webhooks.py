"""Webhook signatures and the address check that keeps webhooks off private networks.

The signature header reads ``t=<unix seconds>,v1=<hex>``, where the hex is HMAC-SHA256,
keyed with the subscription's secret, over ``"<t>." + body`` (the raw bytes of the body).
A receiver recomputes it, compares in constant time and refuses a timestamp too far from
its clock (a replay). ``v1`` names the scheme; a later scheme would add ``v2`` beside it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import time
from urllib.parse import urlsplit

SIGNATURE_HEADER = "Tracker-Signature"
DELIVERY_HEADER = "Tracker-Delivery"
EVENT_HEADER = "Tracker-Event"
SCHEME = "v1"
# A receiver should refuse a signature older (or newer) than this.
TOLERANCE_SECONDS = 300


def signature(*, secret: str, body: bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>." + body`` under ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The value of the signature header for ``body`` sent now (or at ``timestamp``)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return f"t={stamp},{SCHEME}={signature(secret=secret, body=body, timestamp=stamp)}"


def signature_verify(
    *, secret: str, body: bytes, header: str, now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:  # fmt: skip
    """Whether ``header`` signs ``body`` with ``secret`` within ``tolerance`` seconds of now."""
    parts: dict[str, str] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, value)
    try:
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - stamp) > tolerance:
        return False
    expected = signature(secret=secret, body=body, timestamp=stamp)
    return hmac.compare_digest(expected, parts.get(SCHEME, ""))


_EMBEDDING_IPV4 = (ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96"),
                   ipaddress.ip_network("64:ff9b:1::/48"))  # fmt: skip


def address_public(address: str) -> bool:
    """Whether an IP address is on the public internet (not loopback, private, link-local,
    multicast, reserved or unspecified; IPv4-mapped IPv6 is judged as the IPv4 it maps)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif (
            ip.sixtofour is not None
            or ip.teredo is not None
            or any(ip in network for network in _EMBEDDING_IPV4)
        ):
            return False  # an IPv4 address inside (6to4, Teredo, NAT64, IPv4-compatible)
    return ip.is_global and not ip.is_multicast


def webhook_url_refusal(url: str, *, allow_private: bool) -> str | None:
    """Why a webhook URL cannot be used, or None when it can (see :func:`webhook_target`)."""
    return webhook_target(url, allow_private=allow_private)[0]


def webhook_target(url: str, *, allow_private: bool) -> tuple[str | None, str | None]:
    """Why a webhook URL cannot be used (or None), and the checked address to connect to.

    Without ``allow_private`` the URL must be HTTPS and every address its host resolves to
    must be public, so a webhook cannot reach this host or its private network (server-side
    request forgery). The sender connects to the address checked here, not to a second
    lookup, so a name that changes its answer in between (DNS rebinding) gains nothing. The
    check runs when a subscription is saved and again before each delivery.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "Enter a valid URL.", None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "Enter a valid http(s) URL.", None
    if parts.username or parts.password:
        return "A webhook URL cannot carry a user name or password.", None
    if allow_private:
        return None, None
    if parts.scheme != "https":
        return "A webhook URL must use https.", None
    host = parts.hostname
    try:
        found = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return f"The host {host!r} does not resolve.", None
    addresses = sorted({str(info[4][0]) for info in found})
    if not addresses:
        return f"The host {host!r} does not resolve.", None
    if not all(address_public(a) for a in addresses):
        return (
            f"The host {host!r} resolves to a loopback, private or reserved address; "
            "webhooks go only to public addresses.",
            None,
        )
    return None, addresses[0]
