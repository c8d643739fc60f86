"""A whole conversation and its check-in leave no id, address or story text in the logs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from telegram import Bot

from bot.channels.messages import InboundMessage
from bot.checkins import CheckInDispatcher, CheckInPolicy
from bot.logs import configure_logging
from bot.send_loop import SendLoop
from bot.service import ConversationService
from flows.events import ChoiceIn, OpenedIn
from tests.bot.recording import RecordingSender
from tests.conftest import FixedClock
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_updates import UpdateFactory
from tests.scripts import FULL_CONVERSATION, event_of

USER, ADDRESS = "98765432", "+31 6 1234 5678"
STORY = "Mijn buurvrouw Fatima helpt mij elke week met de post."


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
    loop = SendLoop(service, {"telegram": RecordingSender()})
    await loop.start()
    try:
        report = await CheckInDispatcher(service, {"telegram": loop}, CheckInPolicy(),
                                         clock=clock).tick()
    finally:
        await loop.stop()
    service.handle(InboundMessage("telegram", USER, ADDRESS, ChoiceIn("better"), "x"))
    assert report.sent == 1
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "check-ins: 1 claimed" in logged  # the tick did log...
    stories = [v for k, v in FULL_CONVERSATION if k == "text"]
    for forbidden in (USER, ADDRESS, "612345678", *stories):
        assert forbidden not in logged  # ...but nothing that identifies or quotes


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """What the service writes to its log, at DEBUG, configured as `vertelpunt serve` does."""
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "httpx", "httpcore")}
    stream = io.StringIO()
    handler = configure_logging("DEBUG", stream)
    for name in ("httpx", "httpcore"):  # as verbose as they can be made
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def test_an_update_the_telegram_library_cannot_parse_is_logged_without_content(
    written: io.StringIO,
) -> None:
    with FakeBotApi() as api:
        updates = UpdateFactory(bot_user=api.bot_user)
        resident = updates.user("Fatima", last_name="El Amrani", username="fatima_ea")
        broken = updates.text(STORY, user=resident)
        broken["message"]["date"] = "gisteren"  # no timestamp: PTB cannot parse it
        api.push_updates([updates.text(STORY, user=resident), broken])
        bot = Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url)
        async with bot:
            with pytest.raises(Exception):  # noqa: B017 - PTB raises what parsing raised
                await bot.get_updates(timeout=0)

        log = written.getvalue()
        assert "Error while parsing updates" in log  # the library did log the failure...
        for forbidden in (STORY, "Fatima", "El Amrani", "fatima_ea", str(resident["id"]),
                          api.token, api.token.split(":")[1]):
            assert forbidden not in log  # ...without what it received, and without the token


def test_query_strings_and_exception_messages_are_not_written(written: io.StringIO) -> None:
    access = logging.getLogger("uvicorn.access")
    access.setLevel(logging.INFO)
    # uvicorn's own access line, for a webhook handshake with the verify token in its query
    access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.1:5000", "GET",
                "/webhooks/whatsapp?hub.verify_token=verify-me&hub.challenge=42", "1.1", 200)
    try:
        raise ValueError(f"bad input: {STORY}")
    except ValueError:
        logging.getLogger("bot.channels").exception("telegram: update not handled")

    log = written.getvalue()
    assert '"GET /webhooks/whatsapp HTTP/1.1" 200' in log
    assert "verify-me" not in log and STORY not in log
    assert "ValueError (message hidden)" in log
