"""The fake Graph API and the webhook fakes, driven through pywa's real async client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import fastapi
import httpx
import pytest
from pywa import utils as pywa_utils
from pywa.client import WhatsApp as PywaClient
from pywa.types.message import Message as PywaMessage
from pywa.types.others import MessageType
from pywa_async import errors, handlers
from pywa_async.client import WhatsApp
from pywa_async.types import templates as t
from pywa_async.types.callback import (
    Button,
    CallbackButton,
    CallbackSelection,
    Section,
    SectionList,
    SectionRow,
)
from pywa_async.types.message_status import MessageStatus, MessageStatusType

from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.graph_errors import GraphError
from tests.fakes.whatsapp_webhooks import (
    SAMPLES_DIR,
    WebhookBuilder,
    bsuid_for,
    load_samples,
    rebase,
    signature,
    signature_matches,
    signed_headers,
    to_raw,
)

RESIDENT = "31612345678"
APP_SECRET = "test-app-secret"
SAMPLES = load_samples()


@pytest.fixture
def graph() -> Iterator[FakeGraphApi]:
    with FakeGraphApi() as fake:
        yield fake


@pytest.fixture
async def wa(graph: FakeGraphApi) -> AsyncIterator[WhatsApp]:
    async with graph.async_client() as session:
        yield graph.whatsapp(session=session)


# -- sending through pywa -------------------------------------------------------------------


async def test_text_reaches_the_fake_as_a_graph_call(graph: FakeGraphApi, wa: WhatsApp) -> None:
    sent = await wa.send_message(to=RESIDENT, text="Hallo! Wil je iets vertellen?")

    [message] = graph.messages_to(RESIDENT)
    assert (message.type, message.text, message.wamid) == (
        "text", "Hallo! Wil je iets vertellen?", sent.id)
    [request] = graph.requests
    assert request.headers["host"] == "graph.facebook.com"
    assert request.path == f"/v{pywa_utils.Version.GRAPH_API.value}/{graph.phone_id}/messages"
    assert request.headers["authorization"] == "Bearer test-token"
    assert graph.uploads == []


async def test_three_reply_buttons_are_accepted(graph: FakeGraphApi, wa: WhatsApp) -> None:
    buttons = [Button("✅ Ja", "consent:yes"), Button("💬 Vertel meer", "consent:more"),
               Button("❌ Nee", "consent:no")]

    await wa.send_message(to=RESIDENT, text="Mag ik je verhaal bewaren?", buttons=buttons)

    [message] = graph.messages
    assert message.interactive_type == "button"
    assert message.buttons == [("consent:yes", "✅ Ja"), ("consent:more", "💬 Vertel meer"),
                               ("consent:no", "❌ Nee")]


async def test_four_reply_buttons_pass_pywa_and_are_refused_by_the_fake(
    graph: FakeGraphApi, wa: WhatsApp
) -> None:
    buttons = [Button(f"Keuze {n}", f"choice:{n}") for n in range(4)]

    with pytest.raises(errors.InvalidParameter) as refused:
        await wa.send_message(to=RESIDENT, text="Kies er een", buttons=buttons)

    assert refused.value.code == 131009
    assert refused.value.status_code == 400
    assert "Max allowed buttons: 3" in str(refused.value.details)
    assert graph.messages == []
    assert len(graph.rejected) == 1  # pywa sent it: pywa 4.5 does not count buttons


async def test_section_list_is_accepted(graph: FakeGraphApi, wa: WhatsApp) -> None:
    wijken = SectionList("Kies je wijk", [
        Section("Noord", [SectionRow("🏘️ Oosterpark", "wijk:oost", "Rond het park")]),
        Section("Zuid", [SectionRow("🌳 Zuiderhout", "wijk:zuid")]),
    ])

    await wa.send_message(to=RESIDENT, text="In welke wijk woon je?", buttons=wijken)

    [message] = graph.messages
    assert message.interactive_type == "list"
    assert [row["id"] for row in message.rows] == ["wijk:oost", "wijk:zuid"]


def _row(n: int, title: str = "Rij", description: str | None = None) -> SectionRow:
    return SectionRow(f"{title} {n}"[:24] if title == "Rij" else title, f"row:{n}", description)


REFUSED = {
    "text body of 4097": dict(text="x" * 4097),
    "button title of 21": dict(text="Vraag", buttons=[Button("x" * 21, "a")]),
    "two buttons with one title": dict(
        text="Vraag", buttons=[Button("Ja", "a"), Button("Ja", "b")]),
    "button id of 257": dict(text="Vraag", buttons=[Button("Ja", "x" * 257)]),
    "button body of 1025": dict(text="x" * 1025, buttons=[Button("Ja", "a")]),
    "list of 11 rows": dict(text="Vraag", buttons=SectionList("Kies", [
        Section("A", [_row(n) for n in range(6)]), Section("B", [_row(n) for n in range(6, 11)])])),
    "row title of 25": dict(text="Vraag", buttons=SectionList("Kies", [
        Section("A", [_row(1, title="x" * 25)])])),
    "row description of 73": dict(text="Vraag", buttons=SectionList("Kies", [
        Section("A", [_row(1, description="x" * 73)])])),
    "section title of 25": dict(text="Vraag", buttons=SectionList("Kies", [
        Section("x" * 25, [_row(1)])])),
    "list button of 21": dict(text="Vraag", buttons=SectionList("x" * 21, [
        Section("A", [_row(1)])])),
}

ACCEPTED_AT_THE_LIMIT = {
    "text body of 4096": dict(text="x" * 4096),
    "button title of 20": dict(text="Vraag", buttons=[Button("x" * 20, "a")]),
    "list of 10 rows, title 24, description 72, section 24, button 20": dict(
        text="Vraag", buttons=SectionList("x" * 20, [
            Section("s" * 24, [_row(1, title="t" * 24, description="d" * 72)]),
            Section("B", [_row(n) for n in range(2, 11)])])),
}


@pytest.mark.parametrize("message", REFUSED.values(), ids=REFUSED.keys())
async def test_messages_beyond_whatsapp_limits_are_refused(
    graph: FakeGraphApi, wa: WhatsApp, message: dict[str, Any]
) -> None:
    with pytest.raises(errors.WhatsAppError) as refused:
        await wa.send_message(to=RESIDENT, **message)

    assert refused.value.code in (100, 131008, 131009)
    assert graph.messages == []


@pytest.mark.parametrize("message", ACCEPTED_AT_THE_LIMIT.values(),
                         ids=ACCEPTED_AT_THE_LIMIT.keys())
async def test_messages_at_whatsapp_limits_are_accepted(
    graph: FakeGraphApi, wa: WhatsApp, message: dict[str, Any]
) -> None:
    await wa.send_message(to=RESIDENT, **message)

    assert len(graph.messages) == 1


# -- templates and the 24-hour window -------------------------------------------------------


CHECKIN_BODY = t.BodyText(
    "Hoi! Twee weken geleden vertelde je ons iets over {{1}}. Hoe gaat het nu?", "je buurt")
CHECKIN = t.Template(
    name="vertelpunt_checkin",
    language=t.TemplateLanguage.DUTCH,
    category=t.TemplateCategory.UTILITY,
    components=[
        CHECKIN_BODY,
        t.Buttons(buttons=[t.QuickReplyButton(text="😀 Goed"),
                           t.QuickReplyButton(text="😟 Niet goed")]),
    ],
)


async def test_template_is_created_pending_then_sent_once_approved(
    graph: FakeGraphApi, wa: WhatsApp
) -> None:
    async def send_checkin() -> None:
        # pywa's params() takes its component as a bare positional; mypy reads it as wrong.
        body = CHECKIN_BODY.params("je buurt")  # type: ignore[arg-type]
        await wa.send_template(to=RESIDENT, name=CHECKIN.name, language=CHECKIN.language,
                               params=[body])

    created = await wa.create_template(CHECKIN)

    assert created.status == t.TemplateStatus.PENDING
    with pytest.raises(errors.TemplateNotExists):
        await send_checkin()
    graph.set_template_status(CHECKIN.name, "nl", "APPROVED")
    await send_checkin()

    [message] = graph.messages
    assert message.template_name == "vertelpunt_checkin"
    assert [found.name for found in await wa.get_templates()] == ["vertelpunt_checkin"]


async def test_template_with_missing_parameter_is_refused(
    graph: FakeGraphApi, wa: WhatsApp
) -> None:
    graph.add_template("vertelpunt_checkin", "nl", "Hoi {{1}}, hoe gaat het?")

    with pytest.raises(errors.TemplateParamCountMismatch):
        await wa.send_template(to=RESIDENT, name="vertelpunt_checkin",
                               language=t.TemplateLanguage.DUTCH, params=[])


async def test_closed_window_refuses_text_but_not_templates(
    graph: FakeGraphApi, wa: WhatsApp
) -> None:
    graph.add_template("vertelpunt_checkin", "nl", "Hoe gaat het nu?")
    graph.set_window_closed(RESIDENT)

    with pytest.raises(errors.ReEngagementMessage):
        await wa.send_message(to=RESIDENT, text="Nog bedankt!")
    await wa.send_template(to=RESIDENT, name="vertelpunt_checkin",
                           language=t.TemplateLanguage.DUTCH)
    graph.set_window_open(RESIDENT)
    await wa.send_message(to=RESIDENT, text="Fijn dat je weer schrijft.")

    assert [m.type for m in graph.messages_to(RESIDENT)] == ["template", "text"]


async def test_closed_window_reported_by_status_webhook(
    graph: FakeGraphApi, wa: WhatsApp
) -> None:
    graph.set_window_closed(RESIDENT, report="status")

    sent = await wa.send_message(to=RESIDENT, text="Nog bedankt!")
    [message] = graph.messages
    assert message.error is not None and message.error.code == 131047

    failed = WebhookBuilder().status(sent.id, "failed", RESIDENT,
                                     error=message.error.webhook_error())
    [status] = await _dispatch(failed)
    assert isinstance(status, MessageStatus)
    assert status.status == MessageStatusType.FAILED
    assert isinstance(status.error, errors.ReEngagementMessage)


@pytest.mark.parametrize(("code", "raised"), [
    (130429, errors.RateLimitHit),
    (131026, errors.MessageUndeliverable),
    (131047, errors.ReEngagementMessage),
])
async def test_injected_fault_fails_one_send_only(
    graph: FakeGraphApi, wa: WhatsApp, code: int, raised: type[errors.WhatsAppError]
) -> None:
    graph.fail_next(code)

    with pytest.raises(raised):
        await wa.send_message(to=RESIDENT, text="Eerste poging")
    await wa.send_message(to=RESIDENT, text="Tweede poging")

    assert [m.text for m in graph.messages] == ["Tweede poging"]


async def test_undeliverable_recipient_is_refused(graph: FakeGraphApi, wa: WhatsApp) -> None:
    graph.set_undeliverable(RESIDENT)

    with pytest.raises(errors.MessageUndeliverable):
        await wa.send_message(to=RESIDENT, text="Hallo")


async def test_wrong_token_is_refused(graph: FakeGraphApi) -> None:
    async with graph.async_client() as session:
        stranger = graph.whatsapp(session=session, token="stolen")
        with pytest.raises(errors.ExpiredAccessToken) as refused:
            await stranger.send_message(to=RESIDENT, text="Hallo")

    assert refused.value.status_code == 401


async def test_voice_note_can_be_downloaded(graph: FakeGraphApi, wa: WhatsApp) -> None:
    graph.add_media("4455", b"OggS-voice", mime_type="audio/ogg")

    url = await wa.get_media_url("4455")

    assert await wa.get_media_bytes(url.url) == b"OggS-voice"


async def test_read_receipt_is_not_a_message(graph: FakeGraphApi, wa: WhatsApp) -> None:
    await wa.mark_message_as_read("wamid.IN1")

    assert graph.read_receipts == ["wamid.IN1"]
    assert graph.messages == []


async def test_wait_for_async_sees_a_message_sent_meanwhile(
    graph: FakeGraphApi, wa: WhatsApp
) -> None:
    await wa.send_message(to=RESIDENT, text="Dank je wel!")

    [message] = await graph.wait_for_async(lambda m: m.text == "Dank je wel!", timeout=1)

    assert message.recipient == RESIDENT
    with pytest.raises(AssertionError):
        graph.wait_for(lambda m: m.text == "nooit", timeout=0.1)


# -- webhook samples, signer and builder ----------------------------------------------------


@pytest.mark.parametrize("name", SAMPLES.keys())
def test_every_sample_loads_and_its_signature_verifies(name: str) -> None:
    raw = SAMPLES[name].raw()
    header = signature(raw, APP_SECRET)

    assert json.loads(raw)["object"] == "whatsapp_business_account"
    assert pywa_utils.webhook_updates_validator(APP_SECRET, raw, header)
    assert signature_matches(raw, header, APP_SECRET)
    assert not signature_matches(raw + b" ", header, APP_SECRET)
    assert not signature_matches(raw, signature(raw, "other-secret"), APP_SECRET)


def test_samples_live_in_the_repository_and_cover_every_file(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    assert SAMPLES_DIR.is_relative_to(repo / "tests")
    assert {s.group for s in SAMPLES.values()} == {p.stem for p in SAMPLES_DIR.glob("*.json")}

    (tmp_path / "extra.json").write_text(json.dumps({"hello": {"entry": []}}))

    assert list(load_samples(tmp_path)) == ["extra/hello"]
    with pytest.raises(FileNotFoundError):
        load_samples(tmp_path / "empty")


EXPECTED_UPDATE = {
    "callback_button": "CallbackButton",
    "callback_selection": "CallbackSelection",
    "deleted_message": "DeletedMessage",
    "edited_message": "EditedMessage",
    "message": "Message",
    "message_status": "MessageStatus",
    "system/phone_number_change": "PhoneNumberChange",
    "system/identity_change": "IdentityChange",
    "user_marketing_preferences": "UserMarketingPreferences",
    "message_status/group": "GroupMessageStatuses",
}


@pytest.mark.parametrize("name", SAMPLES.keys())
async def test_every_sample_becomes_its_pywa_update(name: str) -> None:
    body = rebase(SAMPLES[name].body, waba_id="1234567890987654321", phone_id="1122334455667")

    [update] = await _dispatch(body)

    group = name.split("/")[0]
    assert type(update).__name__ == EXPECTED_UPDATE.get(name) or EXPECTED_UPDATE[group]


async def test_built_conversation_parses_as_pywa_updates() -> None:
    build = WebhookBuilder(clock=lambda: 1_700_000_000)

    welcome, text, button, row, voice, read, checkin = [
        (await _dispatch(body))[0] for body in (
            build.request_welcome(RESIDENT),
            build.text(RESIDENT, "Ik wil iets vertellen", wamid="wamid.IN-a"),
            build.button_reply(RESIDENT, "consent:yes", "✅ Ja", reply_to="wamid.OUT-1"),
            build.list_reply(RESIDENT, "wijk:oost", "Oosterpark", "Rond het park",
                             reply_to="wamid.OUT-2"),
            build.voice(RESIDENT, "4455"),
            build.status("wamid.OUT-1", "read", RESIDENT),
            build.template_button(RESIDENT, "checkin:good", "😀 Goed"),
        )
    ]

    assert welcome.type == MessageType.REQUEST_WELCOME
    assert (text.text, text.id, text.from_user.wa_id) == ("Ik wil iets vertellen", "wamid.IN-a",
                                                          RESIDENT)
    assert text.from_user.bsuid == bsuid_for(RESIDENT)
    assert text.timestamp.timestamp() == 1_700_000_000
    assert isinstance(button, CallbackButton)
    assert button.reply_to_message is not None
    assert (button.data, button.reply_to_message.id) == ("consent:yes", "wamid.OUT-1")
    assert isinstance(row, CallbackSelection)
    assert (row.data, row.description) == ("wijk:oost", "Rond het park")
    assert voice.type == MessageType.AUDIO and voice.audio.voice
    assert (read.id, read.status) == ("wamid.OUT-1", MessageStatusType.READ)
    assert (type(checkin), checkin.data) == (CallbackButton, "checkin:good")


async def test_pywa_handles_only_the_first_entry_of_a_batch() -> None:
    build = WebhookBuilder()
    batch = build.batch(build.text(RESIDENT, "een"), build.text(RESIDENT, "twee"))

    updates = await _dispatch(batch)

    assert [u.text for u in updates] == ["een"]


async def test_resident_message_through_fastapi_webhook_gets_a_reply(
    graph: FakeGraphApi,
) -> None:
    app = fastapi.FastAPI()
    async with graph.async_client() as session:
        bot = graph.whatsapp(session=session, server=app, webhook_endpoint="/webhooks/whatsapp",
                             verify_token="verify-me", app_secret=APP_SECRET)

        async def answer(_: PywaClient, msg: PywaMessage) -> None:
            await bot.send_message(to=msg.from_user.wa_id or msg.from_user.bsuid,
                                   text="Dank je wel!")

        bot.add_handlers(handlers.MessageHandler(answer))

        raw = to_raw(WebhookBuilder().text(RESIDENT, "Hallo"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://vertelpunt") as meta:
            unsigned = await meta.post("/webhooks/whatsapp", content=raw)
            forged = await meta.post("/webhooks/whatsapp", content=raw,
                                     headers={"X-Hub-Signature-256": "sha256=00"})
            signed = await meta.post("/webhooks/whatsapp", content=raw,
                                     headers=signed_headers(raw, APP_SECRET))

    # pywa's own route: a missing header fails FastAPI's validation (422), not 401.
    assert (unsigned.status_code, forged.status_code, signed.status_code) == (422, 403, 200)
    assert [m.text for m in graph.messages_to(RESIDENT)] == ["Dank je wel!"]


async def _dispatch(body: dict[str, Any]) -> list[Any]:
    """Run `body` through a pywa_async client (signed, validated) and collect typed updates."""
    collected: list[Any] = []

    async def collect(_: WhatsApp, update: Any) -> None:
        collected.append(update)

    wa = WhatsApp(phone_id="1122334455667", waba_id="1234567890987654321",
                  app_secret=APP_SECRET, verify_token="verify-me")
    wa.add_handlers(*(kind(collect) for kind in _TYPED_HANDLERS))
    raw = to_raw(body)
    assert await wa.webhook_update_validator(raw, signature(raw, APP_SECRET)) is None
    await wa.webhook_update_handler(raw)
    return collected


_TYPED_HANDLERS = [
    handlers.MessageHandler, handlers.CallbackButtonHandler, handlers.CallbackSelectionHandler,
    handlers.MessageStatusHandler, handlers.GroupMessageStatusesHandler,
    handlers.EditedMessageHandler, handlers.DeletedMessageHandler,
    handlers.PhoneNumberChangeHandler, handlers.IdentityChangeHandler,
    handlers.UserMarketingPreferencesHandler,
]


def test_graph_error_envelope_is_metas_shape() -> None:
    envelope = GraphError.of(131047).envelope()["error"]

    assert envelope["message"] == "(#131047) Re-engagement message"
    assert envelope["type"] == "OAuthException"
    assert envelope["error_data"]["messaging_product"] == "whatsapp"
