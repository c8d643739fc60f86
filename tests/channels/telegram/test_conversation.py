"""The whole default-form conversation through Telegram, by webhook and by long polling."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.channels.telegram.render import SELECTED_MARK
from storage.db import Database
from storage.models import Answer, OutboxMessage, Participant, Story
from tests.channels.telegram.harness import Harness, Resident
from tests.fakes.telegram_updates import UpdateFactory
from tests.scripts import FULL_CONVERSATION


def _keyboard_labels(message: dict[str, Any]) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


async def test_the_whole_conversation_ends_with_one_stored_story(
    telegram: Harness, updates: UpdateFactory, db: Database
) -> None:
    anna = Resident(telegram, updates)
    await anna.command("start")
    for kind, value in FULL_CONVERSATION:
        await anna.step(kind, value)

    with db.transaction() as session:
        story = session.scalars(select(Story)).one()
        answers = {a.question_id: a.status for a in session.scalars(select(Answer))}
        participant = session.scalars(select(Participant)).one()
        unsent = session.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent"))
        unsent_kinds = [row.payload["kind"] for row in unsent]
    assert story.channel == "telegram" and story.prompt_id == "needed_help"
    assert story.title == "Hulp bij schulden"
    assert "buurvrouw hielp me" in story.text and story.confirmed_at is not None
    assert set(answers) == {"feeling", "helped", "influence", "topics", "frequency",
                            "belonging", "wish"}
    assert answers["belonging"] == "declined"
    assert participant.about["age_group"]["value"] == {"option": "a45_65"}
    assert participant.id != str(anna.chat_id)
    assert unsent_kinds == []
    presses = sum(1 for kind, _ in FULL_CONVERSATION if kind == "choice")
    assert len(telegram.fake.callback_answers) == presses
    assert "Tot ziens" in anna.messages[-1]["text"]


async def test_multiple_choice_toggles_check_marks_on_the_same_message(
    telegram: Harness, updates: UpdateFactory
) -> None:
    anna = Resident(telegram, updates)
    await anna.command("start")
    until_topics = FULL_CONVERSATION[: FULL_CONVERSATION.index(("choice", "money"))]
    for kind, value in until_topics:
        await anna.step(kind, value)
    question, _ = anna.button("money")
    before = len(anna.messages)

    await anna.press("money")
    await anna.press("contact")

    assert len(anna.messages) == before  # no new message: the keyboard was redrawn
    [now] = [m for m in anna.messages if m["message_id"] == question["message_id"]]
    marked = [label for label in _keyboard_labels(now) if label.startswith(SELECTED_MARK)]
    assert len(marked) == 2 and "Geld" in marked[0] and "Eenzaamheid" in marked[1]
    edits = telegram.fake.calls_to("editMessageReplyMarkup")
    assert len(edits) == 2 and all(c.ok for c in edits)

    await anna.press("done")
    [closed] = [m for m in anna.messages if m["message_id"] == question["message_id"]]
    assert "reply_markup" not in closed
    assert closed["text"].startswith("Waar ging uw verhaal over?")
    assert "Geld en schulden" in closed["text"] and "Eenzaamheid" in closed["text"]


async def test_an_answered_question_shows_the_answer_and_loses_its_keyboard(
    webhook: Harness, updates: UpdateFactory
) -> None:
    anna = Resident(webhook, updates)
    await anna.command("start")
    consent, _ = anna.button("yes")

    await anna.press("yes")

    [closed] = [m for m in anna.messages if m["message_id"] == consent["message_id"]]
    assert closed["text"] == "Wilt u meedoen?\n\nUw antwoord: ✅ Ja"
    assert "reply_markup" not in closed and "edit_date" in closed
    assert "16 jaar" in anna.messages[-1]["text"] and _keyboard_labels(anna.messages[-1])
