"""Signed bodies we cannot read get 200 and one line in the log, and the channel goes on."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import Participant, ProcessedUpdate
from tests.channels.whatsapp.conftest import APP_SECRET, PATH, RESIDENT, Resident, post_signed
from tests.fakes.whatsapp_webhooks import WebhookBuilder, signed_headers

STORY = "Mijn buurman Piet de Vries hielp mij"
JsonDict = dict[str, Any]


def _message(body: JsonDict) -> JsonDict:
    message: JsonDict = body["entry"][0]["changes"][0]["value"]["messages"][0]
    return message


def _number_as_text(body: JsonDict) -> JsonDict:
    _message(body)["text"]["body"] = 31612345678
    return body


def _without_sender(body: JsonDict) -> JsonDict:
    del _message(body)["from"]
    body["entry"][0]["changes"][0]["value"]["contacts"] = []
    return body


def _list_as_value(body: JsonDict) -> JsonDict:
    change = body["entry"][0]["changes"][0]
    change["value"] = [change["value"]]
    return body


def _unknown_shape(body: JsonDict) -> JsonDict:
    return {"object": "whatsapp_business_account", "entry": {"story": body}}


BROKEN: dict[str, Callable[[JsonDict], JsonDict]] = {
    "number as text": _number_as_text,
    "no sender": _without_sender,
    "list as value": _list_as_value,
    "unknown shape": _unknown_shape,
}
RAW: dict[str, bytes] = {
    "not json": b"{not json",
    "not utf-8": b"\xff\xfe",
    "a list": b"[1, 2]",
    "nested objects": b'{"entry": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001,
    "nested lists": b"[" * 100_000 + b"]" * 100_000,
}


def _count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    handler = logging.StreamHandler()
    return "\n".join(handler.format(record) for record in caplog.records)


async def _goes_on(resident: Resident) -> None:
    replies = await resident.say("Hallo")
    assert replies and replies[-1].buttons  # the hello, asking for consent


@pytest.mark.parametrize("breakage", list(BROKEN))
async def test_a_broken_body_gets_200_and_is_dropped(
    client: httpx.AsyncClient, build: WebhookBuilder, resident: Resident, db: Database,
    caplog: pytest.LogCaptureFixture, breakage: str,
) -> None:
    caplog.set_level(logging.INFO)

    response = await post_signed(client, BROKEN[breakage](build.text(RESIDENT, STORY)))

    assert response.status_code == 200
    assert _count(db, ProcessedUpdate) == 0 and _count(db, Participant) == 0
    logged = _everything_logged(caplog)
    assert STORY not in logged and RESIDENT not in logged and "Traceback" not in logged
    dropped = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == (0 if breakage in ("unknown shape", "list as value") else 1)
    await _goes_on(resident)


@pytest.mark.parametrize("name", list(RAW))
async def test_a_signed_body_that_is_no_json_gets_200_and_one_line(
    client: httpx.AsyncClient, resident: Resident, db: Database,
    caplog: pytest.LogCaptureFixture, name: str,
) -> None:
    caplog.set_level(logging.INFO)
    raw = RAW[name]

    response = await client.post(PATH, content=raw, headers=signed_headers(raw, APP_SECRET))

    assert response.status_code == 200
    assert _count(db, ProcessedUpdate) == 0
    dropped = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    if name in ("a list",):
        assert dropped == []  # JSON of an unknown shape: nothing in it for us
    else:
        assert len(dropped) == 1 and dropped[0].startswith("whatsapp: delivery dropped")
    await _goes_on(resident)


async def test_a_status_with_an_odd_error_code_is_recorded_without_failing(
    client: httpx.AsyncClient, build: WebhookBuilder, resident: Resident,
) -> None:
    body = build.status("wamid.OUT1", "failed", RESIDENT, error={"code": "²", "title": "x"})

    response = await post_signed(client, body)

    assert response.status_code == 200
    await _goes_on(resident)
