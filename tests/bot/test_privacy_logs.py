"""A whole conversation and its check-in leave no id, address or story text in the logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.checkins import CheckInDispatcher, CheckInPolicy
from bot.service import ConversationService, InboundMessage
from flows.events import ChoiceIn, OpenedIn
from tests.bot.recording import RecordingSender
from tests.conftest import FixedClock
from tests.scripts import FULL_CONVERSATION, event_of

USER, ADDRESS = "98765432", "+31 6 1234 5678"


async def test_conversation_and_check_in_log_nothing_identifying(
    service: ConversationService, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    events = [OpenedIn(), *(event_of(k, v) for k, v in FULL_CONVERSATION)]
    for n, event in enumerate(events):
        queued = service.handle(InboundMessage("telegram", USER, ADDRESS, event, str(n)))
        service.mark_sent([(q.outbox_id, None) for q in queued or []])
    clock.advance(days=14)
    sender = RecordingSender()
    report = await CheckInDispatcher(service, {"telegram": sender}, CheckInPolicy(),
                                     clock=clock).tick()
    service.handle(InboundMessage("telegram", USER, ADDRESS, ChoiceIn("better"), "x"))
    assert report.sent == 1
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "check-ins: 1 claimed" in logged  # the tick did log...
    stories = [v for k, v in FULL_CONVERSATION if k == "text"]
    for forbidden in (USER, ADDRESS, "612345678", *stories):
        assert forbidden not in logged  # ...but nothing that identifies or quotes
