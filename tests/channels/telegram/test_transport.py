"""The Bot API transport on aiohttp: calls, uploads and network trouble as PTB expects them."""

from __future__ import annotations

import socket

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import NetworkError

from bot.channels.telegram.client import file_url
from bot.channels.telegram.transport import AiohttpRequest
from tests.fakes.telegram_api import FakeBotApi


def _bot(fake: FakeBotApi, base_url: str | None = None) -> Bot:
    url = base_url or fake.base_url
    return Bot(fake.token, base_url=url, base_file_url=file_url(url),
               request=AiohttpRequest(2, 5.0))


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
