"""Webhook throughput: many residents POST the scripted conversation to ONE uvicorn process.

Run by hand:
    .venv/bin/python bench/bench_telegram_webhook.py [--residents 300] [--concurrency 32]
        [--telegram-limits]

PostgreSQL is taken from VERTELPUNT_BENCH_POSTGRES_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/postgres); a scratch database is made
and dropped. Three processes: this one (the residents), the server (`uvicorn` with the real
runtime: scrubbing, NLU, language detection) and the fake Telegram Bot API (tests/fakes),
which answers the server's sends. By default Telegram's flood limits are lifted in the
server, so every reply is sent during the run; --telegram-limits keeps them, and the replies
then lag far behind (at 30 messages a second Telegram itself caps what one bot can say).
Residents post their next update as soon as the previous one got its 200, each pressing the
buttons of the question pending then (tokens from the pure engine). Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_engine import drop_postgres, scratch_postgres  # noqa: E402
from bench.webhook_common import (  # noqa: E402
    check_stored,
    cpu_seconds,
    drive,
    free_port,
    outbox_counts,
    report,
    wait_healthy,
    wait_sent,
)
from bot.channels.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH  # noqa: E402
from bot.runtime import build_texts  # noqa: E402
from bot.settings import Settings  # noqa: E402
from flows.forms.loader import load_form  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeBotApi  # noqa: E402
from tests.fakes.telegram_updates import UpdateFactory  # noqa: E402
from tests.scripts import FULL_CONVERSATION, EngineChat  # noqa: E402

SECRET = "bench-secret-bench-secret-bench-secret-0123"
WEBHOOK_SECRET = "bench-webhook-secret"
HEADERS = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
Step = tuple[str, str, str | None]  # kind, value, token of the question a button belongs to


def serve(port: int, telegram_limits: bool) -> None:
    """The server role: the real app with the Telegram webhook (flood limits lifted, unless
    asked for)."""
    import uvicorn

    from bot.channels.telegram import TelegramOptions, install_telegram
    from bot.runtime import build_runtime
    from bot.server import create_app

    runtime = build_runtime(Settings())
    app = create_app(runtime)
    lifted = TelegramOptions(overall_per_second=None, chat_pace=None)
    install_telegram(app, runtime, options=TelegramOptions() if telegram_limits else lifted)
    # Keep-alive longer than the client's (60 s), so the server never closes a
    # connection the client is just reusing.
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                timeout_keep_alive=75)


def fake_api() -> None:
    """The fake Bot API's role: its own process, so its threads do not slow the client's
    clock; prints its base URL, then answers until stdin closes."""
    with FakeBotApi() as fake:
        print(fake.base_url, flush=True)
        sys.stdin.read()
        calls = fake.calls
        print(f"{len(calls)} {sum(1 for c in calls if not c.ok)}", flush=True)


def scripted_steps() -> list[Step]:
    """/start, then the full conversation, each button with the token it will carry."""
    form = load_form(REPO / "flows" / "forms" / "default.yaml")
    chat = EngineChat(form, build_texts(Settings(secret_key=SECRET), form))
    chat.command("start")
    steps: list[Step] = [("command", "start", None)]
    for kind, value in FULL_CONVERSATION:
        token = str(chat.state.token) if kind == "choice" else None
        steps.append((kind, value, token))
        chat.press(value) if kind == "choice" else chat.text(value)
    return steps


def update_for(factory: UpdateFactory, user: dict[str, Any], step: Step) -> dict[str, Any]:
    kind, value, token = step
    if kind == "command":
        return factory.command(value, user=user)
    if kind == "text":
        return factory.text(value, user=user)
    return factory.callback_query(f"{token}:{value}", user=user)


def start_fake() -> tuple[subprocess.Popen[str], str]:
    fake = subprocess.Popen([sys.executable, __file__, "--fake"], cwd=REPO, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert fake.stdout is not None
    return fake, fake.stdout.readline().strip()


def stop_fake(fake: subprocess.Popen[str]) -> str:
    """Stop the fake; returns what it counted: Bot API calls and refused ones."""
    out, _ = fake.communicate(timeout=60)
    calls, refused = out.split()
    return f"{calls} Bot API calls ({refused} refused)"


def run(args: argparse.Namespace) -> None:
    url, name = scratch_postgres()
    fake, api_url = start_fake()
    port = free_port()
    env = {**os.environ, "VERTELPUNT_DATABASE_URL": url, "VERTELPUNT_SECRET_KEY": SECRET,
           "VERTELPUNT_TELEGRAM_TOKEN": DEFAULT_TOKEN, "VERTELPUNT_LOG_LEVEL": "WARNING",
           "VERTELPUNT_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
           "VERTELPUNT_TELEGRAM_API_URL": api_url}
    server = None
    try:
        upgrade(url)
        limits = ["--telegram-limits"] if args.telegram_limits else []
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), *limits],
                                  env=env, cwd=REPO)
        base_url = f"http://127.0.0.1:{port}"
        wait_healthy(base_url, server)
        steps = scripted_steps()
        factory = UpdateFactory()
        conversations = []
        for n in range(args.residents):
            user = factory.user(f"Bewoner {n}")
            conversations.append([(json.dumps(update_for(factory, user, step)).encode(), HEADERS)
                                  for step in steps])
        sending = ("at Telegram's pace (about 28 messages/s, about 1/s per chat)"
                   if args.telegram_limits else "flood limits lifted")
        print(f"one uvicorn process on PostgreSQL, sending {sending}; {args.residents} "
              f"residents, {len(steps)} updates each; {os.cpu_count()} cores on this machine, "
              f"load average {os.getloadavg()[0]:.1f} before the run")
        cpu0 = cpu_seconds(server.pid)
        latencies, failures, elapsed, client_cpu = asyncio.run(
            drive(base_url + WEBHOOK_PATH, conversations, args.concurrency))
        report(latencies, failures, elapsed, cpu_seconds(server.pid) - cpu0, client_cpu,
               args.residents, args.concurrency)
        db = Database(url)
        if args.telegram_limits:
            print(f"  replies still pending after the last 200: {outbox_counts(db)}")
        else:
            print(f"  replies all sent {wait_sent(db, 300):.1f} s after the last 200")
        check_stored(db)
        db.dispose()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        print(f"  fake Telegram: {stop_fake(fake)}")
        drop_postgres(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--telegram-limits", action="store_true",
                        help="send at Telegram's real pace; the replies then lag far behind")
    parser.add_argument("--fake", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fake:
        fake_api()
    elif args.serve:
        serve(args.serve, args.telegram_limits)
    else:
        run(args)


if __name__ == "__main__":
    main()
