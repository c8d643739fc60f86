"""Updates we cannot read are dropped with one line in the log, and never stop the channel."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.channels.telegram.polling import LOOP_NAME
from bot.channels.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH
from bot.health import Health
from storage.db import Database
from storage.models import ProcessedUpdate
from tests.channels.telegram.harness import WEBHOOK_SECRET, Harness
from tests.fakes.telegram_updates import UpdateFactory

SECRET_STORY = "Mijn buurman Jan de Vries op de Dorpsstraat 12"
JsonDict = dict[str, Any]


def _without_chat(update: JsonDict) -> JsonDict:
    del update["message"]["chat"]
    return update


def _number_as_text(update: JsonDict) -> JsonDict:
    update["message"]["text"] = 4242424242
    return update


def _number_as_language(update: JsonDict) -> JsonDict:
    update["message"]["from"]["language_code"] = 31
    return update


def _list_as_chat(update: JsonDict) -> JsonDict:
    update["message"]["chat"] = [update["message"]["chat"]]
    return update


def _unknown_shape(update: JsonDict) -> JsonDict:
    return {"update_id": update["update_id"], "message": {"story": update["message"]}}


BROKEN: dict[str, Callable[[JsonDict], JsonDict]] = {
    "no chat": _without_chat,
    "number as text": _number_as_text,
    "number as language": _number_as_language,
    "list as chat": _list_as_chat,
    "unknown shape": _unknown_shape,
}


def _stored_updates(db: Database) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


def _everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    handler = logging.StreamHandler()
    return "\n".join(handler.format(record) for record in caplog.records)


def _assert_nothing_identifying(logged: str, update: JsonDict) -> None:
    user = update["message"]["from"] if "from" in update.get("message", {}) else {}
    for forbidden in (SECRET_STORY, "Jan de Vries", str(user.get("id", SECRET_STORY)),
                      user.get("first_name", SECRET_STORY)):
        assert forbidden not in logged


async def _post_raw(webhook: Harness, body: bytes) -> int:
    response = await webhook.client.post(
        WEBHOOK_PATH, content=body, headers={SECRET_HEADER: WEBHOOK_SECRET})
    return response.status_code


@pytest.mark.parametrize("breakage", list(BROKEN))
async def test_a_broken_update_by_webhook_gets_200_and_one_line(
    webhook: Harness, updates: UpdateFactory, db: Database, caplog: pytest.LogCaptureFixture,
    breakage: str,
) -> None:
    caplog.set_level(logging.INFO)
    update = BROKEN[breakage](updates.text(SECRET_STORY))

    status = await _post_raw(webhook, json.dumps(update).encode())
    await webhook.settle()

    assert status == 200
    assert _stored_updates(db) == 0 and webhook.fake.calls_to("sendMessage") == []
    _assert_nothing_identifying(_everything_logged(caplog), updates.text(SECRET_STORY))
    if breakage != "unknown shape":  # a shape we do not know is not an error: nothing to log
        dropped = [r for r in caplog.records if "dropped" in r.getMessage()]
        assert len(dropped) == 1 and dropped[0].levelno == logging.WARNING
        assert str(update["update_id"]) in dropped[0].getMessage()


@pytest.mark.parametrize("body", [
    b"not json", b"[1, 2]", b'{"message": {}}', b"\xff\xfe", b"",
    b'{"update_id": 1, "message": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001,
    b"[" * 100_000 + b"]" * 100_000,
])
async def test_a_body_that_is_no_update_gets_200_and_is_dropped(
    webhook: Harness, db: Database, updates: UpdateFactory, body: bytes
) -> None:
    assert await _post_raw(webhook, body) == 200
    assert _stored_updates(db) == 0

    start = updates.start()
    await webhook.deliver(start)  # the channel goes on as before
    assert len(webhook.fake.sent_messages(start["message"]["chat"]["id"])) == 5


async def test_polling_skips_an_update_it_cannot_read_and_goes_on(
    runtime: Any, fake: Any, updates: UpdateFactory, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.channels.telegram.harness import running

    caplog.set_level(logging.INFO)
    async with running(runtime, "polling", fake) as polling:
        broken = _without_chat(updates.text(SECRET_STORY))
        start = updates.start()
        fake.push_updates([broken, start])
        await fake.wait_for_async(lambda: fake.pending_update_count == 0, timeout=15)
        await polling.settle()
        health = await polling.client.get("/healthz")

    assert len(fake.sent_messages(start["message"]["chat"]["id"])) == 5  # the hello
    assert health.status_code == 200
    _assert_nothing_identifying(_everything_logged(caplog), updates.text(SECRET_STORY))
    dropped = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == 1
    assert dropped[0].startswith(f"telegram: update {broken['update_id']} dropped: ")


async def test_healthz_answers_503_naming_a_stopped_loop(telegram: Harness) -> None:
    assert (await telegram.client.get("/healthz")).status_code == 200
    loops = [t for t in asyncio.all_tasks() if t.get_name() == LOOP_NAME]
    assert len(loops) == (1 if telegram.mode == "polling" else 0)
    for loop in loops:  # the loop ends under the service's feet
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)

    response = await telegram.client.get("/healthz")

    if telegram.mode == "polling":
        assert response.status_code == 503
        assert response.json() == {"status": "unhealthy", "stopped": [LOOP_NAME]}
    else:
        assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_a_loop_stopped_on_purpose_is_no_problem() -> None:
    health = Health()

    async def ends() -> None:
        return None

    task = asyncio.create_task(ends())
    health.watch("ticker", task)
    assert health.stopped() == []
    await task
    assert health.stopped() == ["ticker"]
    health.forget("ticker")
    assert health.stopped() == []
