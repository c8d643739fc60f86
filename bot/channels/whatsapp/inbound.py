"""A resident's WhatsApp message as an engine event, with where to reply."""

from __future__ import annotations

import hashlib

from bot.channels.messages import InboundMessage, VoiceNote
from bot.channels.whatsapp.invites import find_invite
from bot.channels.whatsapp.updates import MessageUpdate
from flows.events import ChoiceIn, CommandIn, Inbound, MediaIn, MediaKind, OpenedIn, TextIn

CHANNEL = "whatsapp"
MEDIA: dict[str, MediaKind] = {
    "image": "photo",
    "video": "video",
    "document": "document",
    "sticker": "sticker",
    "location": "location",
    "contacts": "contact",
    "audio": "audio",
}
# A reaction (or taking one back) is not an answer, and a deleted message cannot be un-told:
# a reply about "photos and files" to either would only confuse, so they get none.
SILENT = frozenset({"reaction", "revoke"})


def button_id(token: str | None, choice_id: str) -> str:
    """The id of a reply button or list row: `<token>:<choice id>`, so stale presses are known."""
    return f"{token}:{choice_id}" if token else choice_id


def parse_button_id(data: str) -> ChoiceIn:
    """A pressed button or list row as a choice; ids without a token still count."""
    token, sep, choice_id = data.partition(":")
    if sep and token.isdigit() and choice_id:
        return ChoiceIn(choice_id=choice_id, token=token)
    return ChoiceIn(choice_id=data)


def _typed(text: str | None, sent_at: int | None = None) -> tuple[Inbound, str | None]:
    if text is None:
        return TextIn(""), None
    invite = find_invite(text)
    if invite is not None:
        return CommandIn("start", invite.token), invite.language
    stripped = text.strip()
    if stripped.startswith("/") and len(stripped) > 1:
        name, _, payload = stripped[1:].partition(" ")
        return CommandIn(name=name, payload=payload.strip()), None
    # WhatsApp numbers no messages: parts sent in the same second keep their arrival order.
    return TextIn(text, sent_at), None


def engine_event(update: MessageUpdate) -> tuple[Inbound, str | None] | None:
    """The event for the engine and a language hint, or None when nothing should happen."""
    kind = update.type
    if kind in SILENT:
        return None
    if kind == "text":
        return _typed(update.text, update.sent_at)
    if kind == "interactive" and update.reply_id:
        return parse_button_id(update.reply_id), None
    if kind in ("button", "request_welcome"):
        # A template's quick reply (check-in or "continue") opens the window again: the
        # engine greets the resident back and shows the question that was waiting.
        return OpenedIn(), None
    if kind == "audio" and update.media_id:
        return MediaIn("voice"), None  # transcribed before its turn (see bot/voice)
    if kind == "edit":
        # The engine says an edit is not read and asks to send it again as a new message.
        return MediaIn("edited"), None
    # Orders, unsupported types and interactive replies we cannot read: "please type".
    return MediaIn(MEDIA.get(kind, "other")), None


def inbound_message(update: MessageUpdate) -> InboundMessage | None:
    """The service's view of a message: the resident's id is pseudonymised there."""
    found = engine_event(update)
    key = update.resident.key
    if found is None or key is None:
        return None
    event, language = found
    return InboundMessage(
        channel=CHANNEL,
        user_id=key,
        address=key,
        event=event,
        update_id=update_key("message", update.wamid),
        language_hint=language,
        # Someone else wrote a forwarded message: it must not act with this user's role.
        forwarded=update.forwarded,
        voice=VoiceNote(update.media_id) if event == MediaIn("voice") and update.media_id
        else None,
    )


def update_key(prefix: str, *parts: str) -> str:
    """A processed-update id that fits the 128-character column, even for long wamids."""
    key = ":".join((prefix, *parts))
    if len(key) <= 128:
        return key
    return f"{prefix}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
