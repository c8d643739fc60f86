"""Rendering outbox payloads within WhatsApp's limits: buttons, lists, numbered lines, splits."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.channels.messages import Payload, payload_of
from bot.channels.whatsapp.render import (
    BUTTON_BODY_MAX,
    BUTTON_TITLE_MAX,
    ROW_DESCRIPTION_MAX,
    ROW_TITLE_MAX,
    TEXT_MAX,
    Rendered,
    render,
)
from flows.events import Choice, Outbound
from flows.texts import Texts


def _payload(n: int, *, multi: bool = False, text: str = "Hoe voelde u zich?",
             kind: str = "message", **choice: Any) -> Payload:
    choices = tuple(Choice(id=f"c{i}", label=f"😀 Keuze {i}", **choice) for i in range(1, n + 1))
    return payload_of(Outbound(text=text, choices=choices, multi=multi, question="q", token="7",
                               kind=kind, language="nl"))  # type: ignore[arg-type]


def test_three_choices_become_reply_buttons_with_token_ids(texts: Texts) -> None:
    [message] = render(_payload(3), texts)

    assert message.buttons and not message.rows
    assert [b.id for b in message.buttons] == ["7:c1", "7:c2", "7:c3"]
    assert [b.title for b in message.buttons] == ["😀 Keuze 1", "😀 Keuze 2", "😀 Keuze 3"]


def test_a_long_label_gives_way_to_its_short_label(texts: Texts) -> None:
    long = "🧑 Ja, ik ben zestien jaar of ouder"
    payload = payload_of(Outbound("Vraag", (Choice("a", long, short="🧑 Ja, 16+"),
                                            Choice("b", "❌ Nee")), token="1"))

    [message] = render(payload, texts)

    assert [b.title for b in message.buttons] == ["🧑 Ja, 16+", "❌ Nee"]


def test_a_long_label_without_short_is_cut_to_the_limit(texts: Texts) -> None:
    payload = payload_of(Outbound("Vraag", (Choice("a", "🏘️ Iets heel anders dan dit allemaal"),),
                                  token="1"))

    [message] = render(payload, texts)

    assert len(message.buttons[0].title) <= BUTTON_TITLE_MAX
    assert message.buttons[0].title.endswith("…")


@pytest.mark.parametrize("count", [4, 10])
def test_four_to_ten_choices_become_a_list(texts: Texts, count: int) -> None:
    [message] = render(_payload(count), texts)

    assert len(message.rows) == count and not message.buttons
    assert message.list_button == "📋 Bekijk keuzes"
    assert message.rows[0].id == "7:c1"


def test_list_rows_keep_titles_and_descriptions_within_limits(texts: Texts) -> None:
    choices = tuple(
        Choice(id=f"p{i}", label="🤝 Een moment dat ik hulp nodig had van iemand",
               description="Vertel over een moment dat u hulp nodig had. Wat gebeurde er toen? "
                           "En hoe liep het af?")
        for i in range(5)
    )
    [message] = render(payload_of(Outbound("Waarover?", choices, token="2")), texts)

    assert all(len(row.title) <= ROW_TITLE_MAX for row in message.rows)
    assert all(row.description and len(row.description) <= ROW_DESCRIPTION_MAX
               for row in message.rows)


def test_more_than_ten_choices_become_numbered_lines(texts: Texts) -> None:
    [message] = render(_payload(12), texts)

    assert not message.buttons and not message.rows
    assert "1. 😀 Keuze 1" in message.text and "12. 😀 Keuze 12" in message.text
    assert message.text.endswith("Typ het nummer van uw antwoord.")


def test_multiple_choice_is_numbered_with_a_hint_for_several_numbers(texts: Texts) -> None:
    [message] = render(_payload(3, multi=True), texts)

    assert "3. 😀 Keuze 3" in message.text
    assert "1, 3" in message.text


def test_a_tick_shows_what_is_chosen_with_a_done_button(texts: Texts) -> None:
    choices = (Choice("money", "💶 Geld en schulden", short="💶 Geld", selected=True),
               Choice("home", "🏠 Wonen"), Choice("done", "✅ Klaar", role="done"))
    payload = payload_of(Outbound("Waar ging het over?", choices, multi=True, token="9",
                       kind="update", language="nl"))

    [message] = render(payload, texts)

    assert message.text == "Gekozen: 💶 Geld"
    assert [(b.id, b.title) for b in message.buttons] == [("9:done", "✅ Klaar")]


def test_an_untick_of_everything_says_nothing_is_chosen(texts: Texts) -> None:
    payload = _payload(3, multi=True, kind="update")

    [message] = render(payload, texts)

    assert message == Rendered(texts.get("multi_none", "nl"))


def test_an_answered_notice_sends_nothing(texts: Texts) -> None:
    payload = payload_of(Outbound("Uw antwoord: 😀 Blij", token="3", kind="answered"))

    assert render(payload, texts) == []


def test_a_long_text_is_split_into_messages_of_at_most_4096(texts: Texts) -> None:
    story = ("Dit is een lange zin over wat er gebeurde. " * 250).strip()

    messages = render(payload_of(Outbound(story)), texts)

    assert len(messages) == 3
    assert all(len(m.text) <= TEXT_MAX for m in messages)
    assert " ".join(m.text for m in messages) == story


def test_a_long_question_keeps_its_buttons_on_a_short_last_part(texts: Texts) -> None:
    messages = render(_payload(2, text="Lees dit eerst. " * 100), texts)

    assert len(messages) == 2 and not messages[0].buttons
    assert len(messages[-1].text) <= BUTTON_BODY_MAX and len(messages[-1].buttons) == 2


def test_list_button_follows_the_language(texts: Texts) -> None:
    payload = replace(_payload(5), language="uk")

    [message] = render(payload, texts)

    assert message.list_button == "📋 Варіанти"
