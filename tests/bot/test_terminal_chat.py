"""The terminal chat in process: no line stops it, and no reply a crash left is lost."""

from __future__ import annotations

import io
import json

from bot.channels.terminal import CHANNEL, TerminalChat
from bot.service import ConversationService, InboundMessage
from flows.events import OpenedIn, TextIn

NESTED = '{"text": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001


def _lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_blank_and_nested_lines_get_an_error_and_a_turn_end(
    service: ConversationService,
) -> None:
    out = io.StringIO()
    chat = TerminalChat(service, "eva", out, jsonl=True)

    chat.run(["\n", "  \n", NESTED + "\n", '{"text": "\\udc00"}\n',
              '{"choice": "yes", "token": 5}\n'])

    got = _lines(out)
    errors = [i for i, m in enumerate(got) if "error" in m]
    assert len(errors) == 4
    assert all(got[i + 1] == {"turn_end": True} for i in errors)
    assert got[-2]["question"] == "_age"  # the last line was a good answer, with a stray token


def test_a_turn_that_fails_is_said_and_the_chat_goes_on(service: ConversationService) -> None:
    out = io.StringIO()
    chat = TerminalChat(service, "eva", out, jsonl=True)
    handle = service.handle
    failing = iter([True])

    def handle_once_failing(message: InboundMessage) -> object:
        if next(failing, False):
            raise RuntimeError("the database is away")
        return handle(message)

    chat.open()
    service.handle = handle_once_failing  # type: ignore[method-assign]
    chat._turn(TextIn("ja"))
    chat._turn(TextIn("ja"))

    got = _lines(out)
    assert {"error": "that did not work (RuntimeError); try again"} in got
    assert got[-2]["question"] == "_age"


def test_replies_a_crash_left_unshown_are_shown_on_the_next_start(
    service: ConversationService,
) -> None:
    # The process queued the hello, then died before it showed it.
    queued = service.handle(InboundMessage(CHANNEL, "eva", "eva", OpenedIn())) or []
    hello = [str(q.payload.to_dict()["text"]) for q in queued
             if q.payload.to_dict().get("kind") == "message"]

    out = io.StringIO()
    TerminalChat(service, "eva", out, jsonl=True).open()

    shown = [m.get("text") for m in _lines(out)]
    assert shown[: len(hello)] == hello
    assert not [q for q in service.unsent(CHANNEL)]
