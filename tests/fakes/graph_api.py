"""A fake WhatsApp Cloud (Graph) API: a real HTTP server on 127.0.0.1 for pywa's client.

pywa hard-codes `https://graph.facebook.com/v{api_version}` into its httpx session
(`pywa.api.GraphAPI.__init__` sets `session.base_url`), so a `base_url` on the session we
pass is overwritten. `FakeGraphApi.transport()` therefore rewrites every request's URL to
this server while keeping path and query; pass `session=fake.async_client()` to
`pywa_async.WhatsApp`, or use `fake.whatsapp(session=...)`.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from typing import Any, Literal

import httpx
import pytest
from pywa_async.client import WhatsApp

from tests.fakes.graph_errors import GraphError, unsupported_request
from tests.fakes.graph_http import (
    GraphRequest,
    GraphRequestHandler,
    GraphResponse,
    RedirectTransport,
    media_info,
    multipart_fields,
)
from tests.fakes.graph_limits import LengthUnit, MessageRules, Rejected
from tests.fakes.graph_records import (
    RecordedMessage,
    RecordedRequest,
    StoredMedia,
    new_media_id,
    new_wamid,
    recipient_key,
)
from tests.fakes.graph_templates import StoredTemplate, TemplateStore, new_template_id

Report = Literal["response", "status"]
MessageFilter = Callable[[RecordedMessage], bool]


class FakeGraphApi:
    """Serves the Graph API paths pywa uses and checks every message against WhatsApp's limits."""

    def __init__(
        self,
        *,
        phone_id: str = "1122334455667",
        waba_id: str = "1234567890987654321",
        display_phone_number: str = "31201234567",
        token: str | None = "test-token",
        template_status_on_create: str = "PENDING",
        check_templates: bool = True,
        length_unit: LengthUnit = "code_points",
    ) -> None:
        self.phone_id, self.waba_id = phone_id, waba_id
        self.display_phone_number, self.token = display_phone_number, token
        self.check_templates = check_templates
        self.rules = MessageRules(length_unit)
        self.template_store = TemplateStore(template_status_on_create)
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._reset_state()

    def _reset_state(self) -> None:
        self._messages: list[RecordedMessage] = []
        self._requests: list[RecordedRequest] = []
        self._media: dict[str, StoredMedia] = {}
        self._read: list[str] = []
        self._faults: collections.deque[tuple[str, GraphError]] = collections.deque()
        self._closed_windows: dict[str, Report] = {}
        self._undeliverable: dict[str, Report] = {}

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeGraphApi:
        """Listen on a free port of 127.0.0.1 in a background thread."""
        server = ThreadingHTTPServer(("127.0.0.1", 0), GraphRequestHandler)
        server.daemon_threads = True
        server.answer = self._answer  # type: ignore[attr-defined]  # read by GraphRequestHandler
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and wait for the server thread."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeGraphApi:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget recorded traffic, faults, policies and media (templates stay)."""
        with self._changed:
            self._reset_state()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._server is None:
            raise RuntimeError("FakeGraphApi is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`; Graph paths follow it: `/v26.0/{phone_id}/messages`."""
        return f"http://127.0.0.1:{self.port}"

    # -- pointing clients at the fake ------------------------------------------------------

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport that sends every request (any host) to this server."""
        return RedirectTransport(self.port)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An `httpx.AsyncClient` for `pywa_async.WhatsApp(session=...)`; one per client."""
        return httpx.AsyncClient(transport=self.transport(), **kwargs)

    def whatsapp(self, *, session: httpx.AsyncClient, **kwargs: Any) -> WhatsApp:
        """A `pywa_async.WhatsApp` for this fake's phone, WABA and token (kwargs override)."""
        options: dict[str, Any] = {
            "phone_id": self.phone_id,
            "token": self.token or "test-token",
            "waba_id": self.waba_id,
        }
        return WhatsApp(session=session, **(options | kwargs))

    # -- policies and faults ---------------------------------------------------------------

    def set_window_closed(self, recipient: str, *, report: Report = "response") -> None:
        """Refuse non-template messages to `recipient` with 131047 (outside 24 h window).

        `report="response"` answers the send with the error; `"status"` accepts it (200 and
        a wamid, as Meta often does) and marks the record `error` for a `failed` webhook.
        """
        with self._changed:
            self._closed_windows[recipient_key(recipient)] = report

    def set_window_open(self, recipient: str) -> None:
        """The resident wrote again: free-form messages are allowed."""
        with self._changed:
            self._closed_windows.pop(recipient_key(recipient), None)

    def set_undeliverable(self, recipient: str, *, report: Report = "response") -> None:
        """Every message to `recipient` fails with 131026 (not on WhatsApp, blocked, …)."""
        with self._changed:
            self._undeliverable[recipient_key(recipient)] = report

    def fail_next(
        self, error: GraphError | int, *, times: int = 1, endpoint: str = "messages"
    ) -> None:
        """Answer the next `times` requests whose path ends in `endpoint` with `error`."""
        fault = error if isinstance(error, GraphError) else GraphError.of(error)
        with self._changed:
            self._faults.extend([(endpoint, fault)] * times)

    def add_template(
        self,
        name: str,
        language: str,
        body_text: str,
        *,
        category: str = "UTILITY",
        status: str = "APPROVED",
        components: list[dict[str, Any]] | None = None,
    ) -> StoredTemplate:
        """Seed a template (approved by default) with `body_text` as its BODY."""
        body = {"type": "BODY", "text": body_text}
        template = StoredTemplate(
            id=new_template_id(), name=name, language=language, category=category,
            status=status, components=[body, *(components or [])],
        )
        with self._changed:
            return self.template_store.add(template)

    def set_template_status(self, name: str, language: str, status: str) -> None:
        """Approve, reject or pause a template (as Meta's review would)."""
        with self._changed:
            template = self.template_store.find(name, language)
            if template is None:
                raise KeyError(f"no template {name} ({language})")
            template.status = status

    def add_media(self, media_id: str, data: bytes, mime_type: str = "audio/ogg") -> None:
        """Hold media a resident sent (e.g. a voice note) so pywa can download it."""
        with self._changed:
            self._media[media_id] = StoredMedia(id=media_id, mime_type=mime_type, data=data)

    # -- records ---------------------------------------------------------------------------

    @property
    def messages(self) -> list[RecordedMessage]:
        """Every accepted message, oldest first."""
        with self._changed:
            return list(self._messages)

    def messages_to(self, *recipients: str) -> list[RecordedMessage]:
        """Accepted messages to any of `recipients` (wa_id, +31 6 … or BSUID)."""
        keys = {recipient_key(recipient) for recipient in recipients}
        return [m for m in self.messages if recipient_key(m.recipient) in keys]

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request answered, including refused ones."""
        with self._changed:
            return list(self._requests)

    @property
    def rejected(self) -> list[RecordedRequest]:
        """Requests answered with a Graph error."""
        return [r for r in self.requests if r.status >= 400]

    @property
    def uploads(self) -> list[StoredMedia]:
        """Media uploaded through `POST /{phone_id}/media`."""
        with self._changed:
            return [m for m in self._media.values() if m.phone_id is not None]

    @property
    def read_receipts(self) -> list[str]:
        """wamids marked as read (`status: read`, with or without typing indicator)."""
        with self._changed:
            return list(self._read)

    @property
    def templates(self) -> list[StoredTemplate]:
        """Every template of the WABA."""
        with self._changed:
            return self.template_store.all()

    def wait_for(
        self, where: MessageFilter | None = None, *, count: int = 1, timeout: float = 5.0
    ) -> list[RecordedMessage]:
        """Block until `count` accepted messages match `where`; return the matches."""
        matching: list[RecordedMessage] = []

        def enough() -> bool:
            matching[:] = [m for m in self._messages if where is None or where(m)]
            return len(matching) >= count

        with self._changed:
            if not self._changed.wait_for(enough, timeout=timeout):
                raise AssertionError(
                    f"waited {timeout}s for {count} message(s), got {len(matching)}; "
                    f"all: {[(m.type, m.text) for m in self._messages]}"
                )
        return matching

    async def wait_for_async(
        self, where: MessageFilter | None = None, *, count: int = 1, timeout: float = 5.0
    ) -> list[RecordedMessage]:
        """`wait_for` without blocking the event loop that is sending the messages."""
        return await asyncio.to_thread(self.wait_for, where, count=count, timeout=timeout)

    # -- answering -------------------------------------------------------------------------

    def _answer(self, request: GraphRequest) -> GraphResponse:
        """Answer one request and record it; called on the server's threads."""
        with self._changed:
            try:
                response = self._route(request)
            except Rejected as rejected:
                error = rejected.error
                response = GraphResponse(error.status, error.envelope())
            self._requests.append(RecordedRequest(
                method=request.method, path=request.path, query=request.query,
                headers=request.headers, json=request.json_or_none(),
                status=response.status, answer=response.body,
            ))
            self._changed.notify_all()
            return response

    def _route(self, request: GraphRequest) -> GraphResponse:
        self._authorise(request)  # media downloads need the bearer token too, as at Meta
        if request.parts[:2] == ["whatsapp_business", "attachments"]:
            return self._download(request)
        self._take_fault(request.path)
        parts, method = request.graph_parts, request.method
        if parts == [self.phone_id, "messages"] and method == "POST":
            return self._post_message(request)
        if parts == [self.phone_id, "marketing_messages"] and method == "POST":
            return self._post_message(request)
        if parts == [self.phone_id, "media"] and method == "POST":
            return self._upload(request)
        if parts == [self.waba_id, "message_templates"]:
            return self._templates(request)
        if len(parts) == 1 and method in ("GET", "DELETE"):
            return self._get_or_delete_object(request, parts[0])
        raise Rejected(unsupported_request(method, request.path))

    def _authorise(self, request: GraphRequest) -> None:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not bearer or (self.token is not None and bearer != self.token):
            raise Rejected(GraphError(code=190, details="Error validating access token."))

    def _take_fault(self, path: str) -> None:
        if self._faults and path.rstrip("/").endswith(self._faults[0][0]):
            raise Rejected(self._faults.popleft()[1])

    def _post_message(self, request: GraphRequest) -> GraphResponse:
        body = request.json()
        if body.get("status") == "read":
            self._read.append(body.get("message_id", ""))
            return GraphResponse(200, {"success": True})
        error = self.rules.check(body)
        if error is None and body.get("type") == "template" and self.check_templates:
            error = self.template_store.check_send(body["template"])
        if error is not None:
            raise Rejected(error)
        recipient = str(body.get("to") or body.get("recipient"))
        failure = self._recipient_failure(recipient, body.get("type", "text"))
        message = RecordedMessage(
            wamid=new_wamid(self.phone_id, recipient), phone_id=self.phone_id,
            recipient=recipient, api_version=request.version, body=body, error=failure,
        )
        self._messages.append(message)
        contact = {"input": recipient}
        contact["wa_id" if "to" in body else "user_id"] = recipient_key(recipient)
        sent: dict[str, Any] = {"id": message.wamid}
        if message.type == "template":
            sent["message_status"] = "accepted"
        return GraphResponse(200, {
            "messaging_product": "whatsapp", "contacts": [contact], "messages": [sent],
        })

    def _recipient_failure(self, recipient: str, kind: str) -> GraphError | None:
        """131026/131047 by policy: raised now, or returned to mark the record failed."""
        key = recipient_key(recipient)
        policies = [(self._undeliverable, 131026)]
        if kind != "template":
            policies.append((self._closed_windows, 131047))
        for policy, code in policies:
            if key in policy:
                if policy[key] == "response":
                    raise Rejected(GraphError.of(code))
                return GraphError.of(code)
        return None

    def _upload(self, request: GraphRequest) -> GraphResponse:
        fields = multipart_fields(request)
        file_field = fields.get("file")
        if file_field is None or fields.get("messaging_product", (None, b""))[1] != b"whatsapp":
            raise Rejected(GraphError(code=100, details="Upload needs file and messaging_product"))
        media = StoredMedia(
            id=new_media_id(), phone_id=self.phone_id, filename=file_field[0],
            mime_type=fields.get("type", (None, b"application/octet-stream"))[1].decode(),
            data=file_field[1],
        )
        self._media[media.id] = media
        return GraphResponse(200, {"id": media.id})

    def _get_or_delete_object(self, request: GraphRequest, object_id: str) -> GraphResponse:
        if object_id in self._media:
            if request.method == "DELETE":
                del self._media[object_id]
                return GraphResponse(200, {"success": True})
            return GraphResponse(200, media_info(self._media[object_id]))
        template = self.template_store.by_id(object_id)
        if template is not None and request.method == "GET":
            return GraphResponse(200, template.as_graph())
        if object_id == self.phone_id and request.method == "GET":
            return GraphResponse(200, {
                "id": self.phone_id, "display_phone_number": self.display_phone_number,
                "verified_name": "Vertelpunt", "quality_rating": "GREEN",
            })
        raise Rejected(unsupported_request(request.method, request.path))

    def _templates(self, request: GraphRequest) -> GraphResponse:
        store = self.template_store
        if request.method == "POST":
            return GraphResponse(200, store.create(request.json()))
        if request.method == "GET":
            return GraphResponse(200, store.listing(request.query))
        if request.method == "DELETE":
            return GraphResponse(200, {"success": store.delete(request.query.get("name", ""))})
        raise Rejected(unsupported_request(request.method, request.path))

    def _download(self, request: GraphRequest) -> GraphResponse:
        self._authorise(request)
        media = self._media.get(request.query.get("mid", ""))
        if media is None:
            return GraphResponse(404, {"error": {"message": "Not found", "code": 100}})
        return GraphResponse(200, media.data, content_type=media.mime_type)


@pytest.fixture
def fake_graph_api() -> Iterator[FakeGraphApi]:
    """A started `FakeGraphApi`, stopped after the test."""
    with FakeGraphApi() as fake:
        yield fake




__all__ = ["FakeGraphApi", "GraphError", "RecordedMessage", "fake_graph_api"]
