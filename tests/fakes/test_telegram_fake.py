"""The fake Bot API behaves like Telegram as seen through python-telegram-bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from telegram import Bot as TelegramBot
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import AIORateLimiter, ApplicationBuilder, CommandHandler, ContextTypes

from tests.fakes.telegram_api import SECRET_HEADER, FakeBotApi
from tests.fakes.telegram_faults import RateLimit
from tests.fakes.telegram_schema import missing_documented_fields
from tests.fakes.telegram_updates import UpdateFactory

CHAT_ID = 700_000_001


class ManualClock:
    """A clock the test moves by hand, for flood-control windows."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB v23 behaviour: durations and retry_after are timedeltas."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[TelegramBot]:
    telegram_bot = TelegramBot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
    async with telegram_bot:  # initialize() calls getMe on the fake
        yield telegram_bot


@pytest.fixture
def updates(fake: FakeBotApi) -> UpdateFactory:
    return UpdateFactory(bot_user=fake.bot_user)


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d) for d in data]])


async def test_get_me_answers_with_the_fake_bot(bot: TelegramBot, fake: FakeBotApi) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456789, "vertelpunt_bot", True)
    assert bot.username == "vertelpunt_bot"
    assert [call.method for call in fake.calls] == ["getMe", "getMe"]


async def test_a_wrong_token_is_refused(fake: FakeBotApi) -> None:
    stranger = TelegramBot("999:not-our-token", base_url=fake.base_url)
    with pytest.raises(InvalidToken):
        await stranger.initialize()
    await stranger.shutdown()


