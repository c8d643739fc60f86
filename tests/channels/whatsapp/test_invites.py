"""Invite links and their code phrases, in every language."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from bot.channels.whatsapp.inbound import engine_event
from bot.channels.whatsapp.invites import BadInvite, find_invite, invite_link
from bot.channels.whatsapp.phrases import load_phrases
from bot.channels.whatsapp.updates import MessageUpdate, Resident
from flows.events import CommandIn, TextIn

LANGUAGES = sorted(load_phrases())


def _phrase(link: str) -> str:
    return parse_qs(urlsplit(link).query)["text"][0]


def test_a_link_opens_a_chat_with_the_business_number_and_the_phrase() -> None:
    link = invite_link("+31 (0)20-123 4567", "wijk_noord-2026")

    assert link.startswith("https://wa.me/31201234567?text=")
    assert " " not in link and ":" not in link.split("?", 1)[1]
    assert _phrase(link) == "Ik wil mijn verhaal vertellen. Code: wijk_noord-2026"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_phrase_of_every_language_is_recognised(language: str) -> None:
    phrase = _phrase(invite_link("31201234567", "Tk-9", language))

    found = find_invite(phrase)

    assert found is not None and (found.token, found.language) == ("Tk-9", language)


def test_small_changes_people_make_still_count() -> None:
    found = find_invite("  ik wil mijn verhaal\nvertellen.  code:  ABC123 ")

    assert found is not None and found.token == "ABC123"


@pytest.mark.parametrize("text", [
    "Ik wil mijn verhaal vertellen. De code van de deur is 1234",
    "Mijn buurman zei: ik wil mijn verhaal vertellen. Code: X",
    "Ik wil mijn verhaal vertellen. Code: twee woorden",
])
def test_a_story_that_mentions_a_code_stays_a_story(text: str) -> None:
    assert find_invite(text) is None


@pytest.mark.parametrize(("number", "token"), [
    ("12", "ok"), ("31201234567", ""), ("31201234567", "with space"), ("31201234567", "x" * 65),
])
def test_bad_numbers_and_tokens_are_refused(number: str, token: str) -> None:
    with pytest.raises(BadInvite):
        invite_link(number, token)


def test_the_phrase_reaches_the_engine_as_start_with_its_language() -> None:
    update = MessageUpdate("wamid.1", Resident("31612345678", None, None), "text",
                           text=_phrase(invite_link("31201234567", "abc", "tr")))

    assert engine_event(update) == (CommandIn("start", "abc"), "tr")


def test_other_text_stays_text() -> None:
    update = MessageUpdate("wamid.1", Resident("31612345678", None, None), "text", text="Hoi")

    assert engine_event(update) == (TextIn("Hoi"), None)
