"""A scheduler process for the exactly-once test: drains due check-ins, logs what it sent.

python -m tests.bot.checkin_worker DATABASE_URL KEY OUT_FILE NOW_ISO
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from bot.channels.messages import QueuedMessage
from bot.checkins import CheckInDispatcher, CheckInPolicy
from bot.outbox import SendResult
from bot.runtime import build_texts
from bot.send_loop import SendLoop
from bot.service import ConversationService
from bot.settings import Settings
from flows.forms.loader import load_form
from storage.crypto import AddressCipher
from storage.db import Database
from tests.conftest import DEFAULT_FORM, TEST_SECRET


class FileSender:
    """Appends one line per sent message; O_APPEND keeps lines of two processes whole."""

    confirm_seconds = 0.0

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    async def send(self, item: QueuedMessage) -> SendResult:
        os.write(self.fd, f"{os.getpid()} {item.address}\n".encode())
        await asyncio.sleep(0.02)
        return SendResult("sent", None)


def main() -> None:
    url, key, out, now_iso = sys.argv[1:5]
    now = datetime.fromisoformat(now_iso)
    form = load_form(DEFAULT_FORM)
    db = Database(url)
    service = ConversationService(db, form, build_texts(Settings(), form), TEST_SECRET,
                                  AddressCipher([key]), clock=lambda: now)
    # Start together: each worker says it is ready and waits for the go of the test.
    Path(f"{out}.ready.{os.getpid()}").touch()
    while not Path(f"{out}.go").exists():
        time.sleep(0.01)
    asyncio.run(_drain(service, out, now))
    db.dispose()


async def _drain(service: ConversationService, out: str, now: datetime) -> None:
    loop = SendLoop(service, {"telegram": FileSender(out)})
    await loop.start()
    try:
        await CheckInDispatcher(service, {"telegram": loop}, CheckInPolicy(batch=7),
                                clock=lambda: now).drain()
    finally:
        await loop.stop()


if __name__ == "__main__":
    main()