async def test_send_message_returns_a_message_with_the_keyboard(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    first = await bot.send_message(CHAT_ID, "Welkom!", reply_markup=keyboard("ja", "nee"))
    second = await bot.send_message(CHAT_ID, "Nog iets?")

    assert (first.message_id, second.message_id) == (1, 2)
    assert first.from_user is not None and first.from_user.id == bot.id
    assert first.chat.id == CHAT_ID and first.chat.type == "private"
    assert first.reply_markup == keyboard("ja", "nee")
    assert [m["text"] for m in fake.sent_messages(CHAT_ID)] == ["Welkom!", "Nog iets?"]
    sent = fake.calls_to("sendMessage")[0].params
    assert sent["chat_id"] == CHAT_ID and sent["reply_markup"]["inline_keyboard"][0][1] == {
        "text": "Nee",
        "callback_data": "nee",
    }


async def test_edits_change_what_the_user_sees(bot: TelegramBot, fake: FakeBotApi) -> None:
    sent = await bot.send_message(CHAT_ID, "Hoe was het?", reply_markup=keyboard("goed"))
    edited = await bot.edit_message_reply_markup(
        CHAT_ID, sent.message_id, reply_markup=keyboard("slecht")
    )
    assert isinstance(edited, Message) and edited.reply_markup == keyboard("slecht")
    assert fake.sent_messages(CHAT_ID)[0]["reply_markup"] == keyboard("slecht").to_dict()
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(
            CHAT_ID, sent.message_id, reply_markup=keyboard("slecht")
        )

    await bot.edit_message_text("Dank je!", CHAT_ID, sent.message_id)
    [now] = fake.sent_messages(CHAT_ID)
    assert now["text"] == "Dank je!" and "reply_markup" not in now and "edit_date" in now
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("Hallo", CHAT_ID, 999)


async def test_answer_callback_query_is_recorded_once(bot: TelegramBot, fake: FakeBotApi) -> None:
    assert await bot.answer_callback_query("4382", text="Opgeslagen") is True
    assert fake.callback_answers == [{"callback_query_id": "4382", "text": "Opgeslagen"}]
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("4382")


async def test_commands_are_kept_per_language_and_scope(bot: TelegramBot, fake: FakeBotApi) -> None:
    await bot.set_my_commands([BotCommand("start", "Begin")], language_code="nl")
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("stop", "Stop")], scope=BotCommandScopeChat(CHAT_ID))

    assert fake.commands == {
        "nl": [{"command": "start", "description": "Begin"}],
        "": [
            {"command": "start", "description": "Start"},
            {"command": "help", "description": "Help"},
        ],
    }
    assert [c.command for c in await bot.get_my_commands(language_code="nl")] == ["start"]
    assert await bot.get_my_commands(language_code="de") == ()
    scoped = await bot.get_my_commands(scope=BotCommandScopeChat(CHAT_ID))
    assert [c.command for c in scoped] == ["stop"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start!", "nope")])


async def test_send_document_uploads_multipart_and_can_be_downloaded(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    content = bytes(range(256)) * 4
    message = await bot.send_document(
        CHAT_ID, content, filename="verhaal.bin", caption="Mijn verhaal"
    )

    assert message.document is not None and message.document.file_name == "verhaal.bin"
    assert message.caption == "Mijn verhaal"
    assert fake.calls_to("sendDocument")[0].files["document"].data == content
    telegram_file = await bot.get_file(message.document.file_id)
    assert bytes(await telegram_file.download_as_bytearray()) == content


async def test_a_voice_note_from_a_resident_can_be_downloaded(
    bot: TelegramBot, fake: FakeBotApi, updates: UpdateFactory
) -> None:
    voice = updates.voice(duration=3)["message"]["voice"]
    fake.add_file(b"OggS-fake-voice", file_id=voice["file_id"], file_path="voice/file_1.oga")
    telegram_file = await bot.get_file(voice["file_id"])
    assert bytes(await telegram_file.download_as_bytearray()) == b"OggS-fake-voice"


async def test_long_poll_returns_pushed_updates_as_ptb_objects(
    bot: TelegramBot, fake: FakeBotApi, updates: UpdateFactory
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.3)
    assert not poll.done()  # parked on the fake, waiting for updates
    fake.push_updates([updates.callback_query("antwoord:ja"), updates.voice(duration=7)])

    received = await asyncio.wait_for(poll, timeout=5)
    assert len(received) == 2
    query, voice_update = received[0].callback_query, received[1].message
    assert query is not None and query.data == "antwoord:ja" and query.message is not None
    assert query.from_user.language_code == "nl"
    assert voice_update is not None and voice_update.voice is not None
    assert voice_update.voice.duration == dtm.timedelta(seconds=7)
    assert await bot.get_updates(offset=received[-1].update_id + 1, timeout=0) == ()
    assert fake.pending_update_count == 0
    reply = await bot.send_message(CHAT_ID, "Dank je")
    assert reply.message_id == voice_update.message_id + 1  # ids are shared with the user's


async def test_a_second_poller_ends_the_first_with_conflict(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    # A second process with the same token (one Bot cannot: its getUpdates pool holds one).
    async with TelegramBot(fake.token, base_url=fake.base_url) as second_process:
        assert await second_process.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, timeout=2)


async def test_stopping_the_fake_ends_a_parked_long_poll(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await asyncio.to_thread(fake.stop)
    assert await asyncio.wait_for(poll, timeout=2) == ()
    assert time.monotonic() - started < 2


def test_wait_for_blocks_until_the_bot_has_sent(fake: FakeBotApi) -> None:
    url = f"{fake.base_url}{fake.token}/sendMessage"
    later = threading.Timer(0.1, lambda: httpx.post(url, data={"chat_id": "5", "text": "Hoi"}))
    later.start()
    fake.wait_for(lambda: len(fake.sent_messages(5)) == 1, timeout=2)
    with pytest.raises(AssertionError, match="not met within"):
        fake.wait_for(lambda: len(fake.sent_messages(5)) == 2, timeout=0.2)
    later.join()


async def test_get_updates_follows_confirmed_offset_semantics(
    bot: TelegramBot, fake: FakeBotApi, updates: UpdateFactory
) -> None:
    pushed = [updates.text(f"bericht {n}") for n in range(3)]
    fake.push_update(pushed[2])
    fake.push_update(pushed[0])
    fake.push_update(pushed[1])
    ids = [u["update_id"] for u in pushed]

    assert [u.update_id for u in await bot.get_updates()] == ids  # ordered, unconfirmed
    assert [u.update_id for u in await bot.get_updates()] == ids
    assert [u.update_id for u in await bot.get_updates(offset=ids[1])] == ids[1:]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[2:]
    fake.push_update(updates.bot_blocked())
    assert [u.update_id for u in await bot.get_updates(allowed_updates=["message"])] == ids[2:]
    assert fake.pending_update_count == 2


async def test_webhook_settings_are_recorded_and_block_polling(
    bot: TelegramBot, fake: FakeBotApi, updates: UpdateFactory
) -> None:
    fake.push_update(updates.text("oud"))
    await bot.set_webhook(
        "https://vertelpunt.example/webhooks/telegram",
        secret_token="s3cret-token",
        allowed_updates=["message", "callback_query"],
        drop_pending_updates=True,
    )
    webhook = fake.webhook
    assert webhook.secret_token == "s3cret-token" and webhook.drop_pending_updates
    assert webhook.allowed_updates == ("message", "callback_query")
    info = await bot.get_webhook_info()
    assert info.url == webhook.url and info.pending_update_count == 0
    with pytest.raises(Conflict):
        await bot.get_updates()

    delivery = fake.webhook_delivery(updates.text("nieuw"))
    assert delivery.url == webhook.url and delivery.headers[SECRET_HEADER] == "s3cret-token"
    assert delivery.json()["message"]["text"] == "nieuw"

    assert await bot.delete_webhook() is True
    assert fake.webhook.url == "" and await bot.get_updates() == ()
    with pytest.raises(BadRequest, match=r"(?i)https url must be provided"):
        await bot.set_webhook("http://insecure.example/hook")


async def test_text_is_validated_like_telegram(bot: TelegramBot) -> None:
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(CHAT_ID, "x" * 4097)
    await bot.send_message(CHAT_ID, "x" * 4096)
    await bot.send_message(CHAT_ID, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="character '!' is reserved"):
        await bot.send_message(CHAT_ID, "Dank je!", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(CHAT_ID, "   ")


@pytest.mark.filterwarnings("ignore:Please use 'Bot.sendMessage'")
async def test_keyboards_are_validated_like_telegram(bot: TelegramBot) -> None:
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(CHAT_ID, "Kies", reply_markup=keyboard("x" * 65))
    flat = {"inline_keyboard": [{"text": "Ja", "callback_data": "ja"}]}
    with pytest.raises(BadRequest, match="should be an array of arrays"):
        await bot.do_api_request(
            "sendMessage", api_kwargs={"chat_id": CHAT_ID, "text": "Kies", "reply_markup": flat}
        )


async def test_injected_429_raises_retry_after(bot: TelegramBot, fake: FakeBotApi) -> None:
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT_ID, "Hallo")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)  # an int without PTB_TIMEDELTA
    assert fake.calls_to("sendMessage")[0].response["parameters"] == {"retry_after": 7}
    await bot.send_message(CHAT_ID, "Hallo")  # only the next call failed
    assert fake.rejections["injected"] == 1


async def test_global_and_per_chat_flood_limits() -> None:
    clock = ManualClock()
    with FakeBotApi(
        rate_limit_per_second=3, per_chat_rate_limit=RateLimit(2, 1.0), clock=clock
    ) as api:
        async with TelegramBot(api.token, base_url=api.base_url) as telegram_bot:
            await telegram_bot.send_message(1, "a")
            await telegram_bot.send_message(1, "b")
            with pytest.raises(RetryAfter):
                await telegram_bot.send_message(1, "c")  # per-chat: 2 per second
            await telegram_bot.send_message(2, "d")
            with pytest.raises(RetryAfter):
                await telegram_bot.send_message(3, "e")  # global: 3 per second
            clock.now += 1.0
            await telegram_bot.send_message(3, "e")
        assert api.rejections == {"rate_limited_chat": 1, "rate_limited": 1}
        refused = [c for c in api.calls if c.status == 429]
        assert [c.response["parameters"]["retry_after"] for c in refused] == [1, 1]
        assert refused[0].response["description"] == "Too Many Requests: retry after 1"


async def test_a_blocked_chat_raises_forbidden(bot: TelegramBot, fake: FakeBotApi) -> None:
    fake.block_chat(CHAT_ID)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT_ID, "Hallo?")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(CHAT_ID, "typing")
    await bot.send_message(CHAT_ID + 1, "Hallo")
    assert fake.rejections["blocked"] == 2 and fake.sent_messages(CHAT_ID) == []


async def test_concurrent_sends_get_distinct_message_ids(
    bot: TelegramBot, fake: FakeBotApi
) -> None:
    sent = await asyncio.gather(*(bot.send_message(CHAT_ID, f"#{n}") for n in range(20)))
    assert sorted(m.message_id for m in sent) == list(range(1, 21))
    assert len(fake.sent_messages(CHAT_ID)) == 20


def test_plain_http_clients_may_use_json_get_and_any_letter_case(fake: FakeBotApi) -> None:
    url = f"{fake.base_url}{fake.token}"
    sent = httpx.post(f"{url}/SENDMESSAGE", json={"chat_id": CHAT_ID, "text": "Hoi"}).json()
    assert sent["ok"] and sent["result"]["text"] == "Hoi"
    assert httpx.get(f"{url}/getMe").json()["result"]["username"] == "vertelpunt_bot"
    assert httpx.get(f"{url}/noSuchMethod").json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found",
    }


