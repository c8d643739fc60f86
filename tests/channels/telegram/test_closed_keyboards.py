"""Questions answered by typing, the story's done button, the language picker and the erase
confirmation lose their keyboards in Telegram; a press on such an old button is stale."""

from __future__ import annotations

from typing import Any

from tests.channels.telegram.harness import Harness, Resident
from tests.fakes.telegram_updates import UpdateFactory
from tests.scripts import FULL_CONVERSATION


def _now(anna: Resident, message: dict[str, Any]) -> dict[str, Any]:
    """The message as the chat shows it now, edits applied."""
    [shown] = [m for m in anna.messages if m["message_id"] == message["message_id"]]
    return shown


async def _press_old(anna: Resident, message: dict[str, Any], data: str) -> str:
    """Press a button of a message as it was before it was edited; the bot's first reply."""
    before = len(anna.messages)
    update = anna.updates.callback_query(data, message=message, user=anna.user)
    await anna.harness.deliver(update)
    return str(anna.messages[before]["text"])


async def _steps(anna: Resident, until: tuple[str, str], start: tuple[str, str]) -> None:
    first, last = FULL_CONVERSATION.index(start), FULL_CONVERSATION.index(until)
    for kind, value in FULL_CONVERSATION[first:last]:
        await anna.step(kind, value)


async def test_answered_keyboards_are_removed_and_stale_afterwards(
    webhook: Harness, updates: UpdateFactory
) -> None:
    anna = Resident(webhook, updates)
    await anna.command("start")
    await _steps(anna, ("choice", "done"), FULL_CONVERSATION[0])

    story, done = anna.button("done")
    await anna.press("done")
    assert "reply_markup" not in _now(anna, story)
    assert _now(anna, story)["text"].endswith("Uw antwoord: ✅ Klaar")
    assert "eerdere vraag" in await _press_old(anna, story, done)

    await anna.press("save")
    title, skip = anna.button("skip")
    await anna.text("Hulp bij schulden")
    assert "reply_markup" not in _now(anna, title)
    assert _now(anna, title)["text"].endswith("Uw antwoord: Hulp bij schulden")
    assert "eerdere vraag" in await _press_old(anna, title, skip)

    await anna.command("verwijder")
    erase, erase_yes = anna.button("erase_yes")
    await anna.press("erase_no")
    assert "reply_markup" not in _now(anna, erase)
    assert "eerdere vraag" in await _press_old(anna, erase, erase_yes)

    await anna.command("taal")
    picker, english = anna.button("en")
    await anna.press("en")
    assert "reply_markup" not in _now(anna, picker)
    assert "English" in _now(anna, picker)["text"]
    assert "earlier question" in await _press_old(anna, picker, english)

    await _steps(anna, ("text", "Eerder hulp"), ("choice", "sad"))
    wish, decline = anna.button("decline")
    await anna.text("Eerder hulp")
    assert "reply_markup" not in _now(anna, wish)
    assert _now(anna, wish)["text"].endswith("Your answer: Eerder hulp")
    assert "earlier question" in await _press_old(anna, wish, decline)



async def test_a_confirmed_erasure_closes_its_question_too(
    webhook: Harness, updates: UpdateFactory
) -> None:
    anna = Resident(webhook, updates)
    await anna.command("start")
    await _steps(anna, ("choice", "done"), FULL_CONVERSATION[0])
    await anna.command("verwijder")
    erase, _ = anna.button("erase_yes")
    await anna.press("erase_yes")
    assert "reply_markup" not in _now(anna, erase)
    assert _now(anna, erase)["text"].endswith("Uw antwoord: 🗑️ Ja, wis alles")
