"""A fake Telegram Bot API server on 127.0.0.1 for tests.

The bot under test talks to it through python-telegram-bot's real request
layer: `Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)`.
The server runs in a background thread (stdlib ThreadingHTTPServer, one
thread per connection, so long polls and sends run side by side); the test
pushes updates, injects failures and reads back what the bot sent.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from tests.fakes.telegram_commands import CommandMenus
from tests.fakes.telegram_faults import FaultPlan, RateLimit
from tests.fakes.telegram_http import BotApiHttpServer
from tests.fakes.telegram_messages import ChatId, MessageStore, StoredFile
from tests.fakes.telegram_polling import Described, UpdateQueue, WebhookConfig
from tests.fakes.telegram_wire import (
    ApiError,
    JsonDict,
    UploadedFile,
    ok_envelope,
    parse_request,
)

DEFAULT_TOKEN = "123456789:AAF4keT0kenF0rVertelpuntTests-0123456"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_METHOD_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)/?$")
_FILE_PATH = re.compile(r"^/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
_MESSAGE_KEYS = ("message", "edited_message", "channel_post", "edited_channel_post")
Handler = Callable[[JsonDict, dict[str, UploadedFile]], Any]


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made, with what the fake answered."""

    method: str
    params: JsonDict
    files: dict[str, UploadedFile] = field(repr=False)
    at: float
    status: int
    response: JsonDict = field(repr=False)
    content_type: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class WebhookDelivery:
    """The POST Telegram would make to the bot's webhook for one update."""

    url: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> JsonDict:
        decoded: JsonDict = json.loads(self.body)
        return decoded


