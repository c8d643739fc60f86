"""Outbound payloads as Telegram messages: texts of at most 4,096 characters, inline keyboards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.messages import Question
from bot.channels.render import SELECTED_MARK, Renderer, with_descriptions
from flows.events import Choice, ChoiceIn
from flows.turn import chunks

MAX_TEXT: Final = 4096
MAX_CALLBACK_BYTES: Final = 64
ELLIPSIS: Final = "…"
# Tokens are decimal counters, so no real question ever has this one: a press on a button
# without a token (an older format) is answered as stale instead of answering today's question.
NO_TOKEN: Final = ""


class ButtonTooLong(ValueError):
    """A choice id does not fit in Telegram's 64 bytes of callback data."""


def callback_data(token: str | None, choice_id: str) -> str:
    """`<token>:<choice id>`: short enough for Telegram, and tied to its question."""
    data = f"{token or NO_TOKEN}:{choice_id}"
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ButtonTooLong(f"choice id {choice_id!r} makes callback data over 64 bytes")
    return data


def choice_of(data: str) -> ChoiceIn:
    """A pressed button's callback data as the engine's event."""
    token, separator, choice_id = data.partition(":")
    if not separator:
        return ChoiceIn(choice_id=data, token=NO_TOKEN)
    return ChoiceIn(choice_id=choice_id, token=token)


def button_label(choice: Choice, multi: bool) -> str:
    """The label on a button; chosen options of a multiple-choice question get a check mark."""
    return f"{SELECTED_MARK} {choice.label}" if multi and choice.selected else choice.label


def keyboard(question: Question) -> InlineKeyboardMarkup | None:
    """One button per row (wide buttons are easiest to read and press), or None."""
    if not question.choices:
        return None
    rows = [
        [InlineKeyboardButton(button_label(c, question.multi),
                              callback_data=callback_data(question.token, c.id))]
        for c in question.choices
    ]
    return InlineKeyboardMarkup(rows)


def message_texts(question: Question) -> list[str]:
    """The text split into messages Telegram accepts; the keyboard goes on the last one."""
    return chunks(with_descriptions(question), MAX_TEXT) or [ELLIPSIS]


@dataclass(frozen=True, slots=True)
class Draft:
    """One message to send: its text, and the keyboard when it carries one."""

    text: str
    markup: InlineKeyboardMarkup | None = None


class TelegramRenderer(Renderer[Draft]):
    """Texts within Telegram's limits, and questions with an inline keyboard; redraws,
    answered questions and files are edits and uploads, done by the sender."""

    def plain(self, text: str, language: str | None) -> list[Draft]:
        """Text in pieces of at most 4,096 characters."""
        return [Draft(piece) for piece in chunks(text, MAX_TEXT) or [ELLIPSIS]]

    def question(self, payload: Question) -> list[Draft]:
        """The question's text, its keyboard on the last piece."""
        texts = message_texts(payload)
        markup = keyboard(payload)
        return [Draft(text, markup if n == len(texts) else None)
                for n, text in enumerate(texts, start=1)]


def answered_text(question: str, answer: str) -> str:
    """The question's message after the answer: the question, then what was chosen."""
    room = MAX_TEXT - len(answer) - 2
    if room <= len(ELLIPSIS):
        return answer[:MAX_TEXT]
    if len(question) > room:
        question = question[: room - len(ELLIPSIS)] + ELLIPSIS
    return f"{question}\n\n{answer}"
