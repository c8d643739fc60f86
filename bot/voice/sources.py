"""Where a voice note's audio is fetched: the platform that holds it, through its own client."""

from __future__ import annotations

from typing import Protocol

import httpx
from pywa.errors import WhatsAppError
from pywa_async.client import WhatsApp
from telegram import Bot
from telegram.error import BadRequest, TelegramError


class DownloadFailed(Exception):
    """The platform did not hand the file over now; trying again later may work."""


class FileGone(Exception):
    """The platform no longer has the file (or never had it): trying again will not help."""


class AudioSource(Protocol):
    """Fetches the audio behind a platform's file reference, in memory."""

    async def download(self, file_ref: str) -> bytes: ...


class TelegramAudio:
    """getFile for the file's path, then the file itself from the Bot API's file address."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def download(self, file_ref: str) -> bytes:
        """The voice note's bytes."""
        try:
            found = await self.bot.get_file(file_ref)
            return bytes(await found.download_as_bytearray())
        except BadRequest as error:  # "wrong file_id", "file is too big"
            raise FileGone(type(error).__name__) from error
        except TelegramError as error:
            raise DownloadFailed(type(error).__name__) from error


class WhatsAppAudio:
    """The media's URL from the Graph API, then the media with the bearer token."""

    def __init__(self, client: WhatsApp) -> None:
        self.client = client

    async def download(self, file_ref: str) -> bytes:
        """The voice note's bytes."""
        try:
            found = await self.client.get_media_url(file_ref)
            return await self.client.get_media_bytes(found.url)
        except httpx.HTTPError as error:
            raise DownloadFailed(type(error).__name__) from error
        except WhatsAppError as error:  # the media id is unknown or expired
            raise FileGone(type(error).__name__) from error
