"""The Bot API transport on aiohttp: calls, uploads and network trouble as PTB expects them."""

from __future__ import annotations

import socket

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError

from bot.channels.telegram.client import file_url
from bot.channels.telegram.transport import AiohttpRequest
from tests.channels.proxy_server import no_proxy_set, port_of, recording_server
from tests.fakes.telegram_api import FakeBotApi

__all__ = ["no_proxy_set"]  # the fixture, used by name


def _bot(fake: FakeBotApi, base_url: str | None = None) -> Bot:
    url = base_url or fake.base_url
    return Bot(fake.token, base_url=url, base_file_url=file_url(url),
               request=AiohttpRequest(2, 5.0, url))


async def test_calls_and_uploads_reach_the_bot_api(fake: FakeBotApi) -> None:
    async with _bot(fake) as bot:
        sent = await bot.send_message(700_000_100, "Hallo")
        await bot.send_document(700_000_100, InputFile(b"a,b\n1,2\n", filename="e.csv"))
    assert sent.text == "Hallo" and sent.message_id > 0
    [document] = fake.calls_to("sendDocument")
    assert document.ok and document.files  # the upload went as multipart, with its file
    assert fake.sent_messages(700_000_100)[0]["text"] == "Hallo"


async def test_parameters_go_as_one_json_body_with_their_keyboards_and_letters_intact(
    fake: FakeBotApi,
) -> None:
    text = "Wat ging er góed? ✓ Ça va — ماذا حدث"
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja ✓", callback_data="t1:yes")]])
    async with _bot(fake) as bot:
        await bot.do_api_request("sendMessage", {"chat_id": 700_000_100, "text": text,
                                                 "reply_markup": markup})
    [call] = fake.calls_to("sendMessage")
    assert call.content_type == "application/json"
    assert call.params["text"] == text and call.params["chat_id"] == 700_000_100
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Ja ✓", "callback_data": "t1:yes"}]]}


async def test_a_refused_connection_is_a_network_error_the_sender_retries(
    fake: FakeBotApi,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with _bot(fake) as bot:
        bot._base_url = f"http://127.0.0.1:{port}/bot{fake.token}"  # the API gone away
        with pytest.raises(NetworkError):
            await bot.send_message(700_000_100, "Hallo")


async def test_calls_go_through_the_proxy_the_environment_names(
    no_proxy_set: pytest.MonkeyPatch,
) -> None:
    lines: list[str] = []
    answer = b'{"ok": true, "result": {"message_id": 7}}'
    async with await recording_server(lines, answer) as proxy:
        no_proxy_set.setenv("HTTP_PROXY", f"http://127.0.0.1:{port_of(proxy)}")
        # api.invalid resolves nowhere: only the proxy can have answered.
        url = "http://api.invalid:8081/bot"
        bot = Bot("123:abc", base_url=url, base_file_url=file_url(url),
                  request=AiohttpRequest(2, 5.0, url))
        await bot.request.initialize()
        try:
            sent = await bot.do_api_request("sendMessage", {"chat_id": 1, "text": "Hallo"})
        finally:
            await bot.request.shutdown()
    assert sent == {"message_id": 7}
    assert lines == ["POST http://api.invalid:8081/bot123:abc/sendMessage HTTP/1.1"]
