"""Chats, the bot's messages and files: the send, edit and callback methods.

Every sent message is a documented `Message` object: message_id counting up
per chat, date, chat, from (the bot), text or media, and the inline keyboard
echoed as reply_markup. Edits change the stored message, so a test reads the
chat as the user would now see it.
"""

from __future__ import annotations

import copy
import hashlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.fakes.telegram_validation import (
    CHAT_ACTIONS,
    check_caption,
    check_reply_markup,
    check_text,
)
from tests.fakes.telegram_wire import JsonDict, UploadedFile, bad_request

ChatId = int | str
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    """A file the fake can hand out through getFile and the file URL."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes = field(repr=False)


class MessageStore:
    """What the bot has sent, per chat, and the files it can download."""

    def __init__(self, bot_user: JsonDict, clock: Callable[[], float]) -> None:
        self._bot_user = bot_user
        self._clock = clock
        self._chats: dict[ChatId, JsonDict] = {}
        self._messages: dict[tuple[ChatId, int], JsonDict] = {}
        self._last_message_id: dict[ChatId, int] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_counter = 0
        self._answered_queries: set[str] = set()
        self.callback_answers: list[JsonDict] = []

    # -- what tests read -------------------------------------------------

    def sent_messages(self, chat_id: ChatId) -> list[JsonDict]:
        """The bot's messages in a chat, oldest first, as they look now."""
        resolved = self._resolve_chat_id(chat_id)
        found = [m for (chat, _), m in self._messages.items() if chat == resolved]
        return copy.deepcopy(sorted(found, key=lambda m: m["message_id"]))

    def file_by_path(self, file_path: str) -> StoredFile | None:
        return next((f for f in self._files.values() if f.file_path == file_path), None)

    # -- what tests or updates teach the fake ----------------------------

    def remember_chat(self, chat: JsonDict) -> None:
        """Use this Chat object (from an update) in messages sent to it."""
        self._chats[chat["id"]] = copy.deepcopy(chat)

    def observe_message(self, message: JsonDict) -> None:
        """Learn the chat and keep message ids above those users already sent."""
        chat = message.get("chat")
        if not isinstance(chat, dict):
            return
        self.remember_chat(chat)
        last = self._last_message_id.get(chat["id"], 0)
        self._last_message_id[chat["id"]] = max(last, int(message.get("message_id", 0)))

    def add_file(
        self, content: bytes, file_id: str | None = None, file_path: str | None = None
    ) -> StoredFile:
        """Make `content` downloadable via getFile(file_id)."""
        self._file_counter += 1
        number = self._file_counter
        file_id = file_id or f"BQACAgQAAxkBAAI{number:06d}fake"
        unique = "AgAD" + hashlib.sha1(file_id.encode()).hexdigest()[:12]
        stored = StoredFile(file_id, unique, file_path or f"documents/file_{number}", content)
        self._files[file_id] = stored
        return stored

    # -- Bot API methods ---------------------------------------------------

    def send_message(self, params: JsonDict, _files: dict[str, UploadedFile]) -> JsonDict:
        text = check_text(params.get("text"), params.get("parse_mode"))
        content: JsonDict = {"text": text}
        if isinstance(params.get("entities"), list):
            content["entities"] = params["entities"]
        return self._store_new(params, content)

    def send_photo(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        stored = self._incoming_file(params, files, "photo", "photos/file_{n}.jpg")
        sizes = [(90, 67), (320, 240), (800, 600)]
        photo = [
            {
                "file_id": f"{stored.file_id}_{width}" if width != 800 else stored.file_id,
                "file_unique_id": f"{stored.file_unique_id}{width}",
                "width": width,
                "height": height,
                "file_size": max(1, len(stored.content) * width // 800),
            }
            for width, height in sizes
        ]
        return self._store_new(params, {"photo": photo, **self._caption(params)})

    def send_document(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        stored = self._incoming_file(params, files, "document", "documents/file_{n}")
        upload = files.get("document")
        document: JsonDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": upload.filename if upload else stored.file_path.rsplit("/", 1)[-1],
            "mime_type": upload.content_type if upload else "application/octet-stream",
            "file_size": len(stored.content),
        }
        return self._store_new(params, {"document": document, **self._caption(params)})

    def send_voice(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        stored = self._incoming_file(params, files, "voice", "voice/file_{n}.oga")
        # Telegram keeps a voice note as OGG/Opus whatever the upload called itself.
        voice: JsonDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": int(params.get("duration") or 1),
            "mime_type": "audio/ogg",
            "file_size": len(stored.content),
        }
        return self._store_new(params, {"voice": voice, **self._caption(params)})

    def file_content(self, file_id: str) -> bytes | None:
        """The bytes behind a file id (what a bot uploaded, or a resident's voice note)."""
        stored = self._files.get(file_id)
        return stored.content if stored is not None else None

    def send_chat_action(self, params: JsonDict, _files: dict[str, UploadedFile]) -> bool:
        self._require_chat_id(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def edit_message_text(self, params: JsonDict, _files: dict[str, UploadedFile]) -> JsonDict:
        message = self._message_to_edit(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text = check_text(params.get("text"), params.get("parse_mode"))
        # Telegram drops the inline keyboard unless the edit repeats it.
        markup = check_reply_markup(params.get("reply_markup"))
        if text == message["text"] and markup == message.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
        message["text"] = text
        self._apply_edit(message, markup)
        return copy.deepcopy(message)

    def edit_message_reply_markup(
        self, params: JsonDict, _files: dict[str, UploadedFile]
    ) -> JsonDict:
        message = self._message_to_edit(params)
        markup = check_reply_markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise bad_request(NOT_MODIFIED)
        self._apply_edit(message, markup)
        return copy.deepcopy(message)

    def answer_callback_query(self, params: JsonDict, _files: dict[str, UploadedFile]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if not query_id or query_id in self._answered_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._answered_queries.add(query_id)
        self.callback_answers.append(dict(params))
        return True

    def get_file(self, params: JsonDict, _files: dict[str, UploadedFile]) -> JsonDict:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > _MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    # -- internals ---------------------------------------------------------

    def _store_new(self, params: JsonDict, content: JsonDict) -> JsonDict:
        chat = self._chat(self._require_chat_id(params))
        markup = check_reply_markup(params.get("reply_markup"))
        message_id = self._last_message_id.get(chat["id"], 0) + 1
        message: JsonDict = {"message_id": message_id}
        if chat["type"] == "channel":
            message["sender_chat"] = copy.deepcopy(chat)
        else:
            message["from"] = self._bot_sender()
        message.update({"chat": copy.deepcopy(chat), "date": int(self._clock())})
        replied = self._replied_message(chat["id"], params)
        if replied is not None:
            message["reply_to_message"] = replied
        message.update(content)
        if markup is not None:
            message["reply_markup"] = markup
        self._last_message_id[chat["id"]] = message_id
        self._messages[(chat["id"], message_id)] = message
        return copy.deepcopy(message)

    def _replied_message(self, chat_id: ChatId, params: JsonDict) -> JsonDict | None:
        reply = params.get("reply_parameters")
        target = reply.get("message_id") if isinstance(reply, dict) else None
        target = target or params.get("reply_to_message_id")
        if not target:
            return None
        found = self._messages.get((chat_id, int(target)))
        allow_missing = isinstance(reply, dict) and reply.get("allow_sending_without_reply")
        if found is None and not allow_missing:
            raise bad_request("message to be replied not found")
        if found is None:
            return None
        return {k: copy.deepcopy(v) for k, v in found.items() if k != "reply_to_message"}

    def _message_to_edit(self, params: JsonDict) -> JsonDict:
        if "inline_message_id" in params:
            raise bad_request("message to edit not found")  # inline mode is not faked
        chat_id = self._require_chat_id(params)
        message = self._messages.get((chat_id, int(params.get("message_id") or 0)))
        if message is None:
            raise bad_request("message to edit not found")
        return message

    def _apply_edit(self, message: JsonDict, markup: JsonDict | None) -> None:
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup
        message["edit_date"] = int(self._clock())

    def _caption(self, params: JsonDict) -> JsonDict:
        caption = check_caption(params.get("caption"), params.get("parse_mode"))
        return {"caption": caption} if caption is not None else {}

    def _incoming_file(
        self, params: JsonDict, files: dict[str, UploadedFile], name: str, path: str
    ) -> StoredFile:
        self._require_chat_id(params)
        upload = files.get(name)
        if upload is not None:
            return self.add_file(upload.data, file_path=path.format(n=self._file_counter + 1))
        reference = params.get(name)
        if not isinstance(reference, str) or not reference:
            raise bad_request(f"there is no {name} in the request")
        known = self._files.get(reference)
        # A file_id from a user's message or an HTTP URL: Telegram fetches it itself.
        return known or self.add_file(b"", file_id=None if "://" in reference else reference)

    def _require_chat_id(self, params: JsonDict) -> ChatId:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        return self._resolve_chat_id(chat_id)

    def _resolve_chat_id(self, chat_id: ChatId) -> ChatId:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            for chat in self._chats.values():
                if str(chat.get("username", "")).lower() == name:
                    return int(chat["id"])
            channel_id = -1_000_000_000_000 - zlib.crc32(name.encode()) % 1_000_000_000
            self._chats[channel_id] = {
                "id": channel_id,
                "type": "channel",
                "title": chat_id[1:],
                "username": chat_id[1:],
            }
            return channel_id
        try:
            return int(chat_id)
        except ValueError:
            raise bad_request("chat not found") from None

    def _chat(self, chat_id: ChatId) -> JsonDict:
        if chat_id not in self._chats:
            self._chats[chat_id] = _synthesized_chat(int(chat_id))
        return self._chats[chat_id]

    def _bot_sender(self) -> JsonDict:
        keys = ("id", "is_bot", "first_name", "username")
        return {key: self._bot_user[key] for key in keys if key in self._bot_user}


def _synthesized_chat(chat_id: int) -> JsonDict:
    """A plausible Chat for an id the fake has not seen in any update."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
    if str(chat_id).startswith("-100"):
        return {"id": chat_id, "type": "supergroup", "title": f"Supergroup {chat_id}"}
    return {"id": chat_id, "type": "group", "title": f"Group {chat_id}"}
