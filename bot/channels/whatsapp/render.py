"""Outbound payloads as WhatsApp messages that stay within the Cloud API's limits.

Up to three choices become reply buttons, four to ten a list, more than ten (or a question
with several answers) numbered lines the resident answers by typing the number(s).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.messages import Payload, Question
from bot.channels.render import Renderer
from bot.channels.whatsapp.inbound import button_id
from bot.channels.whatsapp.phrases import phrase
from flows.events import Choice
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


def fitting_label(choice: Choice, limit: int) -> str:
    """The label when it fits, else the short label, else the shorter of the two cut down."""
    label, short = choice.label or choice.id, choice.short
    for candidate in (label, short):
        if candidate and len(candidate) <= limit:
            return candidate
    return shorten(short or label, limit)


def split_text(text: str, last_max: int = TEXT_MAX) -> tuple[list[str], str]:
    """Pieces of at most 4096 characters, the last of at most `last_max` (an interactive body)."""
    pieces = chunks(text, TEXT_MAX) or [text]
    head, tail = pieces[:-1], pieces[-1]
    if len(tail) > last_max:
        tail_pieces = chunks(tail, last_max)
        head, tail = [*head, " ".join(tail_pieces[:-1])], tail_pieces[-1]
    return head, tail


class WhatsAppRenderer(Renderer[Rendered]):
    """Reply buttons, lists and numbered lines within the Cloud API's limits; WhatsApp cannot
    edit a sent message, so an answered question sends nothing (the base's fallback)."""

    def __init__(self, texts: Texts) -> None:
        self.texts = texts

    def plain(self, text: str, language: str | None) -> list[Rendered]:
        """Text in pieces of at most 4,096 characters."""
        return [Rendered(piece) for piece in chunks(text, TEXT_MAX) or [text]]

    def question(self, payload: Question) -> list[Rendered]:
        """Up to three choices as buttons, up to ten as a list, more (or several answers)
        as numbered lines."""
        count = len(payload.choices)
        if not count:
            return self.plain(payload.text, payload.language)
        if payload.multi or count > LIST_ROWS_MAX:
            return super().question(payload)
        if count <= BUTTONS_MAX:
            return _with_buttons(payload)
        return _with_list(payload)

    def redraw(self, payload: Question) -> list[Rendered]:
        """After a tick: what is chosen so far, with a button to finish."""
        if payload.multi:
            return [_selection(payload, self.texts)]
        return super().redraw(payload)

    def number_hint(self, payload: Question) -> str | None:
        """How to answer by typing: the number, or numbers with commas."""
        return phrase("type_numbers" if payload.multi else "type_number", payload.language)


def render(payload: Payload, texts: Texts) -> list[Rendered]:
    """The WhatsApp messages for one outbound payload."""
    return WhatsAppRenderer(texts).render(payload)


def _with_buttons(payload: Question) -> list[Rendered]:
    head, body = split_text(payload.text, BUTTON_BODY_MAX)
    buttons = tuple(
        ReplyButton(button_id(payload.token, c.id), fitting_label(c, BUTTON_TITLE_MAX))
        for c in payload.choices
    )
    return [*(Rendered(piece) for piece in head), Rendered(body, buttons=buttons)]


def _with_list(payload: Question) -> list[Rendered]:
    head, body = split_text(payload.text)
    rows = tuple(
        ListRow(id=button_id(payload.token, c.id), title=fitting_label(c, ROW_TITLE_MAX),
                description=_description(c))
        for c in payload.choices
    )
    button = shorten(phrase("list_button", payload.language), LIST_BUTTON_MAX)
    return [*(Rendered(piece) for piece in head), Rendered(body, rows=rows, list_button=button)]


def _description(choice: Choice) -> str | None:
    description = (choice.description or "").strip()
    if description:
        return shorten(description, ROW_DESCRIPTION_MAX)
    label, title = choice.label, fitting_label(choice, ROW_TITLE_MAX)
    # A label too long for the row title is shown whole underneath, so nothing is lost.
    return shorten(label, ROW_DESCRIPTION_MAX) if label and title != label else None


def _selection(payload: Question, texts: Texts) -> Rendered:
    language = payload.language or texts.form.default_language
    picked = [c.short or c.label for c in payload.choices if c.selected]
    if not picked:
        return Rendered(texts.get("multi_none", language))
    text = shorten(texts.get("multi_selected", language, labels=", ".join(picked)),
                   BUTTON_BODY_MAX)
    done = next((c for c in payload.choices if c.id == DONE_ID), None)
    if done is None:
        return Rendered(text)
    return Rendered(text, buttons=(
        ReplyButton(button_id(payload.token, DONE_ID), fitting_label(done, BUTTON_TITLE_MAX)),
    ))
