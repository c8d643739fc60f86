"""WhatsApp's limits on outgoing messages, checked the way the Cloud API rejects them.

Limits from Meta's Cloud API reference (messages, interactive reply buttons, interactive
list messages): text body 4096; reply buttons 1-3, title 1-20, id 1-256, body 1024;
list button 1-20, 1-10 sections, 1-10 rows in total, row id 200, row title 24, row
description 72, section title 24, body 4096; header text and footer 60; media caption 1024.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

from tests.fakes.graph_errors import (
    GraphError,
    invalid_parameter,
    missing_parameter,
    value_not_valid,
)

TEXT_BODY_MAX = 4096
HEADER_TEXT_MAX = 60
FOOTER_TEXT_MAX = 60
CAPTION_MAX = 1024
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
BUTTON_BODY_MAX = 1024
LIST_BODY_MAX = 4096
LIST_BUTTON_MAX = 20
LIST_SECTIONS_MAX = 10
LIST_ROWS_MAX = 10
ROW_ID_MAX = 200
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
SECTION_TITLE_MAX = 24
CTA_DISPLAY_TEXT_MAX = 20
TEMPLATE_NAME_MAX = 512

MESSAGE_TYPES = frozenset(
    {"text", "interactive", "template", "image", "audio", "video", "document", "sticker",
     "reaction", "location", "contacts"}
)
MEDIA_TYPES = frozenset({"image", "audio", "video", "document", "sticker"})
CAPTIONED_TYPES = frozenset({"image", "video", "document"})
INTERACTIVE_TYPES = frozenset(
    {"button", "list", "cta_url", "flow", "location_request_message", "voice_call",
     "call_permission_request", "product", "product_list", "catalog_message", "address_message"}
)

LengthUnit = Literal["code_points", "utf16"]


class Rejected(Exception):
    """Raised inside the checks; carries the Graph error the fake answers with."""

    def __init__(self, error: GraphError) -> None:
        super().__init__(error.message)
        self.error = error


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units: emoji outside the BMP count twice."""
    return len(text.encode("utf-16-le")) // 2


