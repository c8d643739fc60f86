"""The whole default-form conversation over WhatsApp, pressing what we actually sent."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from bot.channels.whatsapp import invite_link
from bot.service import ConversationService
from storage.db import Database
from storage.models import Answer, ContactAddress, ConversationState, Participant, Story
from tests.channels.whatsapp.conftest import RESIDENT, Resident
from tests.fakes.graph_api import FakeGraphApi
from tests.scripts import FULL_CONVERSATION


async def test_the_whole_story_is_told_with_buttons_lists_and_numbers(
    resident: Resident, graph: FakeGraphApi, db: Database, service: ConversationService,
) -> None:
    await resident.say("Hallo")
    for kind, value in FULL_CONVERSATION:
        await resident.step(kind, value)

    with db.transaction() as session:
        story = session.scalars(select(Story)).one()
        answers = {a.question_id: a.status for a in session.scalars(select(Answer))}
        topics = session.scalars(select(Answer).where(Answer.question_id == "topics")).one()
        participant = session.scalars(select(Participant)).one()
        contact = session.scalars(select(ContactAddress)).one()
    assert story.channel == "whatsapp" and story.title == "Hulp bij schulden"
    assert story.prompt_id == "needed_help" and story.confirmed_at is not None
    assert len(answers) == 7 and answers["belonging"] == "declined"
    assert topics.value == {"options": ["money", "contact"]}
    assert participant.about["neighbourhood"]["value"] == {"option": "noord"}
    # The phone number is only the encrypted address; everywhere else a pseudonym.
    assert participant.id == service.participant_id("whatsapp", RESIDENT) != RESIDENT
    assert RESIDENT.encode() not in contact.address
    assert service.cipher.decrypt(contact.address) == RESIDENT
    kinds = {m.interactive_type or m.type for m in graph.messages_to(RESIDENT)}
    assert {"button", "list", "text"} <= kinds
    assert graph.rejected == []


async def test_a_stale_button_gets_a_gentle_reply_and_the_question_again(
    resident: Resident, service: ConversationService,
) -> None:
    await resident.say("Hallo")
    consent = resident.question()
    await resident.choose("yes")

    replies = await resident.post(resident.build.button_reply(
        RESIDENT, consent.buttons[2][0], consent.buttons[2][1], reply_to=consent.wamid))

    assert replies[0].text == service.texts.get("stale_button", "nl")
    assert replies[-1].buttons[0][0].endswith(":age_yes")


async def test_voice_gets_the_same_clear_reply_as_elsewhere(
    resident: Resident, service: ConversationService,
) -> None:
    await resident.say("Hallo")

    replies = await resident.post(resident.build.voice(RESIDENT, "4455"))

    assert replies[0].text == service.texts.get("media_not_supported", "nl")
    assert replies[-1].buttons


async def test_a_typed_slash_command_works(
    resident: Resident, service: ConversationService,
) -> None:
    await resident.say("Hallo")

    replies = await resident.say("/privacy")

    assert replies[0].text == service.texts.get("privacy", "nl")


async def test_an_invite_link_starts_the_conversation_with_its_code(
    resident: Resident, graph: FakeGraphApi, db: Database, service: ConversationService,
) -> None:
    link = invite_link("+31 20 123 4567", "buurt-noord_7", language="en")
    phrase = parse_qs(urlsplit(link).query)["text"][0]

    replies = await resident.say(phrase)

    with db.transaction() as session:
        state = session.scalars(select(ConversationState)).one()
        participant = session.scalars(select(Participant)).one()
    assert state.data["start_payload"] == "buurt-noord_7"
    assert participant.language == "en"
    assert replies[0].text == service.texts.get("hello", "en")
