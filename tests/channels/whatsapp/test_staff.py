"""Invites on WhatsApp: a worker makes one (files become text here), a resident starts with
its code phrase, and the story carries the invite's tags."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.runtime import Runtime
from bot.staff import StaffDesk, StaffOptions
from storage.db import Database
from storage.models import Role, Story
from storage.roles import ADMIN, WORKER, Grant
from tests.bot.staff.people import add_campaign, add_code
from tests.channels.whatsapp.conftest import Resident
from tests.conftest import FixedClock
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.whatsapp_webhooks import WebhookBuilder
from tests.scripts import FULL_CONVERSATION

BUSINESS_NUMBER = "+31 20 123 4567"
WORKER_NUMBER = "31687654321"
LINK = re.compile(r"https://\S+")


@pytest.fixture
def runtime(runtime: Runtime) -> Runtime:
    """Invites get WhatsApp links with the business number."""
    runtime.service.staff = StaffDesk(runtime.form, runtime.texts,
                                      StaffOptions(whatsapp_number=BUSINESS_NUMBER))
    return runtime


def _phrase(text: str) -> str:
    [link] = [found for found in LINK.findall(text) if found.startswith("https://wa.me/")]
    return parse_qs(urlsplit(link).query)["text"][0]


async def test_a_worker_on_whatsapp_gets_the_invite_as_text_and_a_resident_uses_it(
    client: httpx.AsyncClient, graph: FakeGraphApi, channel: WhatsAppChannel,
    build: WebhookBuilder, db: Database, clock: FixedClock, resident: Resident,
) -> None:
    add_campaign(db, clock.now)
    worker = Resident(client, graph, channel, build, db, wa_id=WORKER_NUMBER)
    await worker.say(f"/werker {add_code(db, clock.now, Grant(WORKER, 'Wijkteam Oost', None))}")

    await worker.say("/uitnodiging")
    sent = await worker.choose("staff:theme:0")

    texts = [m.text or "" for m in sent]
    assert graph.rejected == [] and all(m.type == "text" for m in sent)
    # The QR code cannot be sent as a file here: its caption with the link comes as text.
    assert any("WhatsApp:" in text and "https://wa.me/" in text for text in texts[:-1])
    phrase = _phrase(texts[-1])

    await resident.say(phrase)
    for kind, value in FULL_CONVERSATION:
        await resident.step(kind, value)

    with db.transaction() as session:
        story = session.scalars(select(Story)).one()
    assert (story.channel, story.campaign_id, story.team, story.theme,
            story.after_home_visit) == ("whatsapp", "oost-2026", "Wijkteam Oost",
                                        "support_at_home", True)
    again = await Resident(client, graph, channel, build, db, wa_id="31611111111").say(phrase)
    assert "al gebruikt" in (again[0].text or "")


async def test_an_export_asked_on_whatsapp_says_where_to_get_it(
    client: httpx.AsyncClient, graph: FakeGraphApi, channel: WhatsAppChannel,
    build: WebhookBuilder, db: Database, clock: FixedClock, runtime: Runtime,
) -> None:
    admin = Resident(client, graph, channel, build, db, wa_id=WORKER_NUMBER)
    await admin.say(f"/admin {add_code(db, clock.now, Grant(ADMIN, None, None))}")

    replies = await admin.say("/export")

    assert graph.rejected == []
    assert replies[0].text == runtime.texts.get("staff.files_elsewhere", "nl")
    assert "codeboek" in (replies[1].text or "")


async def test_a_forwarded_admin_code_gives_no_role(
    resident: Resident, build: WebhookBuilder, db: Database, clock: FixedClock,
) -> None:
    code = add_code(db, clock.now, Grant(ADMIN, None, None))
    body = build.text(resident.wa_id, f"/admin {code}")
    body["entry"][0]["changes"][0]["value"]["messages"][0]["context"] = {"forwarded": True}

    replies = await resident.post(body)

    assert "ken ik niet" in (replies[0].text or "")
    with db.transaction() as session:
        assert session.scalars(select(Role)).all() == []
    assert "beheerder" in ((await resident.say(f"/admin {code}"))[0].text or "")
