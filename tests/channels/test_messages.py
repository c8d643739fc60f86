"""Outbound payloads: one to_dict and from_dict per type, and every stored shape still loads."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.messages import (
    Answered,
    File,
    Payload,
    Question,
    Text,
    payload_from_dict,
    payload_of,
)
from flows.events import Choice, Outbound

PAYLOADS: list[Payload] = [
    Text("Dank u wel.", "nl"),
    Question("Hoe voelde u zich?", (Choice("sad", "😢 Verdrietig", short="😢", description="Naar"),
                                    Choice("glad", "😀 Blij", selected=True)),
             multi=True, question="feeling", token="7", language="nl"),
    Question("Waar ging het over?", (Choice("done", "✅ Klaar"),), multi=True, token="8",
             redraw=True),
    Question("Wat is de titel?", question="title", token="9", language="en"),
    Answered("Uw antwoord: 😀 Blij", "7", "nl"),
    File("document", "verhalen.csv", "text/csv", b"a,b\n1,2\n", "2 verhalen",
         "Bestanden krijgt u op Telegram.", "nl"),
    File("photo", "qr.png", "image/png", b"\x89PNG\r\n", "Scan mij", "Scan mij"),
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: type(p).__name__)
def test_every_payload_survives_the_outbox(payload: Payload) -> None:
    assert payload_from_dict(payload.to_dict()) == payload


def test_the_engine_output_becomes_the_matching_payload() -> None:
    assert payload_of(Outbound("Hallo", language="nl")) == Text("Hallo", "nl")
    assert payload_of(Outbound("Uw antwoord", token="3", kind="answered")) == \
        Answered("Uw antwoord", "3")
    asked = payload_of(Outbound("Titel?", question="title", token="4"))
    assert asked == Question("Titel?", question="title", token="4")
    redrawn = payload_of(Outbound("Kies", (Choice("a", "A"),), multi=True, token="5",
                                  kind="update"))
    assert isinstance(redrawn, Question) and redrawn.redraw


def test_the_engine_and_the_payload_store_the_same_shape() -> None:
    outbound = Outbound("Kies", (Choice("a", "🏠 Wonen", short="🏠", selected=True),),
                        multi=True, question="topics", token="2", language="tr")
    assert payload_of(outbound).to_dict() == outbound.as_dict()


OLD_ROWS: list[tuple[dict[str, Any], Payload]] = [
    # Rows from before `kind` was written are messages.
    ({"text": "Hallo"}, Text("Hallo")),
    ({"text": "Kies", "choices": [{"id": "a", "label": "A"}], "token": "1"},
     Question("Kies", (Choice("a", "A"),), token="1")),
    ({"kind": "update", "text": "Kies", "choices": [{"id": "a"}], "multi": True},
     Question("Kies", (Choice("a", "a"),), multi=True, redraw=True)),
    ({"kind": "answered", "text": "Uw antwoord", "token": 4},
     Answered("Uw antwoord", "4")),
    ({"kind": "document", "caption": "Export", "data": "YSxi"},
     File("document", "file", "application/octet-stream", b"a,b", "Export", "Export")),
    ({"kind": "photo", "text": "Elders", "data": "not base64!"},
     File("photo", "file", "application/octet-stream", b"", "", "Elders")),
    ({"kind": "something-new", "text": "Onbekend"}, Text("Onbekend")),
]


@pytest.mark.parametrize(("row", "expected"), OLD_ROWS)
def test_older_and_odd_outbox_rows_still_load(row: dict[str, Any], expected: Payload) -> None:
    assert payload_from_dict(row) == expected