class FakeBotApi:
    """A Bot API server with memory, fault injection and recording."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "vertelpunt_bot",
        bot_first_name: str = "Vertelpunt",
        rate_limit_per_second: int | None = None,
        per_chat_rate_limit: RateLimit | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self._clock = clock
        bot_id = token.split(":", 1)[0]
        self.bot_user: JsonDict = {
            "id": int(bot_id) if bot_id.isdigit() else 123456789,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._condition = threading.Condition(threading.RLock())
        self._calls: list[ApiCall] = []
        self._faults = FaultPlan(rate_limit_per_second, per_chat_rate_limit)
        self._queue = UpdateQueue(self._condition)
        self._store = MessageStore(self.bot_user, clock)
        self._menus = CommandMenus()
        self._methods = self._method_table()
        self._server: BotApiHttpServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> FakeBotApi:
        """Listen on a free port of 127.0.0.1 in a background thread."""
        if self._server is not None:
            return self
        self._queue.stopping = False
        self._server = BotApiHttpServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.05,),
            name="fake-telegram-bot-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """End long polls, close connections and stop listening."""
        server, self._server = self._server, None
        if server is None:
            return
        with self._condition:
            self._queue.stopping = True
            self._condition.notify_all()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeBotApi is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """For `Bot(base_url=...)`: PTB appends the token itself."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- feeding the bot -----------------------------------------------------

    def push_update(self, update: JsonDict) -> None:
        """Queue an Update dict for getUpdates and learn the chats in it."""
        self.push_updates([update])

    def push_updates(self, updates: Iterable[JsonDict]) -> None:
        """Queue several updates at once, so one long poll returns them together."""
        batch = [copy.deepcopy(update) for update in updates]
        if not all(isinstance(update.get("update_id"), int) for update in batch):
            raise ValueError("an Update needs an integer update_id")
        with self._condition:
            for update in batch:
                self._observe(update)
                self._queue.push(update)
            self._condition.notify_all()

    def webhook_delivery(self, update: JsonDict, url: str | None = None) -> WebhookDelivery:
        """The request Telegram would POST to the webhook set with setWebhook."""
        with self._condition:
            config = self._queue.webhook
            self._observe(copy.deepcopy(update))
        target = url or config.url
        if not target:
            raise RuntimeError("no webhook is set; pass url= or call setWebhook first")
        headers = {"Content-Type": "application/json"}
        if config.secret_token:
            headers[SECRET_HEADER] = config.secret_token
        return WebhookDelivery(target, headers, json.dumps(update).encode())

    def add_file(
        self, content: bytes, file_id: str | None = None, file_path: str | None = None
    ) -> StoredFile:
        """Make `content` downloadable by getFile(file_id), e.g. a voice note."""
        with self._condition:
            return self._store.add_file(content, file_id, file_path)

    def file_content(self, file_id: str) -> bytes | None:
        """The bytes of a file the bot sent (a voice note, a document) or a resident's."""
        with self._condition:
            return self._store.file_content(file_id)

    # -- faults ----------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
        *,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with this error envelope."""
        error = ApiError(
            error_code, description, retry_after=retry_after, migrate_to_chat_id=migrate_to_chat_id
        )
        with self._condition:
            self._faults.fail_next(method, error, times)

    def block_chat(self, chat_id: ChatId) -> None:
        """From now on, sends and edits to this chat answer 403 (user blocked the bot)."""
        with self._condition:
            self._faults.block_chat(chat_id)

    def unblock_chat(self, chat_id: ChatId) -> None:
        with self._condition:
            self._faults.unblock_chat(chat_id)

    @property
    def rate_limit_per_second(self) -> int | None:
        return self._faults.rate_limit_per_second

    @rate_limit_per_second.setter
    def rate_limit_per_second(self, limit: int | None) -> None:
        with self._condition:
            self._faults.set_rate_limits(limit, self._faults.per_chat_rate_limit)

    @property
    def per_chat_rate_limit(self) -> RateLimit | None:
        return self._faults.per_chat_rate_limit

    @per_chat_rate_limit.setter
    def per_chat_rate_limit(self, limit: RateLimit | None) -> None:
        with self._condition:
            self._faults.set_rate_limits(self._faults.rate_limit_per_second, limit)

    @property
    def rejections(self) -> Counter[str]:
        """Refused calls by cause: injected, blocked, rate_limited, rate_limited_chat."""
        with self._condition:
            return Counter(self._faults.rejections)

    # -- what the bot did --------------------------------------------------------

    @property
    def calls(self) -> list[ApiCall]:
        with self._condition:
            return list(self._calls)

    def calls_to(self, method: str) -> list[ApiCall]:
        """Calls of one method (any letter case), oldest first."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def clear_calls(self) -> None:
        with self._condition:
            self._calls.clear()

    def sent_messages(self, chat_id: ChatId) -> list[JsonDict]:
        """The bot's messages in a chat, oldest first, with edits applied."""
        with self._condition:
            return self._store.sent_messages(chat_id)

    @property
    def callback_answers(self) -> list[JsonDict]:
        """Parameters of every accepted answerCallbackQuery."""
        with self._condition:
            return copy.deepcopy(self._store.callback_answers)

    @property
    def webhook(self) -> WebhookConfig:
        with self._condition:
            return self._queue.webhook

    @property
    def pending_update_count(self) -> int:
        with self._condition:
            return self._queue.pending_count

    @property
    def commands(self) -> dict[str, list[JsonDict]]:
        """Default-scope command menus by language_code ("" = every other language)."""
        with self._condition:
            return self._menus.by_language()

    def commands_for(
        self, language_code: str = "", scope: JsonDict | None = None
    ) -> list[JsonDict]:
        with self._condition:
            return self._menus.for_language(language_code, scope)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Block this thread until predicate() holds; AssertionError after timeout."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"fake Telegram: condition not met within {timeout}s")
                self._condition.wait(min(remaining, 0.05))

    async def wait_for_async(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Like wait_for, but yields to the event loop the bot runs on."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                raise AssertionError(f"fake Telegram: condition not met within {timeout}s")
            await asyncio.sleep(0.01)

    # -- HTTP ------------------------------------------------------------------

    def handle(self, path: str, content_type: str, body: bytes) -> tuple[int, bytes, str]:
        """Answer one HTTP request: (status, body, content type)."""
        split = urlsplit(path)
        route = unquote(split.path)  # PTB percent-encodes the token's ":" in file URLs
        file_match = _FILE_PATH.match(route)
        if file_match is not None:
            return self._download(file_match["token"], file_match["path"])
        match = _METHOD_PATH.match(route)
        if match is None:
            return _json_response(404, ApiError(404, "Not Found").envelope())
        if match["token"] != self.token:
            return _json_response(401, ApiError(401, "Unauthorized").envelope())
        status, envelope = self._call(match["method"], split.query, content_type, body)
        return _json_response(status, envelope)

    def _call(
        self, method: str, query: str, content_type: str, body: bytes
    ) -> tuple[int, JsonDict]:
        with self._condition:
            canonical, handler = self._methods.get(method.lower(), (method, None))
            params: JsonDict = {}
            files: dict[str, UploadedFile] = {}
            try:
                if handler is None:
                    raise ApiError(404, "Not Found")
                parsed = parse_request(query, content_type, body)
                params, files = parsed.params, parsed.files
                self._faults.check(canonical, params, self._clock())
                status, envelope = 200, _success(handler(params, files))
            except ApiError as error:
                status, envelope = error.error_code, error.envelope()
            self._calls.append(ApiCall(canonical, params, files, self._clock(), status, envelope,
                                       content_type))
            self._condition.notify_all()
            return status, envelope

    def _download(self, token: str, file_path: str) -> tuple[int, bytes, str]:
        if token != self.token:
            return _json_response(401, ApiError(401, "Unauthorized").envelope())
        with self._condition:
            stored = self._store.file_by_path(file_path)
        if stored is None:
            return _json_response(404, ApiError(404, "Not Found").envelope())
        return 200, stored.content, "application/octet-stream"

    def _get_me(self, _params: JsonDict, _files: dict[str, UploadedFile]) -> JsonDict:
        return copy.deepcopy(self.bot_user)

    def _method_table(self) -> dict[str, tuple[str, Handler]]:
        table: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._queue.get_updates,
            "setWebhook": self._queue.set_webhook,
            "deleteWebhook": self._queue.delete_webhook,
            "getWebhookInfo": self._queue.get_webhook_info,
            "sendMessage": self._store.send_message,
            "sendPhoto": self._store.send_photo,
            "sendDocument": self._store.send_document,
            "sendVoice": self._store.send_voice,
            "sendChatAction": self._store.send_chat_action,
            "editMessageText": self._store.edit_message_text,
            "editMessageReplyMarkup": self._store.edit_message_reply_markup,
            "answerCallbackQuery": self._store.answer_callback_query,
            "getFile": self._store.get_file,
            "setMyCommands": self._menus.set_my_commands,
            "getMyCommands": self._menus.get_my_commands,
            "deleteMyCommands": self._menus.delete_my_commands,
        }
        # The Bot API treats method names case-insensitively.
        return {name.lower(): (name, handler) for name, handler in table.items()}

    def _observe(self, update: JsonDict) -> None:
        for key in _MESSAGE_KEYS:
            if isinstance(update.get(key), dict):
                self._store.observe_message(update[key])
        query = update.get("callback_query")
        if isinstance(query, dict) and isinstance(query.get("message"), dict):
            self._store.observe_message(query["message"])
        member = update.get("my_chat_member")
        if isinstance(member, dict) and isinstance(member.get("chat"), dict):
            self._store.remember_chat(member["chat"])


def _success(result: Any) -> JsonDict:
    if isinstance(result, Described):
        return ok_envelope(result.result, result.description)
    return ok_envelope(result)


def _json_response(status: int, envelope: JsonDict) -> tuple[int, bytes, str]:
    return status, json.dumps(envelope).encode(), "application/json"
