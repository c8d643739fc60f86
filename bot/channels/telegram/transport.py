"""The Bot API's HTTP transport for python-telegram-bot, on aiohttp.

PTB's own transport (httpx) costs a large share of a busy bot's CPU per call: httpx builds
and checks much per request, and httpcore looks at every pooled connection on each one.
aiohttp's client does the same work in less. Parameters go as one JSON body (the Bot API
takes JSON as well as forms): form-encoding every text and keyboard, as PTB's transport
does, cost more than the call's other client work. Uploads (files, voice notes, QR codes)
keep PTB's httpx transport, which builds multipart bodies as PTB expects.
"""

from __future__ import annotations

from typing import Final

import aiohttp
import orjson
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.channels.proxy import environment_proxy

READ_TIMEOUT: Final = 5.0
CONNECT_TIMEOUT: Final = 5.0
JSON_BODY: Final = "application/json"


class AiohttpRequest(BaseRequest):
    """Keep-alive connections (at most `connections`), the parameters as a JSON body; a
    request with files goes through `uploads`. Through the proxy the environment names for
    `api_url`, if any, as PTB's httpx transport (which `uploads` is) goes."""

    def __init__(self, connections: int, pool_timeout: float, api_url: str) -> None:
        self._connections = connections
        self._pool_timeout = pool_timeout
        self._api_url = api_url
        self._session: aiohttp.ClientSession | None = None
        self._uploads = HTTPXRequest(connection_pool_size=1, pool_timeout=pool_timeout)

    @property
    def read_timeout(self) -> float | None:
        return READ_TIMEOUT

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            proxy, proxy_auth = environment_proxy(self._api_url)
            self._session = aiohttp.ClientSession(connector=connector, proxy=proxy,
                                                  proxy_auth=proxy_auth)
        await self._uploads.initialize()

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
        await self._uploads.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is not None and request_data.contains_files:
            return await self._uploads.do_request(url, method, request_data, read_timeout,
                                                  write_timeout, connect_timeout, pool_timeout)
        if self._session is None:
            raise RuntimeError("This AiohttpRequest is not initialized")
        timeout = aiohttp.ClientTimeout(
            sock_read=_seconds(read_timeout, READ_TIMEOUT),
            sock_connect=_seconds(connect_timeout, CONNECT_TIMEOUT),
            connect=_seconds(pool_timeout, self._pool_timeout),
        )
        # PTB's `parameters` are JSON values already (objects turned into dicts).
        data = orjson.dumps(request_data.parameters) if request_data is not None else None
        headers = {"User-Agent": self.USER_AGENT, "Content-Type": JSON_BODY}
        try:
            async with self._session.request(method, url, data=data, timeout=timeout,
                                             headers=headers) as res:
                return res.status, await res.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}") from error


def _seconds(value: ODVInput[float], default: float) -> float | None:
    if isinstance(value, DefaultValue):
        return default
    return value
