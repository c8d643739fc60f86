"""What the fake Graph API recorded: requests, accepted messages and uploaded media."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import re
from typing import Any

from tests.fakes.graph_errors import GraphError

PHONE = re.compile(r"\+?[\d\s()-]+")

_wamids = itertools.count(1)
_media_ids = itertools.count(880000000000001)


@dataclasses.dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One HTTP request the fake answered, with the answer."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    status: int
    answer: Any

    @property
    def error(self) -> dict[str, Any] | None:
        """The Graph `error` object of the answer, if the fake refused the request."""
        if self.status >= 400 and isinstance(self.answer, dict):
            error: dict[str, Any] | None = self.answer.get("error")
            return error
        return None


@dataclasses.dataclass(frozen=True, slots=True)
class RecordedMessage:
    """One message Meta would have accepted from `POST /{phone_id}/messages`."""

    wamid: str
    phone_id: str
    recipient: str
    api_version: str
    body: dict[str, Any]
    # Set when the fake accepted the message but Meta would report it `failed` by webhook.
    error: GraphError | None = None

    @property
    def type(self) -> str:
        """`text`, `interactive`, `template`, `image`, `audio`, `reaction`, …"""
        kind: str = self.body.get("type", "text")
        return kind

    @property
    def interactive_type(self) -> str | None:
        """`button`, `list`, `cta_url`, … for interactive messages."""
        if self.type != "interactive":
            return None
        kind: str | None = self.body["interactive"].get("type")
        return kind

    @property
    def text(self) -> str | None:
        """What the resident reads: text body, interactive body or media caption."""
        content = self.body.get(self.type) or {}
        if self.type == "text":
            body: str | None = content.get("body")
            return body
        if self.type == "interactive":
            interactive_text: str | None = (content.get("body") or {}).get("text")
            return interactive_text
        caption: str | None = content.get("caption")
        return caption

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """`(id, title)` of each reply button."""
        if self.interactive_type != "button":
            return []
        action = self.body["interactive"]["action"]
        return [(b["reply"]["id"], b["reply"]["title"]) for b in action["buttons"]]

    @property
    def rows(self) -> list[dict[str, str]]:
        """Every row (`id`, `title`, optional `description`) of a section list."""
        if self.interactive_type != "list":
            return []
        sections = self.body["interactive"]["action"]["sections"]
        return [row for section in sections for row in section["rows"]]

    @property
    def template_name(self) -> str | None:
        """The template's name for template messages."""
        if self.type != "template":
            return None
        name: str = self.body["template"]["name"]
        return name

    @property
    def reply_to(self) -> str | None:
        """The wamid this message quotes (`context.message_id`)."""
        quoted: str | None = (self.body.get("context") or {}).get("message_id")
        return quoted

    @property
    def tracker(self) -> str | None:
        """`biz_opaque_callback_data`, echoed back in status webhooks."""
        tracker: str | None = self.body.get("biz_opaque_callback_data")
        return tracker


@dataclasses.dataclass(frozen=True, slots=True)
class StoredMedia:
    """Media the fake holds: uploaded by us, or seeded as a resident's voice note."""

    id: str
    mime_type: str
    data: bytes
    filename: str | None = None
    phone_id: str | None = None


def new_wamid(phone_id: str, recipient: str) -> str:
    """A wamid in Meta's style, unique within the test run."""
    raw = f"{phone_id}:{recipient}:{next(_wamids)}".encode()
    return "wamid.HBgL" + base64.b64encode(raw).decode()


def new_media_id() -> str:
    """A media id in Meta's style."""
    return str(next(_media_ids))


def recipient_key(recipient: str) -> str:
    """A phone number as WhatsApp's wa_id (digits only); a BSUID as is."""
    if PHONE.fullmatch(recipient):
        return "".join(ch for ch in recipient if ch.isdigit())
    return recipient
