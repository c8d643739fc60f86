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
- `statuses URL APP_SECRET` (Graph only): from now on, as Meta does, every accepted message
  is followed by two signed status webhooks POSTed to URL, "sent" and then "delivered"
  (delivered again 0.2 s later while URL does not answer 200); answers `{"statuses": "on"}`.
  `count` then also gives `"statuses"`: status webhooks answered 200 so far.

End of stdin stops the fake and the process.
"""

from __future__ import annotations

import http.client
import json
import queue
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.graph_http import GraphRequest, GraphResponse
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.whatsapp_webhooks import WebhookBuilder, signed_headers, to_raw

_TELEGRAM_NEW = {"sendMessage", "sendPhoto", "sendDocument", "sendVoice"}
_TELEGRAM_EDIT = {"editMessageText", "editMessageReplyMarkup"}
STATUS_SENDERS = 8  # status webhooks in flight at once


class TimedGraphApi(FakeGraphApi):
    """The fake Graph API, noting when each message was accepted (its records have no time),
    and, once `send_statuses` was called, sending each message's status webhooks."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted_at: dict[str, float] = {}
        self.statuses_delivered = 0
        self._lock = threading.Lock()
        self._statuses: queue.Queue[tuple[str, str, str | None]] | None = None

    def send_statuses(self, url: str, app_secret: str) -> None:
        """POST "sent" and "delivered" for every message accepted from now on to `url`."""
        pending: queue.Queue[tuple[str, str, str | None]] = queue.Queue()
        build = WebhookBuilder(waba_id=self.waba_id, phone_id=self.phone_id)
        for _ in range(STATUS_SENDERS):
            threading.Thread(target=self._post_statuses, args=(pending, url, app_secret, build),
                             daemon=True).start()
        self._statuses = pending

    def _answer(self, request: GraphRequest) -> GraphResponse:
        response = super()._answer(request)
        self._follow_up(request, response)
        return response

    def _follow_up(self, request: GraphRequest, response: GraphResponse) -> None:
        """After a request was answered (before the answer is written): note when a message
        was accepted, and queue its status webhooks."""
        body = response.body
        if response.status == 200 and isinstance(body, dict) and body.get("messages"):
            wamid = str(body["messages"][0]["id"])
            with self._lock:
                self.accepted_at[wamid] = time.time()
            if self._statuses is not None:
                sent = request.json()
                self._statuses.put((wamid, str(sent.get("to", "")),
                                    sent.get("biz_opaque_callback_data")))

    def _post_statuses(self, pending: queue.Queue[tuple[str, str, str | None]], url: str,
                       app_secret: str, build: WebhookBuilder) -> None:
        target = urlsplit(url)
        connection: http.client.HTTPConnection | None = None
        while True:
            wamid, recipient, tracker = pending.get()
            for status in ("sent", "delivered"):
                raw = to_raw(build.status(wamid, status, recipient, tracker=tracker))
                while True:  # as Meta does: again, a little later, until it gets a 200
                    try:
                        if connection is None:
                            connection = http.client.HTTPConnection(
                                target.hostname or "127.0.0.1", target.port, timeout=30)
                        connection.request("POST", target.path, raw,
                                           signed_headers(raw, app_secret))
                        answer = connection.getresponse()
                        answer.read()
                        if answer.status == 200:
                            break
                    except (OSError, http.client.HTTPException):
                        connection = None
                    time.sleep(0.2)
                with self._lock:
                    self.statuses_delivered += 1


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
                if graph is not None:
                    answer["statuses"] = graph.statuses_delivered
            elif command == "statuses" and graph is not None:
                url, _, app_secret = argument.partition(" ")
                graph.send_statuses(url, app_secret)
                answer = {"statuses": "on"}
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
