"""A WhatsApp server killed mid-batch (SIGKILL, no clean-up) and started again: every reply
goes out exactly once, in each chat in the order the turns queued them, none ends failed.

`vertelpunt serve` sends the replies of committed turns to the fake Graph API (real HTTP),
which, as Meta does, follows every accepted message with "sent" and "delivered" status
webhooks that echo the message's tracker, POSTed to the server and again until it answers
200. The fake answers each send only a moment after it accepted the message, so the kill
always leaves messages that went out while their sender never learned it: the restarted
server must learn it from their statuses instead of sending them again.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from bot.channels.messages import payload_from_dict
from bot.channels.whatsapp.render import WhatsAppRenderer
from bot.channels.whatsapp.tracker import tracker_for
from bot.service import Collaborators, ConversationService
from flows.forms.schema import Form
from flows.texts import Texts
from nlu import answers
from storage.crypto import AddressCipher, new_key
from storage.db import Database
from storage.models import OutboxMessage
from tests.channels.unsent_turns import start_and_answer
from tests.conftest import REPO, TEST_SECRET
from tests.fakes.graph_http import GraphRequest, GraphResponse
from tests.fakes.run_fake import TimedGraphApi

APP_SECRET = "crash-app-secret"
RESIDENTS = 12
PRESSES = 3
LEASE = 3  # seconds: the restarted server takes the killed one's rows over after this
CONFIRM = 2  # seconds a row in doubt waits for its status webhook
ANSWER_AFTER = 0.3  # seconds between accepting a message and answering the send


class SlowToAnswer(TimedGraphApi):
    """The fake Graph API, answering a send (and sending its statuses) only a moment after
    it accepted the message."""

    def _follow_up(self, request: GraphRequest, response: GraphResponse) -> None:
        if request.method == "POST" and request.path.endswith("/messages"):
            time.sleep(ANSWER_AFTER)
        super()._follow_up(request, response)


def _address(n: int) -> str:
    return f"3162{n:07d}"


def _turns(service: ConversationService) -> None:
    """Each resident starts and answers a few questions; nothing is sent yet."""
    for n in range(RESIDENTS):
        start_and_answer(service, "whatsapp", _address(n), PRESSES)


def _expected(db: Database, texts: Texts) -> dict[str, list[str]]:
    """Per participant, the trackers of the messages its outbox rows become, in order."""
    renderer = WhatsAppRenderer(texts)
    by_participant: dict[str, list[str]] = {}
    with db.transaction() as session:
        for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
            parts = len(renderer.render(payload_from_dict(row.payload)))
            by_participant.setdefault(row.participant_id, []).extend(
                tracker_for(row.id, part, parts) for part in range(1, parts + 1))
    return by_participant


def _statuses(db: Database) -> list[str]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage.status)))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def graph() -> Iterator[SlowToAnswer]:
    fake = SlowToAnswer()
    fake.start()
    # The killed server leaves answers unread: not an error worth a traceback here.
    fake._server.handle_error = lambda *_: None  # type: ignore[method-assign]
    yield fake
    fake.stop()


def test_a_server_killed_mid_batch_sends_every_reply_once_and_in_order(
    db: Database, graph: SlowToAnswer, form: Form, texts: Texts
) -> None:
    key = new_key()
    service = ConversationService(db, form, texts, TEST_SECRET, AddressCipher([key]),
                                  Collaborators(answers=answers))
    _turns(service)
    expected = _expected(db, texts)
    total = sum(len(trackers) for trackers in expected.values())
    assert total > 60

    port = _free_port()
    env = {**os.environ, "VERTELPUNT_DATABASE_URL": db.engine.url.render_as_string(False),
           "VERTELPUNT_SECRET_KEY": TEST_SECRET, "VERTELPUNT_ENCRYPTION_KEYS": key,
           "VERTELPUNT_WHATSAPP_PHONE_ID": graph.phone_id, "VERTELPUNT_WHATSAPP_TOKEN": graph.token,
           "VERTELPUNT_WHATSAPP_APP_SECRET": APP_SECRET,
           "VERTELPUNT_WHATSAPP_VERIFY_TOKEN": "crash-verify",
           "VERTELPUNT_WHATSAPP_BUSINESS_ACCOUNT_ID": graph.waba_id,
           "VERTELPUNT_WHATSAPP_API_URL": graph.base_url,
           "VERTELPUNT_WHATSAPP_CONFIRM_SECONDS": str(CONFIRM),
           "VERTELPUNT_SEND_LEASE_SECONDS": str(LEASE), "VERTELPUNT_SEND_POLL_SECONDS": "0.2",
           "VERTELPUNT_LOG_LEVEL": "WARNING"}
    for name in ("VERTELPUNT_RASA_URL", "VERTELPUNT_TELEGRAM_TOKEN"):
        env.pop(name, None)
    base_url = f"http://127.0.0.1:{port}"
    graph.send_statuses(base_url + "/webhooks/whatsapp", APP_SECRET)

    def start() -> subprocess.Popen[bytes]:
        server = subprocess.Popen(
            [sys.executable, "-m", "bot.cli.main", "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

        def healthy() -> bool:
            if server.poll() is not None:
                raise AssertionError(server.communicate()[1].decode()[-2000:])
            try:
                return httpx.get(base_url + "/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(healthy, 120, "the server to start")
        return server

    first = start()
    try:
        _wait(lambda: len(graph.messages) >= total * 0.4, 120, "40 % of the messages")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        first.kill()
    accepted = {message.tracker for message in graph.messages}
    assert len(accepted) < total  # killed mid-way, not after the end
    with db.transaction() as session:
        pending = set(session.scalars(select(OutboxMessage.id)
                                      .where(OutboxMessage.status == "pending")))
    # Rows whose last message Meta accepted, that the killed server never recorded as sent.
    in_doubt = [tracker for trackers in expected.values() for tracker in trackers
                if tracker in accepted and int(tracker.split(":")[1]) in pending]
    assert in_doubt, "the kill left no message in doubt: the test tests nothing"

    second = start()
    try:
        _wait(lambda: "pending" not in _statuses(db), 120, "every row to be sent")
        _wait(lambda: graph.statuses_delivered >= 2 * len(graph.messages), 60,
              "every status webhook to be answered")
        second.send_signal(signal.SIGTERM)
        _, errors = second.communicate(timeout=60)
    finally:
        second.kill()
    # uvicorn ends by raising the signal it stopped for again, once it stopped cleanly.
    assert second.returncode in (0, -signal.SIGTERM), errors.decode()[-2000:]
    assert b"Traceback" not in errors, errors.decode()[-2000:]

    assert set(_statuses(db)) <= {"sent", "delivered"}  # none pending, none failed
    for participant, trackers in expected.items():
        wa_id = next(_address(n) for n in range(RESIDENTS)
                     if service.participant_id("whatsapp", _address(n)) == participant)
        received = [message.tracker for message in graph.messages_to(wa_id)]
        assert received == trackers, (wa_id, received, trackers)  # each once, in order
