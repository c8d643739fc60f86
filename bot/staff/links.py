"""Start links for residents (a Telegram deep link, a WhatsApp code phrase) and their QR codes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

import qrcode  # type: ignore[import-untyped]  # qrcode ships no type information

from bot.staff.turn import StaffOptions

App = Literal["telegram", "whatsapp"]


@dataclass(frozen=True, slots=True)
class StartLink:
    """A link that opens a chat with the bot and starts it with a payload."""

    app: App
    url: str


def telegram_link(username: str, payload: str) -> str:
    """`https://t.me/<bot>?start=<payload>`: Telegram sends the bot `/start <payload>`."""
    return f"https://t.me/{username.lstrip('@')}?start={payload}"


def start_links(options: StaffOptions, payload: str, language: str) -> list[StartLink]:
    """A link for every configured app; the WhatsApp phrase is in `language`."""
    links = []
    if options.telegram_username:
        links.append(StartLink("telegram", telegram_link(options.telegram_username, payload)))
    if options.whatsapp_number:
        # Imported here: the WhatsApp package loads pywa, which only WhatsApp links need.
        from bot.channels.whatsapp.invites import invite_link
        from bot.channels.whatsapp.phrases import load_phrases

        phrase_language = language if language in load_phrases() else "nl"
        links.append(StartLink(
            "whatsapp", invite_link(options.whatsapp_number, payload, phrase_language)
        ))
    return links


def qr_png(url: str) -> bytes:
    """A QR code of the link as a PNG image, large enough to scan from a printed card."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10,
                         border=4)
    code.add_data(url)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()
