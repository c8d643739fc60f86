"""Webhook bodies of the WhatsApp Cloud API as frozen dataclasses, every entry of a batch.

We parse the JSON ourselves instead of using pywa's update types: pywa 4.5 reads only
`entry[0].changes[0]` and `messages[0]`/`statuses[0]` of a body (Meta batches several), and
it skips typed updates whose contact has no `user_id` (BSUID), which many real bodies lack.
Reading every entry here lets each one be deduplicated and handled before we answer 200.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MESSAGES_FIELD = "messages"
# Why an update is ignored when it is broken (not merely of no interest to us).
UNREADABLE = "unreadable"


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _objs(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> int | None:
    """A number Meta may send as text or as a number (error codes, timestamps)."""
    # Not str.isdigit: it passes "²", which int() refuses.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None


@dataclass(frozen=True, slots=True)
class Resident:
    """Who wrote: phone number (wa_id) and business-scoped user ids, each when present."""

    wa_id: str | None
    bsuid: str | None
    parent_bsuid: str | None

    @property
    def key(self) -> str | None:
        """The id we pseudonymise and send to: the phone number first, then the BSUIDs."""
        return self.wa_id or self.bsuid or self.parent_bsuid

    @classmethod
    def from_update(cls, message: dict[str, Any], contacts: list[dict[str, Any]]) -> Resident:
        """The sender of `message`, completed from the matching entry of `contacts`."""
        wa_id = _text(message.get("from"))
        contact = next((c for c in contacts if wa_id and c.get("wa_id") == wa_id), None)
        if contact is None:
            contact = contacts[0] if len(contacts) == 1 else {}
        return cls(
            wa_id=wa_id or _text(contact.get("wa_id")),
            bsuid=_text(message.get("from_user_id")) or _text(contact.get("user_id")),
            parent_bsuid=_text(contact.get("parent_user_id")),
        )


@dataclass(frozen=True, slots=True)
class MessageUpdate:
    """Something a resident sent: text, a button press, media, a reaction, an edit, ..."""

    wamid: str
    resident: Resident
    type: str
    text: str | None = None
    reply_id: str | None = None
    voice: bool = False
    forwarded: bool = False
    sent_at: int | None = None
    # The media id of a voice note or sound file, to fetch through the Graph API.
    media_id: str | None = None

    @classmethod
    def from_update(cls, message: dict[str, Any], contacts: list[dict[str, Any]]) -> Update:
        """One entry of `value.messages`; system notices and broken entries are ignored."""
        wamid, kind = _text(message.get("id")), _text(message.get("type")) or "unknown"
        if kind == "system":
            return IgnoredUpdate("system")
        resident = Resident.from_update(message, contacts)
        if wamid is None or resident.key is None:
            return IgnoredUpdate(UNREADABLE)
        text, reply_id = _content(kind, message)
        if kind == "text" and text is None:
            return IgnoredUpdate(UNREADABLE)  # a body that is no text (a number, say)
        voice = kind == "audio" and _obj(message.get("audio")).get("voice") is True
        context = _obj(message.get("context"))
        forwarded = context.get("forwarded") is True or context.get("frequently_forwarded") is True
        sent_at = _number(message.get("timestamp"))  # seconds since the epoch, as text
        media_id = _text(_obj(message.get("audio")).get("id")) if kind == "audio" else None
        return cls(wamid, resident, kind, text, reply_id, voice, forwarded, sent_at, media_id)


def _content(kind: str, message: dict[str, Any]) -> tuple[str | None, str | None]:
    """The typed text and the id of the pressed button or list row, where there are any."""
    if kind == "text":
        return _text(_obj(message.get("text")).get("body")), None
    if kind == "button":
        button = _obj(message.get("button"))
        return _text(button.get("text")), _text(button.get("payload"))
    if kind == "interactive":
        interactive = _obj(message.get("interactive"))
        reply = _obj(interactive.get(str(interactive.get("type"))))
        if interactive.get("type") in ("button_reply", "list_reply"):
            return _text(reply.get("title")), _text(reply.get("id"))
    return None, None


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """What happened to a message we sent: sent, delivered, read, played or failed; `tracker`:
    what we sent the message with as `biz_opaque_callback_data`, echoed back."""

    wamid: str
    status: str
    error_codes: tuple[int, ...] = ()
    tracker: str | None = None

    @classmethod
    def from_update(cls, status: dict[str, Any], contacts: list[dict[str, Any]]) -> Update:
        """One entry of `value.statuses`."""
        wamid, name = _text(status.get("id")), _text(status.get("status"))
        if wamid is None or name is None:
            return IgnoredUpdate(UNREADABLE)
        codes = tuple(code for error in _objs(status.get("errors"))
                      if (code := _number(error.get("code"))) is not None)
        return cls(wamid, name, codes, _text(status.get("biz_opaque_callback_data")))


@dataclass(frozen=True, slots=True)
class IgnoredUpdate:
    """Something we answer 200 to and otherwise leave alone, with why."""

    reason: str

    @classmethod
    def from_update(cls, value: dict[str, Any], contacts: list[dict[str, Any]]) -> Update:
        """A change of a field we do not use (marketing preferences, account notices)."""
        return cls("field")


Update = MessageUpdate | StatusUpdate | IgnoredUpdate


@dataclass(frozen=True, slots=True)
class WebhookBody:
    """Every update in one POST, in order, across all entries and changes."""

    updates: tuple[Update, ...]

    @classmethod
    def from_update(cls, body: Any, phone_id: str | None = None) -> WebhookBody:
        """Parse a decoded body; changes for another business number are ignored."""
        updates: list[Update] = []
        for entry in _objs(_obj(body).get("entry")):
            for change in _objs(entry.get("changes")):
                updates.extend(_change_updates(change, phone_id))
        return cls(tuple(updates))


def _change_updates(change: dict[str, Any], phone_id: str | None) -> list[Update]:
    value = _obj(change.get("value"))
    contacts = _objs(value.get("contacts"))
    if change.get("field") != MESSAGES_FIELD:
        return [IgnoredUpdate.from_update(value, contacts)]
    number = _obj(value.get("metadata")).get("phone_number_id")
    if phone_id is not None and str(number) != phone_id:
        # One Meta app may serve several numbers; another number's residents are not ours.
        return [IgnoredUpdate("other_number")]
    return [
        *(MessageUpdate.from_update(m, contacts) for m in _objs(value.get("messages"))),
        *(StatusUpdate.from_update(s, contacts) for s in _objs(value.get("statuses"))),
    ]
