"""An update's raw JSON checked to be one we can read, before it goes anywhere near a turn.

python-telegram-bot builds its objects from whatever JSON it gets (a message without `chat`
fails with a KeyError, a number as `text` passes and fails later in the engine). An update we
cannot read is dropped, by webhook and by polling alike: delivering it again would fail again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from telegram import Update

from bot.channels.telegram.updates import Turn, read_update
from flows.events import ChoiceIn, CommandIn, TextIn

log = logging.getLogger(__name__)
Parse = Callable[[dict[str, Any]], Update]


class UnreadableUpdate(Exception):
    """An update that is no update we can read; the message names only the kind of fault."""

    def __init__(self, reason: str, update_id: int | None = None) -> None:
        super().__init__(reason)
        self.update_id = update_id


def update_from_body(body: bytes, parse: Parse) -> Update:
    """A webhook body as an update; `parse` is the channel's JSON-to-Update."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
        raise UnreadableUpdate(type(error).__name__) from None
    return update_from_json(data, parse)


def update_from_json(data: object, parse: Parse) -> Update:
    """One decoded update as PTB's Update, or UnreadableUpdate."""
    if not isinstance(data, dict):
        raise UnreadableUpdate("not an object")
    update_id = update_id_of(data)
    try:
        update: Update = parse(data)
        received = read_update(update)
    # PTB raises whatever its constructors raise on a wrong shape (KeyError, TypeError, ...),
    # and RecursionError on JSON nested too deeply: all mean this update cannot be read.
    except Exception as error:
        raise UnreadableUpdate(type(error).__name__, update_id) from None
    if isinstance(received, Turn) and not _well_typed(received):
        raise UnreadableUpdate("wrong types", update_id)
    return update


def _well_typed(turn: Turn) -> bool:
    if not isinstance(turn.inbound.language_hint, str | None):
        return False
    match turn.inbound.event:
        case TextIn(text=text):
            return isinstance(text, str)
        case ChoiceIn(choice_id=choice_id):
            return isinstance(choice_id, str)
        case CommandIn(name=name, payload=payload):
            return isinstance(name, str) and isinstance(payload, str)
    return True


def update_id_of(data: object) -> int | None:
    """The update id of raw JSON, when it has one (safe to log: it is no one's id)."""
    update_id = data.get("update_id") if isinstance(data, dict) else None
    return update_id if isinstance(update_id, int) and not isinstance(update_id, bool) else None


def log_dropped(error: UnreadableUpdate) -> None:
    """One line, without anything the update held."""
    update_id = error.update_id if error.update_id is not None else "without id"
    log.warning("telegram: update %s dropped: it cannot be read (%s)", update_id, error)
