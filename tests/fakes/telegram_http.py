"""The HTTP side of the fake Bot API: a threaded stdlib server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol


class RequestAnswerer(Protocol):
    """What the server asks for each request: (status, body, content type)."""

    def handle(self, path: str, content_type: str, body: bytes) -> tuple[int, bytes, str]: ...


class BotApiHttpServer(ThreadingHTTPServer):
    """One thread per connection, so a parked long poll never holds up a send."""

    daemon_threads = True

    def __init__(self, api: RequestAnswerer) -> None:
        super().__init__(("127.0.0.1", 0), _BotApiRequestHandler)
        self.api = api
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Condition()
        self._answering = 0  # requests between reading and having written their answer

    def track(self, connection: socket.socket, is_open: bool) -> None:
        with self._connections_lock:
            if is_open:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def answering(self, started: bool) -> None:
        """Count a request that is being answered (woken long polls among them)."""
        with self._connections_lock:
            self._answering += 1 if started else -1
            self._connections_lock.notify_all()

    def close_connections(self) -> None:
        """Wake handler threads idling on keep-alive connections, once every answer being
        written is out (else a client sees a cut-off body)."""
        with self._connections_lock:
            self._connections_lock.wait_for(lambda: self._answering == 0, timeout=5)
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class _BotApiRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server: BotApiHttpServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, is_open=True)

    def finish(self) -> None:
        self.server.track(self.connection, is_open=False)
        with contextlib.suppress(OSError):  # the client went away mid-response
            super().finish()

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        self.server.answering(started=True)
        try:
            self._read_and_answer()
        finally:
            self.server.answering(started=False)

    def _read_and_answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type", "")
        status, payload, payload_type = self.server.api.handle(self.path, content_type, body)
        try:
            self.send_response(status)
            self.send_header("Content-Type", payload_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # e.g. PTB cancelled a long poll

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; tests read `FakeBotApi.calls` instead."""
