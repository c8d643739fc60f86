"""The offline guard: reaching beyond loopback fails a test; loopback keeps working."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator

import httpx
import pytest

from tests.offline import NetworkBlocked, OfflineGuard, is_loopback

# Documentation addresses (RFC 5737) and a real platform's name: never to be reached.
FAR_AWAY = "203.0.113.7"


@pytest.fixture
def guard(offline_guard: OfflineGuard) -> Iterator[OfflineGuard]:
    """The test's own guard, emptied after the test so the refusals asked for here pass."""
    yield offline_guard
    offline_guard.refused.clear()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost", "LOCALHOST.",
                                  "app.localhost", "0.0.0.0", "", None, b"localhost"])
def test_loopback_names_and_addresses_count_as_local(host: str | bytes | None) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["203.0.113.7", "10.0.0.1", "192.168.1.1", "2001:db8::1",
                                  "api.telegram.org", "graph.facebook.com", "localhost.example"])
def test_other_names_and_addresses_do_not(host: str) -> None:
    assert not is_loopback(host)


def test_a_blocking_connection_is_refused(guard: OfflineGuard) -> None:
    with pytest.raises(NetworkBlocked, match=re.escape(FAR_AWAY)):
        socket.create_connection((FAR_AWAY, 443), timeout=1)
    with socket.socket() as sock, pytest.raises(NetworkBlocked):
        sock.connect_ex((FAR_AWAY, 80))
    assert len(guard.refused) == 2


def test_a_name_look_up_is_refused(guard: OfflineGuard) -> None:
    with pytest.raises(NetworkBlocked, match=re.escape("api.telegram.org")):
        socket.getaddrinfo("api.telegram.org", 443)


async def test_an_asyncio_connection_is_refused(guard: OfflineGuard) -> None:
    with pytest.raises(NetworkBlocked):
        await asyncio.open_connection(FAR_AWAY, 443)
    with pytest.raises(NetworkBlocked):
        await asyncio.open_connection("graph.facebook.com", 443)


async def test_an_http_client_is_refused(guard: OfflineGuard) -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(NetworkBlocked):
            await client.get("https://api.telegram.org/bot123:abc/getMe")
    assert guard.refused


async def test_loopback_still_connects() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(await reader.readline())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        reader, writer = await asyncio.open_connection("localhost", port)
        writer.write(b"hallo\n")
        assert await reader.readline() == b"hallo\n"
        writer.close()


def test_a_test_that_swallows_the_refusal_still_fails(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("from tests.conftest import offline_guard  # noqa: F401\n")
    pytester.makepyfile(test_reaches_out="""
        import socket

        def test_quietly_online():
            try:
                socket.create_connection(("203.0.113.7", 443), timeout=1)
            except Exception:
                pass

        def test_offline():
            assert True
    """)

    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:asyncio")

    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*network use in a test*203.0.113.7*"])
