"""Bot API `Update` dicts, shaped exactly as Telegram sends them.

Every dict carries the documented required fields and only documented field
names, so `telegram.Update.de_json(update, bot)` accepts it and a webhook
endpoint sees what production sees. update_id counts up by default; pass
`update_id=` (or call `set_next_update_id`) for duplicates and ids that go
backwards.
"""

from __future__ import annotations

import copy
import hashlib
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal

from tests.fakes.telegram_wire import JsonDict

OriginKind = Literal["user", "hidden_user", "chat", "channel"]
DEFAULT_BOT_USER: JsonDict = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Vertelpunt",
    "username": "vertelpunt_bot",
}


class UpdateFactory:
    """Builds realistic Update dicts for one bot."""

    def __init__(
        self,
        *,
        first_update_id: int = 100_000_001,
        bot_user: Mapping[str, Any] | None = None,
        language_code: str | None = "nl",
        clock: Callable[[], float] = time.time,
    ) -> None:
        source = bot_user or DEFAULT_BOT_USER
        self.bot_user: JsonDict = {k: source[k] for k in DEFAULT_BOT_USER if k in source}
        self.language_code = language_code
        self._clock = clock
        self._next_update_id = first_update_id
        self._next_user_id = 700_000_001
        self._next_group_id = 4_000_000_001
        self._message_ids: dict[int, int] = {}
        self._file_counter = 0
        self._query_counter = 0
        self._default_user: JsonDict | None = None

    # -- ids and people ----------------------------------------------------

    def set_next_update_id(self, update_id: int) -> None:
        """Continue numbering from here, e.g. below ids already used."""
        self._next_update_id = update_id

    @property
    def last_update_id(self) -> int:
        return self._next_update_id - 1

    def user(
        self,
        first_name: str = "Anna",
        *,
        user_id: int | None = None,
        language_code: str | None = "",
        last_name: str | None = None,
        username: str | None = None,
    ) -> JsonDict:
        """A User; language_code "" means the factory default, None leaves it out."""
        if user_id is None:
            user_id, self._next_user_id = self._next_user_id, self._next_user_id + 1
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        optional = {
            "last_name": last_name,
            "username": username,
            "language_code": self.language_code if language_code == "" else language_code,
        }
        user.update({key: value for key, value in optional.items() if value is not None})
        return user

    @property
    def default_user(self) -> JsonDict:
        """The resident every update comes from unless `user=` is given."""
        if self._default_user is None:
            self._default_user = self.user()
        return copy.deepcopy(self._default_user)

    def private_chat(self, user: JsonDict | None = None) -> JsonDict:
        user = user or self.default_user
        chat: JsonDict = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        return chat

    def group_chat(self, title: str = "Buurtgroep", *, chat_id: int | None = None) -> JsonDict:
        if chat_id is None:
            chat_id, self._next_group_id = -self._next_group_id, self._next_group_id + 1
        return {"id": chat_id, "type": "group", "title": title}

    def supergroup_chat(self, title: str = "Wijkraad", *, chat_id: int | None = None) -> JsonDict:
        if chat_id is None:
            chat_id = -1_000_000_000_000 - self._next_group_id
            self._next_group_id += 1
        return {"id": chat_id, "type": "supergroup", "title": title}

    def channel_chat(self, title: str = "Wijknieuws", *, username: str | None = None) -> JsonDict:
        chat = self.supergroup_chat(title) | {"type": "channel"}
        if username:
            chat["username"] = username
        return chat

    # -- message updates -----------------------------------------------------

    def message(
        self,
        content: JsonDict,
        *,
        user: JsonDict | None = None,
        chat: JsonDict | None = None,
        update_id: int | None = None,
        kind: str = "message",
        message_id: int | None = None,
    ) -> JsonDict:
        """An update whose `kind` ("message", "channel_post", ...) holds a Message with content."""
        sender = user or self.default_user
        where = chat or self.private_chat(sender)
        message: JsonDict = {"message_id": message_id or self._next_message_id(where["id"])}
        if where["type"] == "channel":
            message["sender_chat"] = copy.deepcopy(where)
        else:
            message["from"] = copy.deepcopy(sender)
        message.update({"chat": copy.deepcopy(where), "date": self._now()})
        message.update(copy.deepcopy(content))
        return self._update({kind: message}, update_id)

    def text(self, text: str, **where: Any) -> JsonDict:
        """A private text message (pass user=, chat=, update_id= to vary)."""
        return self.message({"text": text}, **where)

    def command(
        self, command: str, payload: str | None = None, *, mention_bot: bool = False, **where: Any
    ) -> JsonDict:
        """A /command message, optionally with a payload, and its bot_command entity."""
        name = command.lstrip("/")
        head = f"/{name}@{self.bot_user['username']}" if mention_bot else f"/{name}"
        text = f"{head} {payload}" if payload else head
        entity = {"offset": 0, "length": _utf16_len(head), "type": "bot_command"}
        return self.message({"text": text, "entities": [entity]}, **where)

    def start(self, payload: str | None = None, **where: Any) -> JsonDict:
        """The /start message a resident sends by opening t.me/<bot>?start=PAYLOAD."""
        return self.command("start", payload, **where)

    def edited_text(
        self, message_id: int, text: str, *, sent_at: int | None = None, **where: Any
    ) -> JsonDict:
        """edited_message: the user's earlier message `message_id` now reads `text`."""
        now = self._now()
        sent = sent_at if sent_at is not None else now - 60
        content = {"date": sent, "edit_date": now, "text": text}
        return self.message(content, kind="edited_message", message_id=message_id, **where)

    def voice(self, duration: int = 4, **where: Any) -> JsonDict:
        voice = self._file("AwACAgQ", 12_000 * duration) | {
            "duration": duration,
            "mime_type": "audio/ogg",
        }
        return self.message({"voice": voice}, **where)

    def audio(self, duration: int = 95, title: str = "Opname", **where: Any) -> JsonDict:
        audio = self._file("CQACAgQ", 16_000 * duration) | {
            "duration": duration,
            "title": title,
            "performer": "Buurtbewoner",
            "file_name": "opname.mp3",
            "mime_type": "audio/mpeg",
        }
        return self.message({"audio": audio}, **where)

    def photo(self, caption: str | None = None, **where: Any) -> JsonDict:
        base = self._file("AgACAgQ", 0)
        sizes = [(90, 60, 1_300), (320, 213, 15_000), (1280, 853, 120_000)]
        photo = [
            {
                "file_id": f"{base['file_id']}{w}",
                "file_unique_id": f"{base['file_unique_id']}{w}",
                "width": w,
                "height": h,
                "file_size": size,
            }
            for w, h, size in sizes
        ]
        return self.message({"photo": photo, **_caption(caption)}, **where)

    def sticker(self, emoji: str = "👍", **where: Any) -> JsonDict:
        sticker = self._file("CAACAgI", 24_000) | {
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "Buurtstickers",
        }
        return self.message({"sticker": sticker}, **where)

    def location(
        self, latitude: float = 52.0907, longitude: float = 5.1214, **where: Any
    ) -> JsonDict:
        return self.message({"location": {"latitude": latitude, "longitude": longitude}}, **where)

    def contact(
        self,
        phone_number: str = "+31612345678",
        first_name: str = "Anna",
        *,
        own: bool = True,
        **where: Any,
    ) -> JsonDict:
        """A shared contact; own=True means the sender shared their own number."""
        contact: JsonDict = {"phone_number": phone_number, "first_name": first_name}
        sender = where.get("user") or self.default_user
        if own:
            contact["user_id"] = sender["id"]
        return self.message({"contact": contact}, **where)

    def document(
        self,
        file_name: str = "verhaal.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        **where: Any,
    ) -> JsonDict:
        document = self._file("BQACAgQ", 48_000) | {"file_name": file_name, "mime_type": mime_type}
        return self.message({"document": document, **_caption(caption)}, **where)

    def video(self, duration: int = 12, caption: str | None = None, **where: Any) -> JsonDict:
        video = self._file("BAACAgQ", 250_000 * duration) | {
            "width": 720,
            "height": 1280,
            "duration": duration,
            "mime_type": "video/mp4",
        }
        return self.message({"video": video, **_caption(caption)}, **where)

    def video_note(self, duration: int = 8, **where: Any) -> JsonDict:
        note = self._file("DQACAgQ", 90_000 * duration) | {"length": 384, "duration": duration}
        return self.message({"video_note": note}, **where)

    def group_text(self, text: str, *, supergroup: bool = False, **where: Any) -> JsonDict:
        """A text message in a (super)group; pass chat= to reuse a group."""
        if "chat" not in where:
            where["chat"] = self.supergroup_chat() if supergroup else self.group_chat()
        return self.message({"text": text}, **where)

    def channel_post(self, text: str, *, chat: JsonDict | None = None, **where: Any) -> JsonDict:
        """A post in a channel: sender_chat instead of from."""
        return self.message(
            {"text": text}, chat=chat or self.channel_chat(), kind="channel_post", **where
        )

    def forwarded_text(
        self,
        text: str,
        origin: OriginKind = "user",
        *,
        original_sender: JsonDict | None = None,
        **where: Any,
    ) -> JsonDict:
        """A message the user forwarded, with forward_origin of the given kind."""
        date = self._now() - 3600
        origin_fields: JsonDict
        if origin == "user":
            sender = original_sender or self.user("Bram", language_code=None)
            origin_fields = {"sender_user": sender}
        elif origin == "hidden_user":
            origin_fields = {"sender_user_name": "Bram de Vries"}
        elif origin == "chat":
            origin_fields = {"sender_chat": self.supergroup_chat("Buurtapp")}
        else:
            origin_fields = {"chat": self.channel_chat(username="wijknieuws"), "message_id": 77}
        forward = {"type": origin, "date": date, **origin_fields}
        return self.message({"forward_origin": forward, "text": text}, **where)

    # -- other updates ---------------------------------------------------------

    def callback_query(
        self,
        data: str,
        *,
        message: JsonDict | None = None,
        user: JsonDict | None = None,
        update_id: int | None = None,
        chat_instance: str | None = None,
    ) -> JsonDict:
        """A button press on `message` (a bot message, e.g. from FakeBotApi.sent_messages)."""
        sender = user or self.default_user
        pressed = copy.deepcopy(message) if message else self._bot_message_with_button(sender, data)
        self._query_counter += 1
        query = {
            "id": str(4_382_000_000_000_000_000 + self._query_counter),
            "from": copy.deepcopy(sender),
            "message": pressed,
            "chat_instance": chat_instance or _chat_instance(pressed["chat"]["id"]),
            "data": data,
        }
        return self._update({"callback_query": query}, update_id)

    def bot_blocked(
        self, *, user: JsonDict | None = None, update_id: int | None = None
    ) -> JsonDict:
        """my_chat_member: the user blocked the bot (bot went member -> kicked)."""
        return self._bot_membership("member", "kicked", user, update_id)

    def bot_unblocked(
        self, *, user: JsonDict | None = None, update_id: int | None = None
    ) -> JsonDict:
        """my_chat_member: the user restarted the bot (kicked -> member)."""
        return self._bot_membership("kicked", "member", user, update_id)

    # -- internals -------------------------------------------------------------

    def _bot_membership(
        self, old: str, new: str, user: JsonDict | None, update_id: int | None
    ) -> JsonDict:
        sender = user or self.default_user
        member = {
            "chat": self.private_chat(sender),
            "from": copy.deepcopy(sender),
            "date": self._now(),
            "old_chat_member": _chat_member(old, self.bot_user),
            "new_chat_member": _chat_member(new, self.bot_user),
        }
        return self._update({"my_chat_member": member}, update_id)

    def _bot_message_with_button(self, user: JsonDict, data: str) -> JsonDict:
        chat = self.private_chat(user)
        return {
            "message_id": self._next_message_id(chat["id"]),
            "from": copy.deepcopy(self.bot_user),
            "chat": chat,
            "date": self._now() - 30,
            "text": "Kies een antwoord",
            "reply_markup": {"inline_keyboard": [[{"text": "Kies", "callback_data": data}]]},
        }

    def _update(self, body: JsonDict, update_id: int | None) -> JsonDict:
        if update_id is None:
            update_id, self._next_update_id = self._next_update_id, self._next_update_id + 1
        return {"update_id": update_id, **body}

    def _next_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _file(self, prefix: str, size: int) -> JsonDict:
        self._file_counter += 1
        digest = hashlib.sha1(f"{prefix}{self._file_counter}".encode()).hexdigest()
        file: JsonDict = {
            "file_id": f"{prefix}AAxkBAAI{digest[:24]}",
            "file_unique_id": f"AgAD{digest[24:36]}",
        }
        if size:
            file["file_size"] = size
        return file

    def _now(self) -> int:
        return int(self._clock())


def _caption(caption: str | None) -> JsonDict:
    return {"caption": caption} if caption else {}


def _chat_member(status: str, user: JsonDict) -> JsonDict:
    member: JsonDict = {"status": status, "user": copy.deepcopy(user)}
    if status == "kicked":
        member["until_date"] = 0  # 0: banned forever, as when a user blocks the bot
    return member


def _chat_instance(chat_id: int) -> str:
    digest = hashlib.sha1(str(chat_id).encode()).hexdigest()
    return str(-(int(digest[:15], 16)))


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
