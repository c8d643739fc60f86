"""Telegram updates as what they ask of us: a turn, a button to acknowledge, a group to refuse."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from telegram import CallbackQuery, Message, MessageEntity, Update, User
from telegram.constants import ChatMemberStatus, ChatType

from bot.channels.messages import InboundMessage, VoiceNote
from bot.channels.telegram.render import choice_of
from flows.events import CommandIn, Inbound, MediaIn, MediaKind, TextIn

CHANNEL: Final = "telegram"
# The update types we act on: what `set-webhook` and polling ask Telegram for.
ALLOWED_UPDATES: Final = (
    "message",
    "edited_message",
    "callback_query",
    "channel_post",
    "my_chat_member",
)
# Message attributes the bot cannot read yet, in the order Telegram documents them.
MEDIA_KINDS: Final[tuple[tuple[str, MediaKind], ...]] = (
    ("voice", "voice"),
    ("audio", "audio"),
    ("photo", "photo"),
    ("video", "video"),
    ("video_note", "video"),
    ("animation", "video"),
    ("document", "document"),
    ("sticker", "sticker"),
    ("venue", "location"),
    ("location", "location"),
    ("contact", "contact"),
)


@dataclass(frozen=True, slots=True)
class Turn:
    """A resident's message or button press for the conversation service."""

    inbound: InboundMessage
    callback_query_id: str | None = None


@dataclass(frozen=True, slots=True)
class Acknowledge:
    """A button press there is nothing to do with but stop its spinner."""

    callback_query_id: str


@dataclass(frozen=True, slots=True)
class NotPrivate:
    """A message in a group, supergroup or channel: say we only talk in private, store nothing."""

    chat_id: int
    language: str | None


@dataclass(frozen=True, slots=True)
class Blocked:
    """The resident blocked the bot: no check-in will reach them on Telegram."""

    user_id: str


@dataclass(frozen=True, slots=True)
class Ignored:
    """An update we do not act on."""


Received = Turn | Acknowledge | NotPrivate | Blocked | Ignored


def read_update(update: Update) -> Received:
    """What one update asks of us; the one place that knows Telegram's update shapes."""
    if update.callback_query is not None:
        return _button(update.update_id, update.callback_query)
    if update.my_chat_member is not None:
        member = update.my_chat_member
        if member.chat.type != ChatType.PRIVATE:
            return Ignored()
        if member.new_chat_member.status != ChatMemberStatus.BANNED:
            return Ignored()  # started again: the address was forgotten at the block
        return Blocked(str(member.from_user.id))
    if update.channel_post is not None:
        return NotPrivate(update.channel_post.chat.id, None)
    if update.message is not None:
        return _message(update.update_id, update.message, edited=False)
    if update.edited_message is not None:
        return _message(update.update_id, update.edited_message, edited=True)
    return Ignored()


def _inbound(
    update_id: int, user: User, chat_id: int, event: Inbound, forwarded: bool = False,
    voice: VoiceNote | None = None,
) -> InboundMessage:
    return InboundMessage(
        channel=CHANNEL,
        user_id=str(user.id),
        address=str(chat_id),
        event=event,
        update_id=str(update_id),
        language_hint=user.language_code,
        forwarded=forwarded,
        voice=voice,
    )


def _button(update_id: int, query: CallbackQuery) -> Received:
    message = query.message
    if message is None or message.chat.type != ChatType.PRIVATE or query.data is None:
        return Acknowledge(query.id)
    inbound = _inbound(update_id, query.from_user, message.chat.id, choice_of(query.data))
    return Turn(inbound, query.id)


def _message(update_id: int, message: Message, edited: bool) -> Received:
    user = message.from_user
    if message.chat.type != ChatType.PRIVATE:
        # An edit in a group is not worth a second reply there.
        return Ignored() if edited else NotPrivate(message.chat.id, _language(user))
    if user is None or user.is_bot:
        return Ignored()
    # An edit cannot change what was already stored; the engine says so.
    event = MediaIn("edited") if edited else event_of(message)
    # Someone else wrote a forwarded message: it must not act with this user's role.
    forwarded = message.forward_origin is not None
    voice = None if edited else voice_note_of(message)
    return Turn(_inbound(update_id, user, message.chat.id, event, forwarded, voice))


def voice_note_of(message: Message) -> VoiceNote | None:
    """A voice note or sound file to transcribe: its file id, length and size."""
    sound = message.voice or message.audio
    if sound is None:
        return None
    duration = sound.duration
    seconds = int(duration.total_seconds()) if isinstance(duration, timedelta) else duration
    return VoiceNote(sound.file_id, seconds, sound.file_size)


def _language(user: User | None) -> str | None:
    return user.language_code if user is not None else None


def event_of(message: Message) -> Inbound:
    """A private message as an engine event: a command, text (forwarded too) or media."""
    text = message.text
    if text is not None:
        command = _command(message, text)
        if command is not None:
            return command
        return TextIn(text, int(message.date.timestamp()), message.message_id)
    for attribute, kind in MEDIA_KINDS:
        if getattr(message, attribute, None):
            return MediaIn(kind)
    return MediaIn("other")


def _command(message: Message, text: str) -> CommandIn | None:
    """`/start PAYLOAD` (a deep link) or `/name@bot args` as a command with its payload."""
    first = message.entities[0] if message.entities else None
    if first is None or first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    head, _, payload = text.partition(" ")
    name = head[1:].split("@", 1)[0]
    return CommandIn(name=name, payload=payload.strip())
