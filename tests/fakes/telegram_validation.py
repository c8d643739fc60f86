"""Checks Telegram makes before it accepts text, keyboards and commands.

Descriptions are the ones the real Bot API answers with. Entity parsing is an
approximation: it strips formatting the way Telegram does for length checks
and refuses the mistakes bots make most (unescaped MarkdownV2 characters,
unsupported HTML tags); it does not build `entities`.
"""

from __future__ import annotations

import html
import re
from typing import Any

from tests.fakes.telegram_wire import ApiError, JsonDict, bad_request

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_COMMANDS = 100

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "blockquote",
        "code",
        "del",
        "em",
        "i",
        "ins",
        "pre",
        "s",
        "span",
        "strike",
        "strong",
        "tg-emoji",
        "tg-spoiler",
        "u",
    }
)
_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_MARKDOWN_V2_RESERVED = "_*[]()~`>#+-=|{}.!"
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


def text_after_entities(text: str, parse_mode: str | None) -> str:
    """The text as Telegram stores it once formatting has been parsed."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _strip_html(text)
    if mode == "markdownv2":
        return _strip_markdown_v2(text)
    if mode == "markdown":
        return re.sub(r"[*_`]", "", re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text))
    return text


def check_text(text: Any, parse_mode: str | None) -> str:
    """Validate a sendMessage/editMessageText text; return it after parsing."""
    if not isinstance(text, str) or not text.strip():
        raise bad_request("message text is empty")
    plain = text_after_entities(text, parse_mode)
    if not plain.strip():
        raise bad_request("message text is empty")
    if len(plain) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return plain


def check_caption(caption: Any, parse_mode: str | None) -> str | None:
    """Validate an optional media caption; return it after parsing."""
    if caption is None or caption == "":
        return None
    plain = text_after_entities(str(caption), parse_mode)
    if len(plain) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    return plain


def check_reply_markup(markup: Any) -> JsonDict | None:
    """Validate reply_markup; return the inline keyboard a Message would carry."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return None  # reply keyboards and ForceReply never appear on the Message
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            _check_button(button)
    return {"inline_keyboard": rows} if any(rows) else None


def check_commands(commands: Any) -> list[JsonDict]:
    """Validate setMyCommands' list of BotCommand objects."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("too many commands specified")
    checked: list[JsonDict] = []
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand")
        name = command.get("command")
        description = command.get("description")
        if not isinstance(name, str) or not _COMMAND_RE.match(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("command description is empty")
        checked.append({"command": name, "description": description})
    return checked


def _check_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton should be an Object"
        )
    if not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = _BUTTON_ACTIONS.intersection(button)
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if "callback_data" in actions:
        if not isinstance(data, str):
            raise bad_request(
                'can\'t parse inline keyboard button: Field "callback_data" must be of type String'
            )
        if not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")


def _strip_html(text: str) -> str:
    for match in re.finditer(r"<\s*/?\s*([a-zA-Z][\w-]*)[^>]*>", text):
        tag = match.group(1).lower()
        if tag not in _HTML_TAGS:
            offset = len(text[: match.start()].encode("utf-8"))
            raise _entity_error(f'Unsupported start tag "{tag}" at byte offset {offset}')
    return html.unescape(re.sub(r"<[^>]*>", "", text))


def _strip_markdown_v2(text: str) -> str:
    without_links = re.sub(r"(?<!\\)\[((?:[^\]\\]|\\.)*)\]\((?:[^)\\]|\\.)*\)", r"\1", text)
    without_markers = re.sub(r"(?<!\\)(\|\||__|[*_~`])", "", without_links)
    without_quotes = re.sub(r"(?m)^>", "", without_markers)
    for match in re.finditer(r"\\.|.", without_quotes, flags=re.DOTALL):
        char = match.group()
        if len(char) == 1 and char in _MARKDOWN_V2_RESERVED:
            raise _entity_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
    return re.sub(r"\\(.)", r"\1", without_quotes, flags=re.DOTALL)


def _entity_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")
