"""Run the fake Telegram Bot API or the fake Graph API in a process of its own.

    python -m tests.fakes.run_fake telegram|graph

For benchmarks: the fake's threads then take no time from the process that measures. It
prints one JSON line with how to reach it (`base_url`, and `token`, `phone_id`, `waba_id`),
then answers commands on stdin, one a line, each answered with one JSON line on stdout:

- `count`: `{"messages": N, "last_at": T, "refused": R}`: messages accepted so far (new
  messages; Telegram edits not counted), the wall-clock time (`time.time()`) of the last
  accepted send or edit, and the requests refused.
- `dump PATH`: writes every accepted new message to PATH as a JSON list, oldest first, each
  `{"chat", "id", "content", "at"}` (`id`: Telegram's message_id or the wamid; `content`: the
  method, text or caption and buttons as one JSON string), and answers `{"written": N}`.

End of stdin stops the fake and the process.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.graph_http import GraphRequest, GraphResponse
from tests.fakes.telegram_api import FakeBotApi

_TELEGRAM_NEW = {"sendMessage", "sendPhoto", "sendDocument", "sendVoice"}
_TELEGRAM_EDIT = {"editMessageText", "editMessageReplyMarkup"}


class TimedGraphApi(FakeGraphApi):
    """The fake Graph API, noting when each message was accepted (its records have no time)."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def _answer(self, request: GraphRequest) -> GraphResponse:
        response = super()._answer(request)
        body = response.body
        if response.status == 200 and isinstance(body, dict) and body.get("messages"):
            with self._lock:
                self.accepted_at[str(body["messages"][0]["id"])] = time.time()
        return response


def _telegram_messages(fake: FakeBotApi) -> tuple[list[dict[str, Any]], float, int]:
    messages: list[dict[str, Any]] = []
    last_at, refused = 0.0, 0
    for call in fake.calls:
        if not call.ok:
            refused += 1
            continue
        if call.method in _TELEGRAM_EDIT:
            last_at = max(last_at, call.at)
        if call.method not in _TELEGRAM_NEW:
            continue
        last_at = max(last_at, call.at)
        result = call.response["result"]
        params = call.params
        content = {"method": call.method, "text": params.get("text") or params.get("caption"),
                   "buttons": params.get("reply_markup")}
        messages.append({"chat": str(result["chat"]["id"]), "id": str(result["message_id"]),
                         "content": json.dumps(content, sort_keys=True, ensure_ascii=False),
                         "at": call.at})
    return messages, last_at, refused


def _graph_messages(fake: TimedGraphApi) -> tuple[list[dict[str, Any]], float, int]:
    messages: list[dict[str, Any]] = []
    with fake._lock:
        accepted_at = dict(fake.accepted_at)
    for message in fake.messages:
        body = {k: v for k, v in message.body.items() if k not in ("to", "recipient")}
        messages.append({"chat": message.recipient, "id": message.wamid,
                         "content": json.dumps(body, sort_keys=True, ensure_ascii=False),
                         "at": accepted_at.get(message.wamid, 0.0)})
    last_at = max((float(m["at"]) for m in messages), default=0.0)
    return messages, last_at, len(fake.rejected)


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    if kind not in ("telegram", "graph"):
        raise SystemExit("usage: python -m tests.fakes.run_fake telegram|graph")
    telegram = FakeBotApi().start() if kind == "telegram" else None
    graph = TimedGraphApi() if kind == "graph" else None
    if graph is not None:
        graph.start()
    hello: dict[str, Any]
    if telegram is not None:
        hello = {"base_url": telegram.base_url, "token": telegram.token}
    else:
        assert graph is not None
        hello = {"base_url": graph.base_url, "token": graph.token, "phone_id": graph.phone_id,
                 "waba_id": graph.waba_id}
    # A server under test that is killed mid-request resets its connections: not an error
    # worth a traceback here.
    for started in (telegram, graph):
        server = getattr(started, "_server", None)
        if server is not None:
            server.handle_error = lambda *_: None
    print(json.dumps(hello), flush=True)
    try:
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if telegram is not None:
                messages, last_at, refused = _telegram_messages(telegram)
            else:
                assert graph is not None
                messages, last_at, refused = _graph_messages(graph)
            if command == "count":
                answer: dict[str, Any] = {"messages": len(messages), "last_at": last_at,
                                          "refused": refused}
            elif command == "dump":
                with open(argument, "w", encoding="utf-8") as out:
                    json.dump(messages, out, ensure_ascii=False)
                answer = {"written": len(messages)}
            else:
                answer = {"error": f"unknown command {command!r}"}
            print(json.dumps(answer), flush=True)
    finally:
        if telegram is not None:
            telegram.stop()
        if graph is not None:
            graph.stop()


if __name__ == "__main__":
    main()
