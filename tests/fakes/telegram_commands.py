"""The bot's command menus: setMyCommands, getMyCommands, deleteMyCommands.

Telegram keeps one list per (scope, language_code); getMyCommands returns the
list stored for exactly that pair, or an empty list.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.fakes.telegram_validation import check_commands
from tests.fakes.telegram_wire import JsonDict, UploadedFile, bad_request

_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


def scope_key(scope: Any) -> str:
    """A stable key for a BotCommandScope object (None means the default scope)."""
    if scope is None:
        scope = {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
        raise bad_request("can't parse BotCommandScope")
    return json.dumps(scope, sort_keys=True)


class CommandMenus:
    """Command lists by scope and language."""

    def __init__(self) -> None:
        self._lists: dict[tuple[str, str], list[JsonDict]] = {}

    def for_language(
        self, language_code: str = "", scope: JsonDict | None = None
    ) -> list[JsonDict]:
        """The commands a user with this language sees in this scope (exact match)."""
        return copy.deepcopy(self._lists.get((scope_key(scope), language_code), []))

    def by_language(self) -> dict[str, list[JsonDict]]:
        """Default-scope command lists keyed by language_code ("" for all others)."""
        default = scope_key(None)
        return {
            language: copy.deepcopy(commands)
            for (scope, language), commands in self._lists.items()
            if scope == default
        }

    def set_my_commands(self, params: JsonDict, _files: dict[str, UploadedFile]) -> bool:
        commands = check_commands(params.get("commands"))
        key = (scope_key(params.get("scope")), _language(params))
        if commands:
            self._lists[key] = commands
        else:
            self._lists.pop(key, None)
        return True

    def get_my_commands(self, params: JsonDict, _files: dict[str, UploadedFile]) -> list[JsonDict]:
        key = (scope_key(params.get("scope")), _language(params))
        return copy.deepcopy(self._lists.get(key, []))

    def delete_my_commands(self, params: JsonDict, _files: dict[str, UploadedFile]) -> bool:
        self._lists.pop((scope_key(params.get("scope")), _language(params)), None)
        return True


def _language(params: JsonDict) -> str:
    language = params.get("language_code") or ""
    if not isinstance(language, str) or len(language) not in (0, 2):
        raise bad_request("invalid language code specified")
    return language.lower()
