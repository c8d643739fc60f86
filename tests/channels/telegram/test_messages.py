"""Everything else residents send: media, edits, groups, forwards, deep links, old buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.channels.telegram.render import MAX_TEXT
from flows.texts import load_catalogue
from storage.db import Database
from storage.models import ConversationState, OutboxMessage, Participant, ProcessedUpdate, Story
from tests.channels.telegram.harness import Harness, Resident
from tests.fakes.telegram_updates import UpdateFactory
from tests.scripts import FULL_CONVERSATION

NOT_READABLE = load_catalogue("nl")["media_not_supported"]
MEDIA: dict[str, Callable[[UpdateFactory], dict[str, Any]]] = {
    "voice": lambda u: u.voice(),
    "audio": lambda u: u.audio(),
    "photo": lambda u: u.photo(caption="Het bankje in het park"),
    "video": lambda u: u.video(),
    "video_note": lambda u: u.video_note(),
    "document": lambda u: u.document(),
    "sticker": lambda u: u.sticker(),
    "location": lambda u: u.location(),
    "contact": lambda u: u.contact(),
}


def _count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _state(db: Database) -> dict[str, Any]:
    with db.transaction() as session:
        return dict(session.scalars(select(ConversationState)).one().data)


@pytest.mark.parametrize("kind", sorted(MEDIA))
async def test_what_the_bot_cannot_read_gets_a_short_clear_reply(
    webhook: Harness, updates: UpdateFactory, kind: str
) -> None:
    anna = Resident(webhook, updates)
    await anna.command("start")
    before = len(anna.messages)

    await webhook.deliver(MEDIA[kind](updates))

    replies = anna.messages[before:]
    assert [m["text"] for m in replies] == [NOT_READABLE, "Wilt u meedoen?"]
    assert replies[-1]["reply_markup"]["inline_keyboard"]


async def test_an_edited_message_gets_a_reply_and_changes_nothing(
    webhook: Harness, updates: UpdateFactory, db: Database
) -> None:
    anna = Resident(webhook, updates)
    await anna.command("start")
    for kind, value in FULL_CONVERSATION[:4]:  # into the story
        await anna.step(kind, value)
    first_part = updates.last_update_id
    before = len(anna.messages)

    await webhook.deliver(updates.edited_text(first_part, "Iets heel anders"))

    assert anna.messages[before]["text"] == load_catalogue("nl")["edited_not_read"]
    assert _state(db)["draft"]["parts"] == [FULL_CONVERSATION[3][1]]


@pytest.mark.parametrize("where", ["group", "supergroup", "channel"])
async def test_in_a_group_the_bot_only_says_it_works_in_private(
    telegram: Harness, updates: UpdateFactory, db: Database, where: str
) -> None:
    english = updates.user("Sam", language_code="en")
    if where == "channel":
        update = updates.channel_post("Nieuws uit de wijk")
        expected = load_catalogue("nl")["private_only"]
    else:
        update = updates.group_text("/start", supergroup=where == "supergroup", user=english)
        expected = load_catalogue("en")["private_only"]
    chat_id = (update.get("message") or update["channel_post"])["chat"]["id"]

    await telegram.deliver(update)

    assert [m["text"] for m in telegram.fake.sent_messages(chat_id)] == [expected]
    for model in (ProcessedUpdate, Participant, ConversationState, OutboxMessage):
        assert _count(db, model) == 0


async def test_a_forwarded_message_is_handled_as_text(
    webhook: Harness, updates: UpdateFactory, db: Database
) -> None:
    anna = Resident(webhook, updates)
    await anna.command("start")
    for kind, value in FULL_CONVERSATION[:3]:
        await anna.step(kind, value)

    await webhook.deliver(updates.forwarded_text("Mijn buurman schreef dit over de hulp."))

    assert _state(db)["draft"]["parts"] == ["Mijn buurman schreef dit over de hulp."]


async def test_a_deep_link_start_payload_reaches_the_engine(
    telegram: Harness, updates: UpdateFactory, db: Database
) -> None:
    anna = Resident(telegram, updates)
    await anna.command("start", "wijk-noord_2026")

    assert _state(db)["start_payload"] == "wijk-noord_2026"
    assert anna.messages[0]["text"].startswith("Hallo!")


async def test_the_app_language_is_the_first_guess(
    webhook: Harness, updates: UpdateFactory, db: Database
) -> None:
    sam = Resident(webhook, updates, updates.user("Sam", language_code="en-GB"))
    await sam.command("start")

    assert _state(db)["language"] == "en"
    assert sam.messages[-1]["text"] != "Wilt u meedoen?"
    with db.transaction() as session:
        assert session.scalars(select(Participant)).one().language == "en"


async def test_an_old_button_gets_a_gentle_reply_and_the_question_of_now(
    webhook: Harness, updates: UpdateFactory, db: Database
) -> None:
    anna = Resident(webhook, updates)
    await anna.command("start")
    old_consent = anna.press_update("yes")
    await webhook.deliver(old_consent)
    step = _state(db)["step"]
    again = updates.callback_query(old_consent["callback_query"]["data"],
                                   message=old_consent["callback_query"]["message"])
    before = len(anna.messages)

    await webhook.deliver(again)

    texts = [m["text"] for m in anna.messages[before:]]
    assert texts == [load_catalogue("nl")["stale_button"], "Bent u 16 jaar of ouder?"]
    assert _state(db)["step"] == step
    assert len(webhook.fake.callback_answers) == 2


async def test_a_button_without_a_token_is_stale_too(
    webhook: Harness, updates: UpdateFactory, db: Database
) -> None:
    anna = Resident(webhook, updates)
    await anna.command("start")
    message, _ = anna.button("yes")

    await webhook.deliver(updates.callback_query("yes", message=message))

    assert anna.messages[-2]["text"] == load_catalogue("nl")["stale_button"]
    assert _state(db)["step"] == "consent"


@pytest.mark.parametrize("length", [MAX_TEXT, MAX_TEXT + 2000])
async def test_a_long_story_is_kept_whole_and_no_reply_is_too_long(
    webhook: Harness, updates: UpdateFactory, db: Database, length: int
) -> None:
    anna = Resident(webhook, updates)
    await anna.command("start")
    for kind, value in FULL_CONVERSATION[:3]:
        await anna.step(kind, value)
    words = ("De buurvrouw hielp me met de brieven van de gemeente. " * 100)
    story = words[: length - 1].rstrip() + "."

    await anna.text(story)
    await anna.press("done")
    await anna.press("save")

    with db.transaction() as session:
        assert session.scalars(select(Story)).one().text == story
    sent = [c.params.get("text", "") for c in webhook.fake.calls
            if c.method in ("sendMessage", "editMessageText")]
    assert all(len(text) <= MAX_TEXT for text in sent)
    assert all(c.ok for c in webhook.fake.calls)
    preview = "".join(m["text"] for m in anna.messages if m["text"][:20] in story)
    assert len(preview) >= len(story) - 10  # the resident saw all of it before saving
