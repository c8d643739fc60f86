"""Webhook throughput: many residents POST signed WhatsApp updates to ONE uvicorn process.

Run by hand:  .venv/bin/python bench/bench_whatsapp_webhook.py [--residents 400] [--concurrency 64]

PostgreSQL is taken from VERTELPUNT_BENCH_POSTGRES_URL (see bench_engine.py); a scratch
database is made and dropped. The fake Graph API (tests/fakes) runs in this process and takes
the server's sends through pywa; the server is a separate process running `uvicorn` with the
real runtime. Every body is signed (X-Hub-Signature-256) before the clock starts. Residents
post their next update as soon as the previous one got its 200, each pressing the button of
the question pending at that point (tokens from the pure engine). Replies are sent after the
200, so "replies all sent" shows how far sending trails the webhook. Prints figures, asserts
nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_engine import drop_postgres, scratch_postgres  # noqa: E402
from bench.webhook_common import (  # noqa: E402
    Delivery,
    check_stored,
    cpu_seconds,
    drive,
    free_port,
    report,
    wait_healthy,
    wait_sent,
)
from bot.channels.whatsapp.webhook import WEBHOOK_PATH  # noqa: E402
from bot.runtime import build_texts  # noqa: E402
from bot.settings import Settings  # noqa: E402
from flows.forms.loader import load_form  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.fakes.graph_api import FakeGraphApi  # noqa: E402
from tests.fakes.whatsapp_webhooks import WebhookBuilder, signed_headers, to_raw  # noqa: E402
from tests.scripts import FULL_CONVERSATION, EngineChat  # noqa: E402

SECRET = "bench-secret-bench-secret-bench-secret-0123"
APP_SECRET = "bench-app-secret"
Step = tuple[str, str, str | None]  # kind, value, token of the question a button belongs to


def serve(port: int) -> None:
    """The server role: the real app with the WhatsApp webhook."""
    import uvicorn

    from bot.channels.whatsapp import install_whatsapp
    from bot.runtime import build_runtime
    from bot.server import create_app

    runtime = build_runtime(Settings())
    app = create_app(runtime)
    install_whatsapp(app, runtime)
    # Keep-alive longer than the client's (60 s), so the server never closes a connection the
    # client is just reusing.
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                timeout_keep_alive=75)


def scripted_steps() -> list[Step]:
    """A first "Hallo", then the full conversation, each button with the token it will carry."""
    form = load_form(REPO / "flows" / "forms" / "default.yaml")
    chat = EngineChat(form, build_texts(Settings(secret_key=SECRET), form))
    chat.text("Hallo")
    steps: list[Step] = [("text", "Hallo", None)]
    for kind, value in FULL_CONVERSATION:
        token = str(chat.state.token) if kind == "choice" else None
        steps.append((kind, value, token))
        chat.press(value) if kind == "choice" else chat.text(value)
    return steps


def signed_update(build: WebhookBuilder, wa_id: str, step: Step) -> Delivery:
    kind, value, token = step
    if kind == "text":
        body = build.text(wa_id, value)
    else:
        body = build.button_reply(wa_id, f"{token}:{value}", value, reply_to="wamid.BENCH")
    raw = to_raw(body)
    return raw, signed_headers(raw, APP_SECRET)


def run(args: argparse.Namespace) -> None:
    url, name = scratch_postgres()
    fake = FakeGraphApi().start()
    port = free_port()
    env = {**os.environ, "VERTELPUNT_DATABASE_URL": url, "VERTELPUNT_SECRET_KEY": SECRET,
           "VERTELPUNT_LOG_LEVEL": "WARNING", "VERTELPUNT_WHATSAPP_PHONE_ID": fake.phone_id,
           "VERTELPUNT_WHATSAPP_TOKEN": fake.token or "", "VERTELPUNT_WHATSAPP_APP_SECRET":
           APP_SECRET, "VERTELPUNT_WHATSAPP_VERIFY_TOKEN": "bench-verify",
           "VERTELPUNT_WHATSAPP_BUSINESS_ACCOUNT_ID": fake.waba_id,
           "VERTELPUNT_WHATSAPP_API_URL": fake.base_url}
    server = None
    try:
        upgrade(url)
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], env=env,
                                  cwd=REPO)
        base_url = f"http://127.0.0.1:{port}"
        wait_healthy(base_url, server)
        steps = scripted_steps()
        build = WebhookBuilder(waba_id=fake.waba_id, phone_id=fake.phone_id)
        conversations = [[signed_update(build, f"3161{n:07d}", step) for step in steps]
                         for n in range(args.residents)]
        print(f"one uvicorn process on PostgreSQL; {args.residents} residents, "
              f"{len(steps)} updates each; {os.cpu_count()} cores on this machine")
        cpu0 = cpu_seconds(server.pid)
        latencies, failures, elapsed, client_cpu = asyncio.run(
            drive(base_url + WEBHOOK_PATH, conversations, args.concurrency))
        report(latencies, failures, elapsed, cpu_seconds(server.pid) - cpu0, client_cpu,
               args.residents, args.concurrency)
        db = Database(url)
        print(f"  replies all sent {wait_sent(db, 120):.1f} s after the last 200; "
              f"{len(fake.messages)} messages accepted, {len(fake.rejected)} refused")
        check_stored(db)
        db.dispose()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        fake.stop()
        drop_postgres(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
    else:
        run(args)


if __name__ == "__main__":
    main()
