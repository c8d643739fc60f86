"""The offline guard: a test that tries to reach anything but this machine fails.

Connections are refused where Python makes them (`socket.socket.connect`, `connect_ex` and
`socket.getaddrinfo`), which covers blocking sockets, threads, and asyncio's own connections
(its resolver and its non-blocking connect go through the same two calls). Every attempt is
also recorded, so a test whose code swallows the error still fails when it ends.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

import pytest

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost",
                            "ip6-loopback"})


class NetworkBlocked(RuntimeError):
    """A test tried to reach a network address beyond loopback."""


def is_loopback(host: str | bytes | None) -> bool:
    """Whether `host` names this machine: loopback, `localhost`, or no host at all."""
    if host is None:
        return True
    name = (host.decode(errors="replace") if isinstance(host, bytes) else host)
    name = name.strip().rstrip(".").lower()
    if name == "" or name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    # The unspecified address (0.0.0.0, ::) is where servers bind; connecting to it stays local.
    return address.is_loopback or address.is_unspecified


class OfflineGuard:
    """Patches the socket calls for one test and remembers what it refused."""

    def __init__(self) -> None:
        self.refused: list[str] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Refuse non-loopback connections and look-ups until the test ends."""
        connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
        getaddrinfo = socket.getaddrinfo
        monkeypatch.setattr(socket.socket, "connect", self._checked_connect(connect))
        monkeypatch.setattr(socket.socket, "connect_ex", self._checked_connect(connect_ex))

        def checked_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            self._check(host, "look up")
            return getaddrinfo(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", checked_getaddrinfo)

    def _checked_connect(self, original: Callable[..., Any]) -> Callable[..., Any]:
        guard = self

        def checked(sock: socket.socket, address: Any) -> Any:
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                guard._check(address[0], "connect to")
            return original(sock, address)

        return checked

    def _check(self, host: Any, action: str) -> None:
        if isinstance(host, str | bytes | None) and is_loopback(host):
            return
        what = f"tried to {action} {host!r}: tests stay on loopback"
        self.refused.append(what)
        raise NetworkBlocked(what)
