"""Outbox payloads as Telegram messages: texts of at most 4,096 characters, inline keyboards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from flows.events import ChoiceIn
from flows.turn import chunks

MAX_TEXT: Final = 4096
MAX_CALLBACK_BYTES: Final = 64
# A chosen option of a multiple-choice question; labels already start with their own emoji,
# and "✅" is the done button's, so the mark must differ from both.
SELECTED_MARK: Final = "☑️"
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


def button_label(choice: Mapping[str, Any], multi: bool) -> str:
    """The label on a button; chosen options of a multiple-choice question get a check mark."""
    label = str(choice["label"])
    return f"{SELECTED_MARK} {label}" if multi and choice.get("selected") else label


def keyboard(payload: Mapping[str, Any]) -> InlineKeyboardMarkup | None:
    """One button per row (wide buttons are easiest to read and press), or None."""
    choices: Sequence[Mapping[str, Any]] = payload.get("choices") or ()
    if not choices:
        return None
    multi = bool(payload.get("multi"))
    token = payload.get("token")
    rows = [
        [InlineKeyboardButton(button_label(c, multi), callback_data=callback_data(token, c["id"]))]
        for c in choices
    ]
    return InlineKeyboardMarkup(rows)


def with_descriptions(payload: Mapping[str, Any]) -> str:
    """The message text; choices that carry a description list it below (buttons cannot)."""
    text = str(payload["text"])
    described = [c for c in payload.get("choices") or () if c.get("description")]
    if not described:
        return text
    lines = [f"{c['label']}: {c['description']}" for c in described]
    return text + "\n\n" + "\n".join(lines)


def message_texts(payload: Mapping[str, Any]) -> list[str]:
    """The text split into messages Telegram accepts; the keyboard goes on the last one."""
    return chunks(with_descriptions(payload), MAX_TEXT) or [ELLIPSIS]


def answered_text(question: str, answer: str) -> str:
    """The question's message after the answer: the question, then what was chosen."""
    room = MAX_TEXT - len(answer) - 2
    if room <= len(ELLIPSIS):
        return answer[:MAX_TEXT]
    if len(question) > room:
        question = question[: room - len(ELLIPSIS)] + ELLIPSIS
    return f"{question}\n\n{answer}"
