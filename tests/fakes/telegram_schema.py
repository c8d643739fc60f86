"""Required fields of the Bot API objects the fakes produce, per the documentation.

Independent of python-telegram-bot, so a test can check a hand-built or
recorded Update dict before any library parses it.
"""

from __future__ import annotations

# Keyed by the field name that holds the object in its parent.
_DOCUMENTED_REQUIRED: dict[str, set[str]] = {
    "update": {"update_id"},
    "message": {"message_id", "date", "chat"},
    "edited_message": {"message_id", "date", "chat", "edit_date"},
    "channel_post": {"message_id", "date", "chat"},
    "from": {"id", "is_bot", "first_name"},
    "sender_user": {"id", "is_bot", "first_name"},
    "user": {"id", "is_bot", "first_name"},
    "chat": {"id", "type"},
    "sender_chat": {"id", "type"},
    "callback_query": {"id", "from", "chat_instance"},
    "entities": {"type", "offset", "length"},
    "voice": {"file_id", "file_unique_id", "duration"},
    "audio": {"file_id", "file_unique_id", "duration"},
    "document": {"file_id", "file_unique_id"},
    "photo": {"file_id", "file_unique_id", "width", "height"},
    "sticker": {"file_id", "file_unique_id", "type", "width", "height", "is_animated", "is_video"},
    "video": {"file_id", "file_unique_id", "width", "height", "duration"},
    "video_note": {"file_id", "file_unique_id", "length", "duration"},
    "location": {"latitude", "longitude"},
    "contact": {"phone_number", "first_name"},
    "forward_origin": {"type", "date"},
    "my_chat_member": {"chat", "from", "date", "old_chat_member", "new_chat_member"},
    "old_chat_member": {"status", "user"},
    "new_chat_member": {"status", "user"},
}


def missing_documented_fields(value: object, key: str = "update") -> list[str]:
    """Paths of required fields absent anywhere in an Update dict, e.g. ["voice.duration"]."""
    if isinstance(value, list):
        return [m for item in value for m in missing_documented_fields(item, key)]
    if not isinstance(value, dict):
        return []
    absent = sorted(_DOCUMENTED_REQUIRED.get(key, set()) - value.keys())
    missing = [f"{key}.{name}" for name in absent]
    return missing + [m for k, v in value.items() for m in missing_documented_fields(v, k)]
