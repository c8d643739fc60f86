"""Invites: a worker makes one after a home visit; the resident's stories carry its tags only."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.service import ConversationService
from bot.staff.links import qr_png
from bot.staff.tokens import digest
from storage.db import Database
from storage.models import Invite, OutboxMessage, Story
from tests.bot.staff.conftest import BOT_USERNAME
from tests.bot.staff.people import (
    LINK,
    Person,
    add_campaign,
    become_admin,
    become_worker,
    files_of,
    invite_token,
    make_invite,
    texts_of,
    theme_question,
    worker_code_of,
)
from tests.conftest import FixedClock
from tests.scripts import FULL_CONVERSATION, event_of


def _stories(db: Database) -> list[tuple[str | None, str | None, str | None, bool]]:
    with db.transaction() as session:
        rows = session.scalars(select(Story).order_by(Story.created_at, Story.id))
        return [(s.campaign_id, s.team, s.theme, s.after_home_visit) for s in rows]


def _worker(service: ConversationService, db: Database, clock: FixedClock) -> Person:
    add_campaign(db, clock.now)
    return become_worker(service, become_admin(service, db, clock.now))


def test_a_worker_picks_a_theme_and_gets_links_qr_codes_and_a_card(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    worker = _worker(staffed, db, clock)

    question = theme_question(worker.command("/uitnodiging"))
    assert [c["label"] for c in question["choices"]] == ["🏠 Hulp thuis", "💶 Geld en schulden"]
    assert all(c["id"].startswith("staff:") for c in question["choices"])
    replies = worker.press(question["choices"][1]["id"], question["token"])

    assert replies[0]["kind"] == "answered" and replies[0]["token"] == question["token"]
    assert "Geld en schulden" in replies[1]["text"] and "01-04-2026" in replies[1]["text"]
    photos = files_of(replies, "photo")
    assert len(photos) == 2
    card = replies[-1]["text"]
    telegram, whatsapp = LINK.findall(card)
    assert telegram.startswith(f"https://t.me/{BOT_USERNAME}?start=i_")
    assert whatsapp.startswith("https://wa.me/31201234567?text=")
    assert [content for _, content in photos] == [qr_png(telegram), qr_png(whatsapp)]
    assert telegram in photos[0][0]["caption"] and whatsapp in photos[1][0]["caption"]
    assert "Gemeente Voorbeeld" in card
    token = invite_token(card)
    assert 24 <= len(token) <= 64
    with db.transaction() as session:
        invite = session.scalars(select(Invite)).one()
        kept = [row.payload for row in session.scalars(select(OutboxMessage))]
    assert (invite.team, invite.theme, invite.campaign_id) == ("Wijkteam Oost", "debts",
                                                               "oost-2026")
    assert invite.token_hash == digest(token)
    assert invite.expires_at == clock.now + timedelta(days=30)
    # The links and QR codes were sent and are gone from the outbox: they are the invite.
    assert all(token not in str(payload) for payload in kept)


def test_the_resident_story_is_tagged_and_the_worker_sees_counts_only(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    worker = _worker(staffed, db, clock)
    token = invite_token(make_invite(worker, "debts"))
    anna = Person(staffed, "anna")

    anna.tell_story(token)
    anna.command("/nieuw")

    assert _stories(db) == [("oost-2026", "Wijkteam Oost", "debts", True)]
    counts = texts_of(worker.command("/mijnuitnodigingen"))[0]
    assert "Gemaakt: 1" in counts and "Gebruikt: 1" in counts and "verteld: 1" in counts
    seen = " ".join(str(payload) for payload in worker.inbox)
    assert "schulden en wist niet" not in seen and anna.participant_id not in seen
    with db.transaction() as session:
        story = session.scalars(select(Story)).one()
    # No column of the story leads back to the worker.
    assert all(worker.participant_id not in str(getattr(story, column.key))
               for column in Story.__table__.columns)


def test_a_used_invite_does_not_work_for_someone_else(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    worker = _worker(staffed, db, clock)
    token = invite_token(make_invite(worker))
    Person(staffed, "anna").tell_story(token)

    bert = Person(staffed, "bert")
    replies = bert.tell_story(token)

    assert "al gebruikt" in replies[0]["text"] and replies[1]["text"].startswith("Hallo")
    assert _stories(db) == [("oost-2026", "Wijkteam Oost", "support_at_home", True),
                            (None, None, None, False)]
    with db.transaction() as session:
        assert session.scalars(select(Invite.stories)).one() == 1


def test_the_same_resident_may_open_the_invite_again(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    worker = _worker(staffed, db, clock)
    token = invite_token(make_invite(worker))
    anna = Person(staffed, "anna")
    anna.command(f"/start {token}")
    clock.advance(days=40)

    again = anna.command(f"/start {token}")
    for kind, value in FULL_CONVERSATION:
        anna.send(event_of(kind, value))

    assert "gebruikt" not in again[0]["text"] and "verlopen" not in again[0]["text"]
    assert _stories(db) == [("oost-2026", "Wijkteam Oost", "support_at_home", True)]


def test_an_expired_invite_gets_a_friendly_word_and_an_untagged_story(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    worker = _worker(staffed, db, clock)
    token = invite_token(make_invite(worker))
    clock.advance(days=31)

    replies = Person(staffed, "anna").tell_story(token)

    assert "verlopen" in replies[0]["text"]
    assert _stories(db) == [(None, None, None, False)]


def test_a_public_campaign_link_tags_the_campaign_only(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    add_campaign(db, clock.now)
    add_campaign(db, clock.now, "oud-2025", ends_at=clock.now - timedelta(days=1))

    Person(staffed, "anna").tell_story("c_oost-2026")
    late = Person(staffed, "bert").tell_story("c_oud-2025")

    assert "loopt nu niet" in late[0]["text"]
    assert _stories(db) == [("oost-2026", None, None, False), (None, None, None, False)]


def test_a_worker_without_a_running_campaign_is_told_so(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    worker = become_worker(staffed, become_admin(staffed, db, clock.now))

    replies = worker.command("/uitnodiging")

    assert "geen campagne" in replies[0]["text"] and not replies[0]["choices"]


def test_a_worker_code_for_one_campaign_offers_its_themes_only(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    add_campaign(db, clock.now)
    add_campaign(db, clock.now, "zuid-2026", themes=[{"id": "youth", "label": {"nl": "🧒 Jeugd"}}])
    admin = become_admin(staffed, db, clock.now)
    everywhere = become_worker(staffed, admin, "wim")
    code = worker_code_of(admin.command("/werkercode Zuid campagne=zuid-2026"))
    zuid = Person(staffed, "zoe")
    zuid.command(f"/werker {code}")

    both = theme_question(everywhere.command("/uitnodiging"))
    one = theme_question(zuid.command("/uitnodiging"))

    assert len(both["choices"]) == 3 and both["choices"][2]["description"] == "Campagne zuid-2026"
    assert [c["label"] for c in one["choices"]] == ["🧒 Jeugd"]


def test_an_old_theme_button_makes_no_second_invite(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    worker = _worker(staffed, db, clock)
    question = theme_question(worker.command("/uitnodiging"))
    worker.press(question["choices"][0]["id"], question["token"])

    again = worker.press(question["choices"][1]["id"], question["token"])

    assert "werkt niet meer" in again[0]["text"] and len(again) == 1
    with db.transaction() as session:
        assert len(session.scalars(select(Invite)).all()) == 1


def test_the_card_can_be_in_the_resident_language(
    staffed: ConversationService, db: Database, clock: FixedClock
) -> None:
    worker = _worker(staffed, db, clock)

    card = make_invite(worker, language="en")

    assert card.startswith("Tell your story to Gemeente Voorbeeld.")
    assert "I%20want%20to%20tell" in card


def test_codes_and_invite_tokens_never_reach_the_log(
    staffed: ConversationService, db: Database, clock: FixedClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    add_campaign(db, clock.now)
    admin = become_admin(staffed, db, clock.now)
    code = worker_code_of(admin.command("/werkercode Wijkteam Oost"))
    worker = Person(staffed, "worker-wim")
    worker.command(f"/werker {code}")
    token = invite_token(make_invite(worker))
    Person(staffed, "anna").tell_story(token)
    admin.command("/export")

    assert "role was granted" in caplog.text and "invite start: started" in caplog.text
    for secret in (code, token, digest(token), worker.participant_id, "anna", "schulden"):
        assert secret not in caplog.text


@pytest.mark.parametrize(("typed", "theme"), [("2", "debts"), ("geld en schulden", "debts"),
                                              ("1", "support_at_home")])
def test_a_typed_reply_answers_the_worker_theme_question(
    staffed: ConversationService, db: Database, clock: FixedClock, typed: str, theme: str
) -> None:
    worker = _worker(staffed, db, clock)
    # The worker is in the middle of the resident form too: "1" would answer its question.
    worker.send(event_of("command", "/start"))
    worker.press("yes")
    theme_question(worker.command("/uitnodiging"))

    replies = worker.say(typed)

    assert replies[0]["kind"] == "answered"
    with db.transaction() as session:
        invite = session.scalars(select(Invite)).one()
    assert invite.theme == theme
    again = worker.say("1")
    # With the theme chosen, "1" answers the resident question again (16 or older).
    assert any(reply.get("question") == "_prompt" for reply in again)
    with db.transaction() as session:
        assert len(session.scalars(select(Invite)).all()) == 1