class MessageRules:
    """Checks one `POST /{phone_id}/messages` body against WhatsApp's limits."""

    def __init__(self, length_unit: LengthUnit = "code_points") -> None:
        # Meta does not document how it counts emoji; "utf16" is the stricter reading.
        self._length: Callable[[str], int] = utf16_length if length_unit == "utf16" else len

    def check(self, body: dict[str, Any]) -> GraphError | None:
        """The error Meta would answer with, or None when the message is acceptable."""
        try:
            self._check(body)
        except Rejected as rejected:
            return rejected.error
        return None

    def _check(self, body: dict[str, Any]) -> None:
        if body.get("messaging_product") != "whatsapp":
            raise Rejected(invalid_parameter("Param messaging_product must be 'whatsapp'."))
        if not (body.get("to") or body.get("recipient")):
            raise Rejected(missing_parameter("Parameter 'to' or 'recipient' is required."))
        kind = body.get("type", "text")
        if kind not in MESSAGE_TYPES:
            raise Rejected(invalid_parameter(f"Param type must be one of {sorted(MESSAGE_TYPES)}."))
        content = body.get(kind)
        if not isinstance(content, dict):
            raise Rejected(missing_parameter(f"Parameter '{kind}' is required."))
        if kind == "text":
            self._text("text.body", content.get("body"), TEXT_BODY_MAX, code=100)
        elif kind == "interactive":
            self._interactive(content)
        elif kind == "template":
            _template(content)
        elif kind in MEDIA_TYPES:
            self._media(kind, content)
        elif kind == "reaction" and not content.get("message_id"):
            raise Rejected(missing_parameter("Parameter 'reaction.message_id' is required."))

    def _text(self, name: str, value: object, limit: int, *, code: int = 131009) -> None:
        if not isinstance(value, str) or not value:
            raise Rejected(missing_parameter(f"Parameter '{name}' is required."))
        self._at_most(name, value, limit, code=code)

    def _at_most(self, name: str, value: str, limit: int, *, code: int = 131009) -> None:
        if self._length(value) > limit:
            details = f"Param {name} must be at most {limit} characters long."
            raise Rejected(GraphError(code=code, details=details))

    def _media(self, kind: str, content: dict[str, Any]) -> None:
        if not (content.get("id") or content.get("link")):
            raise Rejected(missing_parameter(f"Parameter '{kind}.id' or '{kind}.link' is needed."))
        caption = content.get("caption")
        if caption is not None:
            if kind not in CAPTIONED_TYPES:
                raise Rejected(invalid_parameter(f"Param {kind}.caption is not supported."))
            self._at_most(f"{kind}.caption", caption, CAPTION_MAX, code=100)

    def _interactive(self, content: dict[str, Any]) -> None:
        kind = content.get("type")
        if kind not in INTERACTIVE_TYPES:
            raise Rejected(value_not_valid(f"Invalid interactive type: {kind!r}."))
        action = content.get("action")
        if not isinstance(action, dict):
            raise Rejected(missing_parameter("Parameter 'interactive.action' is required."))
        self._frame(kind, content)
        if kind == "button":
            self._reply_buttons(action.get("buttons"))
        elif kind == "list":
            self._section_list(action)
        elif kind == "cta_url":
            params = action.get("parameters") or {}
            self._text("action.parameters.display_text", params.get("display_text"),
                       CTA_DISPLAY_TEXT_MAX)
            if not params.get("url"):
                raise Rejected(missing_parameter("Parameter 'action.parameters.url' is required."))

    def _frame(self, kind: str, content: dict[str, Any]) -> None:
        """Body, header and footer of an interactive message."""
        body_text = (content.get("body") or {}).get("text")
        if kind in ("button", "list"):
            limit = BUTTON_BODY_MAX if kind == "button" else LIST_BODY_MAX
            self._text("interactive.body.text", body_text, limit, code=100)
        elif body_text is not None:
            self._at_most("interactive.body.text", body_text, BUTTON_BODY_MAX, code=100)
        header = content.get("header")
        if header is not None:
            if kind == "list" and header.get("type") != "text":
                raise Rejected(value_not_valid("List messages support a text header only."))
            if header.get("type") == "text":
                self._text("interactive.header.text", header.get("text"), HEADER_TEXT_MAX)
        footer_text = (content.get("footer") or {}).get("text")
        if footer_text is not None:
            self._at_most("interactive.footer.text", footer_text, FOOTER_TEXT_MAX)

    def _reply_buttons(self, buttons: object) -> None:
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= BUTTONS_MAX:
            raise Rejected(value_not_valid(
                f"Invalid buttons count. Min allowed buttons: 1, Max allowed buttons: {BUTTONS_MAX}"
            ))
        for button in buttons:
            reply = button.get("reply") or {}
            if button.get("type") != "reply":
                raise Rejected(value_not_valid("Button type must be 'reply'."))
            title, button_id = reply.get("title") or "", reply.get("id") or ""
            if not 1 <= self._length(title) <= BUTTON_TITLE_MAX:
                raise Rejected(value_not_valid(
                    f"Button title length invalid. Min length: 1, Max length: {BUTTON_TITLE_MAX}"
                ))
            if not 1 <= len(button_id) <= BUTTON_ID_MAX or button_id != button_id.strip():
                raise Rejected(value_not_valid(
                    f"Button id invalid. Min length: 1, Max length: {BUTTON_ID_MAX}, "
                    "no leading or trailing spaces"
                ))
        replies = [b["reply"] for b in buttons]
        _unique("Button title", (r["title"] for r in replies))
        _unique("Button id", (r["id"] for r in replies))

    def _section_list(self, action: dict[str, Any]) -> None:
        label = action.get("button") or ""
        if not 1 <= self._length(label) <= LIST_BUTTON_MAX:
            raise Rejected(value_not_valid(
                f"Button text length invalid. Min length: 1, Max length: {LIST_BUTTON_MAX}"
            ))
        sections = action.get("sections")
        if not isinstance(sections, list) or not 1 <= len(sections) <= LIST_SECTIONS_MAX:
            raise Rejected(value_not_valid(
                f"Invalid sections count. Min allowed: 1, Max allowed: {LIST_SECTIONS_MAX}"
            ))
        rows = [row for section in sections for row in section.get("rows") or []]
        if not 1 <= len(rows) <= LIST_ROWS_MAX:
            raise Rejected(value_not_valid(
                f"Total row count exceed max allowed count: {LIST_ROWS_MAX}"
            ))
        for section in sections:
            title = section.get("title")
            if title is None and len(sections) > 1:
                raise Rejected(missing_parameter("Section title is required with 2+ sections."))
            if title is not None:
                self._at_most("section.title", title, SECTION_TITLE_MAX)
        for row in rows:
            self._row(row)
        _unique("Row id", (row["id"] for row in rows))

    def _row(self, row: dict[str, Any]) -> None:
        title, row_id = row.get("title") or "", row.get("id") or ""
        if not 1 <= self._length(title) <= ROW_TITLE_MAX:
            raise Rejected(value_not_valid(
                f"Row title length invalid. Min length: 1, Max length: {ROW_TITLE_MAX}"
            ))
        if not 1 <= len(row_id) <= ROW_ID_MAX:
            raise Rejected(value_not_valid(
                f"Row id length invalid. Min length: 1, Max length: {ROW_ID_MAX}"
            ))
        description = row.get("description")
        if description is not None:
            self._at_most("row.description", description, ROW_DESCRIPTION_MAX)


def _template(content: dict[str, Any]) -> None:
    name = content.get("name")
    if not isinstance(name, str) or not name:
        raise Rejected(missing_parameter("Parameter 'template.name' is required."))
    if len(name) > TEMPLATE_NAME_MAX:
        raise Rejected(invalid_parameter("Param template.name is too long."))
    if not (content.get("language") or {}).get("code"):
        raise Rejected(missing_parameter("Parameter 'template.language.code' is required."))
    components = content.get("components", [])
    if not isinstance(components, list):
        raise Rejected(invalid_parameter("Param template.components must be an array."))
    for component in components:
        # Meta reads component types case-insensitively; pywa sends "BODY", "button".
        kind = str(component.get("type", "")).lower()
        if kind not in ("header", "body", "button", "carousel", "limited_time_offer"):
            raise Rejected(invalid_parameter(f"Invalid component type {component.get('type')!r}."))
        if kind == "button" and (
            "sub_type" not in component or "index" not in component
        ):
            raise Rejected(missing_parameter("Button components need 'sub_type' and 'index'."))


def _unique(what: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise Rejected(value_not_valid(f"{what} must be unique within the message: {value!r}"))
        seen.add(value)
