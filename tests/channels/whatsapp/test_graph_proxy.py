"""The Graph API client honours a proxy named in the environment (read once per client)."""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.channels.whatsapp.graph import graph_session

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
ANSWER = b'{"messages": [{"id": "wamid.1"}]}'


async def _recording_server(lines: list[str]) -> asyncio.Server:
    """Answers every request with ANSWER and notes its request line: a proxy gets the whole
    address (`POST http://host/path`), a server only the path."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines.append(head.split(b"\r\n", 1)[0].decode())
        length = re.search(rb"(?i)content-length: *(\d+)", head)
        await reader.readexactly(int(length.group(1)) if length else 0)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER))
        await writer.drain()
        writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0)


@pytest.fixture
def no_proxy_set(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


async def _send(api_url: str) -> dict[str, object]:
    async with graph_session(api_url) as client:
        response = await client.post("https://graph.facebook.com/v21.0/1234/messages",
                                     json={"to": "31612345678", "type": "text"})
    answer: dict[str, object] = response.json()
    return answer


async def test_calls_go_through_the_proxy_the_environment_names(
    no_proxy_set: pytest.MonkeyPatch,
) -> None:
    lines: list[str] = []
    async with await _recording_server(lines) as proxy:
        port = proxy.sockets[0].getsockname()[1]
        no_proxy_set.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        # graph.invalid resolves nowhere: only the proxy can have answered.
        assert await _send("http://graph.invalid:8080") == {"messages": [{"id": "wamid.1"}]}
    assert lines == ["POST http://graph.invalid:8080/v21.0/1234/messages HTTP/1.1"]


async def test_an_address_the_environment_exempts_is_called_directly(
    no_proxy_set: pytest.MonkeyPatch,
) -> None:
    lines: list[str] = []
    async with await _recording_server(lines) as graph:
        port = graph.sockets[0].getsockname()[1]
        no_proxy_set.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
        no_proxy_set.setenv("NO_PROXY", "127.0.0.1")
        assert await _send(f"http://127.0.0.1:{port}") == {"messages": [{"id": "wamid.1"}]}
    assert lines == ["POST /v21.0/1234/messages HTTP/1.1"]
