"""The HTTP edge of the fake Graph API: parse a request, write the answer."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from tests.fakes.graph_errors import invalid_parameter
from tests.fakes.graph_limits import Rejected
from tests.fakes.graph_records import StoredMedia

VERSION = re.compile(r"v\d+(\.\d+)?")


@dataclasses.dataclass(frozen=True, slots=True)
class GraphRequest:
    """One request to the fake, independent of the HTTP server."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def parts(self) -> list[str]:
        """Path segments, e.g. `["v26.0", "1122334455667", "messages"]`."""
        return [part for part in self.path.split("/") if part]

    @property
    def version(self) -> str:
        """The Graph API version in the path (`26.0`), or `""` without one."""
        parts = self.parts
        return parts[0][1:] if parts and VERSION.fullmatch(parts[0]) else ""

    @property
    def graph_parts(self) -> list[str]:
        """Path segments after the version: `["1122334455667", "messages"]`."""
        return self.parts[1:] if self.version else self.parts

    def json(self) -> dict[str, Any]:
        """The JSON object body; a Graph error (code 100) when it is not one."""
        try:
            value = json.loads(self.body or b"null")
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise Rejected(invalid_parameter("The request body must be a JSON object."))
        return value

    def json_or_none(self) -> Any:
        """The JSON body for the record, or None (multipart uploads, empty bodies)."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclasses.dataclass(frozen=True, slots=True)
class GraphResponse:
    """Status and body (JSON-able, or raw bytes for media downloads)."""

    status: int
    body: Any
    content_type: str = "application/json"


class GraphRequestHandler(BaseHTTPRequestHandler):
    """Hands each request to `server.answer(GraphRequest) -> GraphResponse`."""

    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    # Headers and body go out in two writes: with Nagle's algorithm the body waited for the
    # client's delayed ACK, about 40 ms on every call, which Meta's servers do not add.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        """Answer a GET."""
        self._handle()

    def do_POST(self) -> None:
        """Answer a POST."""
        self._handle()

    def do_DELETE(self) -> None:
        """Answer a DELETE."""
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: request lines hold phone numbers and ids."""

    def _handle(self) -> None:
        url = urlsplit(self.path)
        request = GraphRequest(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self._read_body(),
        )
        response: GraphResponse = self.server.answer(request)  # type: ignore[attr-defined]
        if isinstance(response.body, bytes):
            payload = response.body
        else:
            payload = json.dumps(response.body).encode()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _read_chunked(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(chunks)


class RedirectTransport(httpx.AsyncBaseTransport):
    """Sends each request to 127.0.0.1:<port>, keeping path, query and the Host header."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self._port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def media_info(media: StoredMedia) -> dict[str, Any]:
    """What `GET /{media_id}` answers; the URL leads back to the fake via the transport."""
    return {
        "messaging_product": "whatsapp",
        "url": f"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid={media.id}",
        "mime_type": media.mime_type,
        "sha256": hashlib.sha256(media.data).hexdigest(),
        "file_size": len(media.data),
        "id": media.id,
    }


def multipart_fields(request: GraphRequest) -> dict[str, tuple[str | None, bytes]]:
    """`name -> (filename, bytes)` of a multipart/form-data body."""
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        fields[str(name)] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
    return fields
