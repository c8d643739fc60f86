"""`/webhooks/whatsapp`: Meta's verify handshake, and signed deliveries handled before 200.

pywa's own routes are not used: they answer 422 for a missing signature and 200 for a broken
body, and run handlers after answering, so a failure could never make Meta deliver again.
"""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from pywa import utils as pywa_utils

from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.graph import build_whatsapp, graph_session, required
from bot.channels.whatsapp.inbound import CHANNEL
from bot.channels.whatsapp.updates import UNREADABLE, IgnoredUpdate, WebhookBody
from bot.runtime import Runtime

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhooks/whatsapp"


def install_whatsapp(app: FastAPI, runtime: Runtime) -> WhatsAppChannel:
    """Add the WhatsApp webhook and its start and stop to the app; refuses half a configuration."""
    # Imported here: bot.server calls this from create_app and must finish loading first.
    from bot.server import add_lifecycle, add_send_loop

    required(runtime.settings, "phone_id", "token", "app_secret", "verify_token")
    session = graph_session(runtime.settings.whatsapp_api_url)
    channel = WhatsAppChannel(runtime, build_whatsapp(runtime.settings, session), session)
    app.state.whatsapp = channel
    add_send_loop(app, CHANNEL, channel.sending)
    add_routes(app, channel)
    add_lifecycle(app, channel.startup, channel.shutdown)
    return channel


def add_routes(app: FastAPI, channel: WhatsAppChannel) -> None:
    """The GET handshake and the POST of updates; the POST as a plain route (`add_route`),
    as FastAPI's request handling cost more than the route's own work."""

    @app.get(WEBHOOK_PATH, include_in_schema=False)
    async def verify(request: Request) -> PlainTextResponse:
        query = request.query_params
        if query.get("hub.mode") != "subscribe" or not query.get(pywa_utils.HUB_VT):
            return PlainTextResponse("Forbidden", status_code=403)
        answer, status = await channel.wa.webhook_challenge_handler(
            query.get(pywa_utils.HUB_VT), query.get(pywa_utils.HUB_CH)
        )
        return PlainTextResponse(answer or "", status_code=status)

    async def receive(request: Request) -> PlainTextResponse:
        raw = await request.body()
        signature = request.headers.get(pywa_utils.HUB_SIG)
        if signature is not None and not signature.isascii():
            # hmac.compare_digest refuses non-ASCII text; such a header is forged anyway.
            return PlainTextResponse("Forbidden", status_code=403)
        refused = await channel.wa.webhook_update_validator(raw, signature)
        if refused is not None:
            return PlainTextResponse(refused[0], status_code=refused[1])
        body = _readable(raw, channel.phone_id)
        if body is None:
            # 200: Meta would deliver it again and again, and it would never be readable.
            return PlainTextResponse("ok")
        try:
            await channel.process(body)
        except Exception as error:  # any failure before commit: Meta must deliver again
            # Only the type: messages of database errors can hold the text that was sent.
            log.error("whatsapp update not handled: %s", type(error).__name__)
            log.debug("whatsapp update failure", exc_info=True)
            return PlainTextResponse("Try again", status_code=500)
        return PlainTextResponse("ok")

    app.add_route(WEBHOOK_PATH, receive, methods=["POST"], include_in_schema=False)


def _readable(raw: bytes, phone_id: str) -> WebhookBody | None:
    """The updates of a signed body, or None (logged in one line) when it is no JSON."""
    try:
        body = WebhookBody.from_update(json.loads(raw), phone_id)
    except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
        log.warning("whatsapp: delivery dropped: it cannot be read (%s)", type(error).__name__)
        return None
    broken = sum(1 for u in body.updates
                 if isinstance(u, IgnoredUpdate) and u.reason == UNREADABLE)
    if broken:
        log.warning("whatsapp: %d update(s) of a delivery dropped: they cannot be read", broken)
    return body
