"""Admins and workers on Telegram against the fake Bot API: codes, invites with QR photos,
a resident who uses one, counts, export as documents, and a forwarded code that does nothing."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.runtime import Runtime
from bot.staff import StaffDesk, StaffOptions
from bot.staff.links import qr_png
from storage.db import Database
from storage.models import AuditEntry, OutboxMessage, Role, Story
from storage.roles import ADMIN, Grant
from tests.bot.staff.people import add_campaign, add_code
from tests.channels.telegram.harness import Harness, Resident
from tests.conftest import FixedClock
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_updates import UpdateFactory
from tests.scripts import FULL_CONVERSATION

BUSINESS_NUMBER = "+31 20 123 4567"
LINK = re.compile(r"https://\S+")


@pytest.fixture
def runtime(runtime: Runtime) -> Runtime:
    """WhatsApp links too; the bot's Telegram name is learned from Telegram at start."""
    runtime.service.staff = StaffDesk(runtime.form, runtime.texts,
                                      StaffOptions(whatsapp_number=BUSINESS_NUMBER))
    return runtime


async def _admin(telegram: Harness, updates: UpdateFactory, db: Database,
                 clock: FixedClock) -> Resident:
    ada = Resident(telegram, updates, updates.user("Ada"))
    await ada.command("admin", add_code(db, clock.now, Grant(ADMIN, None, None)))
    assert "beheerder" in ada.messages[-1]["text"]
    return ada


async def _worker(telegram: Harness, updates: UpdateFactory, admin: Resident) -> Resident:
    await admin.command("werkercode", "Wijkteam Oost")
    command, code = admin.messages[-1]["text"].split(" ")
    assert command == "/werker"
    wim = Resident(telegram, updates, updates.user("Wim"))
    await wim.command("werker", code)
    assert "Wijkteam Oost" in wim.messages[-1]["text"]
    return wim


def _photos(fake: FakeBotApi, chat_id: int) -> list[tuple[str, bytes]]:
    return [(c.params["caption"], c.files["photo"].data) for c in fake.calls_to("sendPhoto")
            if int(c.params["chat_id"]) == chat_id]


def _documents(fake: FakeBotApi, chat_id: int) -> dict[str, bytes]:
    return {c.files["document"].filename: c.files["document"].data
            for c in fake.calls_to("sendDocument") if int(c.params["chat_id"]) == chat_id}


async def test_a_worker_gets_access_makes_an_invite_and_sees_only_counts(
    telegram: Harness, updates: UpdateFactory, db: Database, clock: FixedClock,
    fake: FakeBotApi,
) -> None:
    add_campaign(db, clock.now)
    wim = await _worker(telegram, updates, await _admin(telegram, updates, db, clock))

    await wim.command("uitnodiging")
    question, _ = wim.button("staff:theme:1")
    await wim.press("staff:theme:1")

    [closed] = [m for m in wim.messages if m["message_id"] == question["message_id"]]
    assert "reply_markup" not in closed and "Geld en schulden" in closed["text"]
    card = wim.messages[-1]["text"]
    telegram_link, whatsapp_link = LINK.findall(card)
    assert telegram_link.startswith(f"https://t.me/{fake.bot_user['username']}?start=i_")
    assert whatsapp_link.startswith("https://wa.me/31201234567?text=")
    photos = _photos(fake, wim.chat_id)
    assert [content for _, content in photos] == [qr_png(telegram_link), qr_png(whatsapp_link)]
    assert telegram_link in photos[0][0] and whatsapp_link in photos[1][0]

    anna = Resident(telegram, updates, updates.user("Anna"))
    await anna.command("start", telegram_link.split("start=")[1])
    for kind, value in FULL_CONVERSATION:
        await anna.step(kind, value)
    await wim.command("mijnuitnodigingen")

    counts = wim.messages[-1]["text"]
    assert "Gemaakt: 1" in counts and "Gebruikt: 1" in counts and "verteld: 1" in counts
    with db.transaction() as session:
        story = session.scalars(select(Story)).one()
        kept = [row.payload for row in session.scalars(select(OutboxMessage))]
    assert (story.campaign_id, story.team, story.theme, story.after_home_visit) == (
        "oost-2026", "Wijkteam Oost", "debts", True)
    everything_wim_saw = json.dumps(wim.messages, ensure_ascii=False)
    assert "schulden en wist niet" not in everything_wim_saw
    # Sent links, QR codes and codes are deleted from the outbox.
    token = telegram_link.split("start=")[1]
    assert all(token not in json.dumps(payload) for payload in kept)


async def test_an_admin_exports_in_chat_and_it_is_audited(
    webhook: Harness, updates: UpdateFactory, db: Database, clock: FixedClock,
    fake: FakeBotApi,
) -> None:
    add_campaign(db, clock.now)
    ada = await _admin(webhook, updates, db, clock)
    anna = Resident(webhook, updates, updates.user("Anna"))
    await anna.command("start", "c_oost-2026")
    for kind, value in FULL_CONVERSATION:
        await anna.step(kind, value)

    await ada.command("export", "campagne=oost-2026 sinds=2026-01-01")

    files = _documents(fake, ada.chat_id)
    [csv_name] = [name for name in files if name.endswith(".csv")]
    rows = list(csv.DictReader(io.StringIO(files[csv_name].decode("utf-8"))))
    assert [(r["campaign"], r["team"], r["after_home_visit"]) for r in rows] == [
        ("oost-2026", "", "0")]
    book: dict[str, Any] = json.loads(files[csv_name.replace(".csv", "-codebook.json")])
    assert {"campaign", "team", "theme", "after_home_visit"} <= {c["name"]
                                                               for c in book["columns"]}
    with db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert entry.actor == webhook.channel.runtime.service.participant_id("telegram",
                                                                         str(ada.chat_id))
    assert entry.detail["campaign"] == "oost-2026" and entry.detail["stories"] == 1
    assert entry.detail["since"].startswith("2025-12-31T23:00")


async def test_a_forwarded_admin_code_gives_no_role(
    webhook: Harness, updates: UpdateFactory, db: Database, clock: FixedClock,
) -> None:
    code = add_code(db, clock.now, Grant(ADMIN, None, None))
    bram = Resident(webhook, updates, updates.user("Bram"))
    text = f"/admin {code}"
    forwarded = updates.message({
        "text": text,
        "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
        "forward_origin": {"type": "user", "date": 1_700_000_000,
                           "sender_user": updates.user("Ada")},
    }, user=bram.user)

    await webhook.deliver(forwarded)

    assert "ken ik niet" in bram.messages[0]["text"]
    with db.transaction() as session:
        assert session.scalars(select(Role)).all() == []
    await bram.command("admin", code)
    assert "beheerder" in bram.messages[-1]["text"]
