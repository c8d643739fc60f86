"""The pywa client for our business number, pointed at the configured Graph API address."""

from __future__ import annotations

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport
from pywa.utils import UserIdentifier
from pywa_async.client import WhatsApp

from bot.channels.contract import ChannelNotConfigured
from bot.channels.proxy import environment_proxy
from bot.settings import Settings

META_GRAPH_URL = "https://graph.facebook.com"
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
CONNECTIONS = 8
"""Connections to the Graph API; the sender keeps as many calls in flight."""
KEEP_ALIVE = 30.0


class WhatsAppNotConfigured(ChannelNotConfigured):
    """A setting the WhatsApp channel needs is missing."""


class RewriteHost(httpx.AsyncBaseTransport):
    """Sends every request to another Graph address, keeping path and query.

    pywa overwrites its session's `base_url` with Meta's address, so a test server or a
    staging proxy (`VERTELPUNT_WHATSAPP_API_URL`) can only take effect below pywa, here.
    """

    def __init__(self, api_url: str, inner: httpx.AsyncBaseTransport | None = None) -> None:
        target = httpx.URL(api_url)
        self._scheme, self._host, self._port = target.scheme, target.host, target.port
        self._prefix = target.path.rstrip("/")
        self._inner = inner or aiohttp_transport(api_url)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward one request to the configured host."""
        request.url = request.url.copy_with(
            scheme=self._scheme, host=self._host, port=self._port,
            path=self._prefix + request.url.path,
        )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the connections of the inner transport."""
        await self._inner.aclose()


def aiohttp_transport(api_url: str = META_GRAPH_URL) -> AiohttpTransport:
    """httpx's interface on aiohttp's connections: httpcore scans its pool and checks every
    socket on each request, which cost a third of the CPU of sending. As many connections as
    the sender keeps calls in flight (bot/channels/whatsapp/sender.py). A proxy in the
    environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) is used for `api_url`, read once when
    the connections are made, as httpx reads it once per client: aiohttp's `trust_env` would
    look it up, and read the netrc file, in a thread on every request."""

    def session() -> aiohttp.ClientSession:
        # Made on the first request, inside the running event loop.
        proxy, proxy_auth = environment_proxy(api_url)
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=CONNECTIONS, keepalive_timeout=KEEP_ALIVE),
            proxy=proxy, proxy_auth=proxy_auth,
        )

    return AiohttpTransport(client=session)


def graph_session(api_url: str = META_GRAPH_URL) -> httpx.AsyncClient:
    """An HTTP client for pywa that reaches `api_url` (Meta's own address needs no rewrite)."""
    if api_url.rstrip("/") == META_GRAPH_URL:
        return httpx.AsyncClient(timeout=TIMEOUT, transport=aiohttp_transport())
    return httpx.AsyncClient(timeout=TIMEOUT, transport=RewriteHost(api_url))


def required(settings: Settings, *names: str) -> dict[str, str]:
    """The named `whatsapp_*` settings as plain strings; refuses when one is missing."""
    found: dict[str, str] = {}
    for name in names:
        value = getattr(settings, f"whatsapp_{name}")
        text = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        if not text:
            raise WhatsAppNotConfigured(f"VERTELPUNT_WHATSAPP_{name.upper()} is not set")
        found[name] = str(text)
    return found


def build_whatsapp(settings: Settings, session: httpx.AsyncClient) -> WhatsApp:
    """A pywa client for sending, signature checks and templates; never its own server."""
    needed = required(settings, "phone_id", "token")
    return WhatsApp(
        phone_id=needed["phone_id"],
        token=needed["token"],
        waba_id=settings.whatsapp_business_account_id,
        app_secret=_secret(settings.whatsapp_app_secret),
        verify_token=_secret(settings.whatsapp_verify_token),
        session=session,
        # Every delivery is signed, checked before anything is read.
        validate_updates=True,
        # Duplicates are dropped by the database (by wamid), which also holds across processes.
        skip_duplicate_updates=False,
        user_identifier_priority=(
            UserIdentifier.WA_ID, UserIdentifier.BSUID, UserIdentifier.PARENT_BSUID,
        ),
    )


def _secret(value: object) -> str | None:
    if value is None:
        return None
    text = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    return str(text) or None
