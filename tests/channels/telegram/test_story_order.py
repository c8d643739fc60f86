"""Story parts keep the order the resident sent them, whatever order Telegram delivers them in."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import Database
from storage.models import Story
from tests.channels.telegram.harness import Harness, Resident
from tests.fakes.telegram_updates import UpdateFactory
from tests.scripts import FULL_CONVERSATION

FIRST = "Eerst ging de lift in onze flat kapot."
SECOND = "Daarna bleef het drie weken stil bij de verhuurder."


async def test_parts_delivered_out_of_order_are_kept_in_sent_order(
    webhook: Harness, updates: UpdateFactory, db: Database
) -> None:
    anna = Resident(webhook, updates)
    await anna.command("start")
    for kind, value in FULL_CONVERSATION[:3]:  # consent, age, prompt: now the story
        await anna.step(kind, value)
    first = updates.text(FIRST, user=anna.user)
    second = updates.text(SECOND, user=anna.user)
    second["message"]["date"] = first["message"]["date"] + 1

    # Telegram opens several connections: the later message may well arrive first.
    for update in (second, first):
        assert (await webhook.post(update)).status_code == 200
    await webhook.settle()
    await anna.press("done")

    preview = next(m["text"] for m in reversed(anna.messages) if FIRST in m.get("text", ""))
    assert preview.index(FIRST) < preview.index(SECOND)
    await anna.press("save")
    with db.transaction() as session:
        story = session.scalars(select(Story)).one()
    assert story.text == f"{FIRST}\n\n{SECOND}"
