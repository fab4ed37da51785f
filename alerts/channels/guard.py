"""Where notifications may be sent: an allow-list of hosts, and never an internal address.

A webhook URL comes from configuration that many people can edit; without a guard it is a way to make the
server call internal services (SSRF). A target host must be on the allow-list (the known robot hosts of each
channel type plus ``alerts.allowed_hosts``), and every address it resolves to must be public unless the host
is listed in ``alerts.allow_private_hosts`` (an on-premises mail relay, a test receiver). Redirects are not
followed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit


class BlockedTarget(Exception):
    """The destination is not allowed; retrying will not help."""


class TargetGuard:
    """Checks destinations against the allow-list and the private-address rule."""

    def __init__(self, allowed_hosts: Iterable[str], allow_private: Iterable[str] = ()):
        self.allowed = {h.lower().rstrip(".") for h in allowed_hosts}
        self.allow_private = {h.lower().rstrip(".") for h in allow_private}

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return (
            any(host == allowed or host.endswith("." + allowed) for allowed in self.allowed)
            or host in self.allow_private
        )

    def check_url(self, url: str) -> None:
        """Raise :class:`BlockedTarget` unless ``url`` is https (or http to an allowed private host) on an
        allowed host resolving to allowed addresses."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in {"http", "https"} or not host:
            raise BlockedTarget(f"not an http(s) URL: {parts.scheme}://{host}")
        if not self.host_allowed(host):
            raise BlockedTarget(f"host {host} is not on the allow-list (alerts.allowed_hosts)")
        if parts.scheme == "http" and host not in self.allow_private:
            raise BlockedTarget(f"plain http to {host}: use https")
        self.check_addresses(host, parts.port or (443 if parts.scheme == "https" else 80))

    def check_addresses(self, host: str, port: int) -> None:
        if host.lower().rstrip(".") in self.allow_private:
            return
        try:
            infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except socket.gaierror as exc:
            raise BlockedTarget(f"cannot resolve {host}: {exc.strerror}") from exc
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
            if not address.is_global or address.is_multicast:
                raise BlockedTarget(f"{host} resolves to the non-public address {address}")
