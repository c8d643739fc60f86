"""The Graph API client honours a proxy named in the environment (read once per client)."""

from __future__ import annotations

import pytest

from bot.channels.whatsapp.graph import graph_session
from tests.channels.proxy_server import no_proxy_set, port_of, recording_server

__all__ = ["no_proxy_set"]  # the fixture, used by name
ANSWER = b'{"messages": [{"id": "wamid.1"}]}'


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
    async with await recording_server(lines, ANSWER) as proxy:
        no_proxy_set.setenv("HTTP_PROXY", f"http://127.0.0.1:{port_of(proxy)}")
        # graph.invalid resolves nowhere: only the proxy can have answered.
        assert await _send("http://graph.invalid:8080") == {"messages": [{"id": "wamid.1"}]}
    assert lines == ["POST http://graph.invalid:8080/v21.0/1234/messages HTTP/1.1"]


async def test_an_address_the_environment_exempts_is_called_directly(
    no_proxy_set: pytest.MonkeyPatch,
) -> None:
    lines: list[str] = []
    async with await recording_server(lines, ANSWER) as graph:
        no_proxy_set.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
        no_proxy_set.setenv("NO_PROXY", "127.0.0.1")
        assert await _send(f"http://127.0.0.1:{port_of(graph)}") == {
            "messages": [{"id": "wamid.1"}]}
    assert lines == ["POST /v21.0/1234/messages HTTP/1.1"]
