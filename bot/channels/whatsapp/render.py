"""Outbox payloads as WhatsApp messages that stay within the Cloud API's limits.

Up to three choices become reply buttons, four to ten a list, more than ten (or a question
with several answers) numbered lines the resident answers by typing the number(s).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.channels.whatsapp.inbound import button_id
from bot.channels.whatsapp.phrases import phrase
from flows.texts import Texts
from flows.turn import chunks

TEXT_MAX = 4096
BUTTON_BODY_MAX = 1024
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
LIST_ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
LIST_BUTTON_MAX = 20
ELLIPSIS = "…"
DONE_ID = "done"


@dataclass(frozen=True, slots=True)
class ReplyButton:
    """One reply button: id `<token>:<choice>` and a title of at most 20 characters."""

    id: str
    title: str


@dataclass(frozen=True, slots=True)
class ListRow:
    """One row of a list message."""

    id: str
    title: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Rendered:
    """One WhatsApp message: text alone, text with reply buttons, or text with a list."""

    text: str
    buttons: tuple[ReplyButton, ...] = ()
    rows: tuple[ListRow, ...] = ()
    list_button: str | None = None


def shorten(text: str, limit: int) -> str:
    """The text cut to `limit` characters, at a space where that keeps most of it."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    cut = cut if cut > limit // 2 else limit - 1
    return text[:cut].rstrip(" ,.;:") + ELLIPSIS


def fitting_label(choice: dict[str, Any], limit: int) -> str:
    """The label when it fits, else the short label, else the shorter of the two cut down."""
    label, short = str(choice.get("label") or choice.get("id")), choice.get("short")
    for candidate in (label, short):
        if isinstance(candidate, str) and candidate and len(candidate) <= limit:
            return candidate
    return shorten(short if isinstance(short, str) and short else label, limit)


def split_text(text: str, last_max: int = TEXT_MAX) -> tuple[list[str], str]:
    """Pieces of at most 4096 characters, the last of at most `last_max` (an interactive body)."""
    pieces = chunks(text, TEXT_MAX) or [text]
    head, tail = pieces[:-1], pieces[-1]
    if len(tail) > last_max:
        tail_pieces = chunks(tail, last_max)
        head, tail = [*head, " ".join(tail_pieces[:-1])], tail_pieces[-1]
    return head, tail


def render(payload: dict[str, Any], texts: Texts) -> list[Rendered]:
    """The WhatsApp messages for one outbox payload; none for an `answered` notice."""
    kind = payload.get("kind", "message")
    if kind == "answered":
        # WhatsApp cannot edit a sent message; the next question shows the answer was taken.
        return []
    choices: list[dict[str, Any]] = list(payload.get("choices") or [])
    if kind == "update" and payload.get("multi"):
        return [_selection(payload, choices, texts)]
    text = str(payload.get("text") or "")
    if not choices:
        return [Rendered(piece) for piece in chunks(text, TEXT_MAX) or [text]]
    if payload.get("multi") or len(choices) > LIST_ROWS_MAX:
        return _numbered(payload, choices)
    if len(choices) <= BUTTONS_MAX:
        return _with_buttons(payload, choices)
    return _with_list(payload, choices)


def _with_buttons(payload: dict[str, Any], choices: list[dict[str, Any]]) -> list[Rendered]:
    head, body = split_text(str(payload.get("text") or ""), BUTTON_BODY_MAX)
    token = payload.get("token")
    buttons = tuple(
        ReplyButton(button_id(token, c["id"]), fitting_label(c, BUTTON_TITLE_MAX)) for c in choices
    )
    return [*(Rendered(piece) for piece in head), Rendered(body, buttons=buttons)]


def _with_list(payload: dict[str, Any], choices: list[dict[str, Any]]) -> list[Rendered]:
    head, body = split_text(str(payload.get("text") or ""))
    token = payload.get("token")
    rows = tuple(
        ListRow(
            id=button_id(token, c["id"]),
            title=fitting_label(c, ROW_TITLE_MAX),
            description=_description(c),
        )
        for c in choices
    )
    button = shorten(phrase("list_button", payload.get("language")), LIST_BUTTON_MAX)
    return [*(Rendered(piece) for piece in head), Rendered(body, rows=rows, list_button=button)]


def _description(choice: dict[str, Any]) -> str | None:
    description = choice.get("description")
    if isinstance(description, str) and description.strip():
        return shorten(description.strip(), ROW_DESCRIPTION_MAX)
    label, title = str(choice.get("label") or ""), fitting_label(choice, ROW_TITLE_MAX)
    # A label too long for the row title is shown whole underneath, so nothing is lost.
    return shorten(label, ROW_DESCRIPTION_MAX) if label and title != label else None


def _numbered(payload: dict[str, Any], choices: list[dict[str, Any]]) -> list[Rendered]:
    lines = [
        f"{number}. {'☑️ ' if c.get('selected') else ''}{c.get('label') or c.get('id')}"
        for number, c in enumerate(choices, start=1)
    ]
    hint = phrase("type_numbers" if payload.get("multi") else "type_number",
                  payload.get("language"))
    text = "\n\n".join([str(payload.get("text") or ""), "\n".join(lines), hint])
    return [Rendered(piece) for piece in chunks(text, TEXT_MAX)]


def _selection(payload: dict[str, Any], choices: list[dict[str, Any]], texts: Texts) -> Rendered:
    """After a tick: what is chosen so far, with a button to finish."""
    language = str(payload.get("language") or texts.form.default_language)
    picked = [str(c.get("short") or c.get("label")) for c in choices if c.get("selected")]
    if not picked:
        return Rendered(texts.get("multi_none", language))
    text = shorten(texts.get("multi_selected", language, labels=", ".join(picked)),
                   BUTTON_BODY_MAX)
    done = next((c for c in choices if c.get("id") == DONE_ID), None)
    if done is None:
        return Rendered(text)
    token = payload.get("token")
    return Rendered(text, buttons=(
        ReplyButton(button_id(token, DONE_ID), fitting_label(done, BUTTON_TITLE_MAX)),
    ))
