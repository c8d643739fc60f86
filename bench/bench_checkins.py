"""10,000 due check-ins through the Telegram channel against a fake Bot API that allows
30 messages/s and answers 429 beyond it: sustained rate, rejections, exactly once.

Run by hand:  .venv/bin/python bench/bench_checkins.py [--count 10000]
PostgreSQL from VERTELPUNT_BENCH_POSTGRES_URL (a scratch database is made and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_engine import SECRET, drop_postgres, scratch_postgres  # noqa: E402
from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.channels.telegram.client import build_bot  # noqa: E402
from bot.checkins import CheckInDispatcher, CheckInPolicy  # noqa: E402
from bot.runtime import Runtime, build_texts  # noqa: E402
from bot.service import Collaborators, ConversationService  # noqa: E402
from bot.settings import Settings  # noqa: E402
from flows.forms.loader import load_form  # noqa: E402
from storage.crypto import AddressCipher, new_key  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import CheckIn, ContactAddress, ConversationState, Participant, Story  # noqa: E402
from tests.fakes.telegram_api import FakeBotApi  # noqa: E402

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
BATCH = 1000


def fill(db: Database, cipher: AddressCipher, count: int) -> None:
    ended = {"step": "ended", "consented": True, "language": "nl"}
    for start in range(0, count, BATCH):
        people = range(start, min(count, start + BATCH))
        with db.transaction() as session:
            session.execute(insert(Participant), [
                {"id": f"p{i:06d}", "language": "nl", "about": {}, "created_at": NOW}
                for i in people])
            session.execute(insert(ConversationState), [
                {"participant_id": f"p{i:06d}", "data": ended, "version": 1, "updated_at": NOW}
                for i in people])
            session.execute(insert(Story), [
                {"id": f"s{i:06d}", "participant_id": f"p{i:06d}", "form_id": "f",
                 "form_version": 1, "title": "Hulp bij schulden", "text": "t", "language": "nl",
                 "channel": "telegram", "created_at": NOW, "confirmed_at": NOW}
                for i in people])
            session.execute(insert(ContactAddress), [
                {"participant_id": f"p{i:06d}", "channel": "telegram",
                 "address": cipher.encrypt(str(800_000_000 + i)), "reachable": True,
                 "created_at": NOW} for i in people])
            session.execute(insert(CheckIn), [
                {"id": f"c{i:06d}", "participant_id": f"p{i:06d}", "story_id": f"s{i:06d}",
                 "channel": "telegram", "sequence": 1, "due_at": NOW, "status": "scheduled",
                 "attempts": 0} for i in people])


async def run(url: str, count: int) -> None:
    form = load_form(REPO / "flows" / "forms" / "default.yaml")
    cipher = AddressCipher([new_key()])
    db = Database(url, pool_size=8)
    fill(db, cipher, count)
    with FakeBotApi(rate_limit_per_second=30) as fake:
        settings = Settings(secret_key=SECRET, database_url=url, telegram_token=fake.token,
                            telegram_api_url=fake.base_url)
        texts = build_texts(settings, form)
        service = ConversationService(db, form, texts, SECRET, cipher, Collaborators(),
                                      clock=lambda: NOW)
        runtime = Runtime(settings, db, form, texts, cipher, service)
        channel = TelegramChannel(runtime, build_bot(settings))
        await channel.start()
        dispatcher = CheckInDispatcher(service, {"telegram": channel.sending},
                                       CheckInPolicy(batch=200), clock=lambda: NOW)
        started = time.perf_counter()
        report = await dispatcher.drain()
        elapsed = time.perf_counter() - started
        await channel.stop()
        chats = Counter(c.params.get("chat_id") for c in fake.calls_to("sendMessage") if c.ok)
    doubles = sum(1 for n in chats.values() if n > 1)
    print(f"{report.sent} check-ins sent in {elapsed:.1f} s: {report.sent / elapsed:.1f} "
          f"messages/s sustained; rejected by the fake (429): {fake.rejections['rate_limited']}; "
          f"chats that got more than one: {doubles}; distinct chats: {len(chats)} of {count}")
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    url, name = scratch_postgres()
    try:
        upgrade(url)
        asyncio.run(run(url, args.count))
    finally:
        drop_postgres(name)


if __name__ == "__main__":
    main()
