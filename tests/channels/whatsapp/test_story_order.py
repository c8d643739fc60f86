"""Story parts keep the order the resident sent them, whatever order Meta delivers them in."""

from __future__ import annotations

import time

from sqlalchemy import select

from storage.db import Database
from storage.models import Story
from tests.channels.whatsapp.conftest import RESIDENT, Resident
from tests.fakes.whatsapp_webhooks import WebhookBuilder
from tests.scripts import FULL_CONVERSATION

FIRST = "Eerst ging de lift in onze flat kapot."
SECOND = "Daarna bleef het drie weken stil bij de verhuurder."


async def test_parts_delivered_out_of_order_are_kept_in_sent_order(
    resident: Resident, build: WebhookBuilder, db: Database
) -> None:
    await resident.say("Hallo")
    for kind, value in FULL_CONVERSATION[:3]:  # consent, age, prompt: now the story
        await resident.step(kind, value)
    sent = int(time.time())

    await resident.post(build.text(RESIDENT, SECOND, timestamp=sent + 1))
    await resident.post(build.text(RESIDENT, FIRST, timestamp=sent))
    await resident.choose("done")

    preview = next(m.text for m in reversed(resident.inbox) if FIRST in (m.text or ""))
    assert preview is not None and preview.index(FIRST) < preview.index(SECOND)
    await resident.choose("save")
    with db.transaction() as session:
        story = session.scalars(select(Story)).one()
    assert story.text == f"{FIRST}\n\n{SECOND}"