async def test_application_handles_a_webhook_update_and_replies(
    fake: FakeBotApi, updates: UpdateFactory
) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"payload={' '.join(context.args or [])}")

    application = (
        ApplicationBuilder().token(fake.token).base_url(fake.base_url).updater(None).build()
    )
    application.add_handler(CommandHandler("start", start))
    async with application:
        update = Update.de_json(updates.start("inv-42"), application.bot)
        await application.process_update(update)
    assert [m["text"] for m in fake.sent_messages(CHAT_ID)] == ["payload=inv-42"]


async def test_polling_application_replies_while_long_polling(
    fake: FakeBotApi, updates: UpdateFactory
) -> None:
    async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("ontvangen")

    application = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    application.add_handler(CommandHandler("start", echo))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=2)
        fake.push_update(updates.start())
        await fake.wait_for_async(lambda: len(fake.sent_messages(CHAT_ID)) == 1)
        await application.updater.stop()
        await application.stop()
    assert fake.pending_update_count == 0  # PTB confirmed the update on shutdown


async def test_aio_rate_limiter_retries_once_after_retry_after(fake: FakeBotApi) -> None:
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    application = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .rate_limiter(AIORateLimiter(max_retries=1))
        .updater(None)
        .build()
    )
    async with application:
        message = await application.bot.send_message(CHAT_ID, "Hallo")
    attempts = fake.calls_to("sendMessage")
    assert message.text == "Hallo" and [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0  # it waited retry_after (+0.1 s)


def _all_factory_updates(updates: UpdateFactory) -> dict[str, dict[str, Any]]:
    resident = updates.user("Sanne", language_code="en")
    return {
        "text": updates.text("Hallo", user=resident),
        "start": updates.start("inv-42"),
        "callback_query": updates.callback_query("keuze:1"),
        "edited_message": updates.edited_text(5, "Hallo!"),
        "voice": updates.voice(),
        "audio": updates.audio(),
        "photo": updates.photo(caption="Het bankje"),
        "sticker": updates.sticker(),
        "location": updates.location(),
        "contact": updates.contact(),
        "document": updates.document(),
        "video": updates.video(),
        "video_note": updates.video_note(),
        "group": updates.group_text("Hoi allemaal"),
        "supergroup": updates.group_text("Hoi", supergroup=True),
        "channel_post": updates.channel_post("Nieuws"),
        "forward_user": updates.forwarded_text("Doorgestuurd"),
        "forward_hidden": updates.forwarded_text("Doorgestuurd", "hidden_user"),
        "forward_chat": updates.forwarded_text("Doorgestuurd", "chat"),
        "forward_channel": updates.forwarded_text("Doorgestuurd", "channel"),
        "bot_blocked": updates.bot_blocked(),
        "bot_unblocked": updates.bot_unblocked(),
    }


def _unknown_fields(obj: object, path: str = "update") -> list[str]:
    """Field names PTB did not recognise (typos, undocumented fields), anywhere in the tree."""
    if isinstance(obj, (tuple, list)):
        return [f for i, item in enumerate(obj) for f in _unknown_fields(item, f"{path}[{i}]")]
    if not isinstance(obj, TelegramObject):
        return []
    found = [f"{path}.{key}" for key in obj.api_kwargs]
    for klass in type(obj).__mro__:
        for name in getattr(klass, "__slots__", ()):
            if not name.startswith("_"):
                found += _unknown_fields(getattr(obj, name, None), f"{path}.{name}")
    return found


async def test_every_factory_update_parses_with_documented_fields_only(
    bot: TelegramBot, updates: UpdateFactory
) -> None:
    for name, raw in _all_factory_updates(updates).items():
        assert missing_documented_fields(raw) == [], name
        update = Update.de_json(raw, bot)  # a field PTB requires but lacks raises TypeError
        assert update.update_id == raw["update_id"], name
        assert _unknown_fields(update) == [], name
        assert update.effective_chat is not None, name
    parsed = {n: Update.de_json(u, bot) for n, u in _all_factory_updates(updates).items()}
    assert parsed["start"].message is not None and parsed["start"].message.text == "/start inv-42"
    assert parsed["text"].effective_user.language_code == "en"  # type: ignore[union-attr]
    assert parsed["bot_blocked"].my_chat_member.new_chat_member.status == "kicked"  # type: ignore[union-attr]
    assert parsed["channel_post"].channel_post.sender_chat is not None  # type: ignore[union-attr]
    assert parsed["forward_channel"].message.forward_origin.type == "channel"  # type: ignore[union-attr]


def test_update_ids_count_up_and_can_repeat_or_go_back(updates: UpdateFactory) -> None:
    first, second = updates.text("a"), updates.text("b")
    assert second["update_id"] == first["update_id"] + 1
    assert updates.text("c", update_id=first["update_id"])["update_id"] == first["update_id"]
    updates.set_next_update_id(first["update_id"] - 10)
    assert updates.text("d")["update_id"] == first["update_id"] - 10
    assert second["message"]["message_id"] == first["message"]["message_id"] + 1
