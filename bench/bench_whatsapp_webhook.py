"""Webhook throughput: many residents POST signed WhatsApp updates to ONE uvicorn process.

Run by hand:
    .venv/bin/python bench/bench_whatsapp_webhook.py [--residents 400] [--concurrency 64]
        [--crash] [--rate 150 [--stagger]] [--no-statuses] [--wait 120]

PostgreSQL is taken from VERTELPUNT_BENCH_POSTGRES_URL (see bench_engine.py); a scratch
database is made and dropped. Three processes: this one (the residents), the server
(`uvicorn` with the real runtime) and the fake Graph API (tests/fakes/run_fake.py), which
takes the server's sends through pywa and notes when each arrived. Every body is signed
(X-Hub-Signature-256) before the clock starts. Residents post their next update as soon as
the previous one got its 200, each pressing the button of the question pending at that point
(tokens from the pure engine); with --rate, no more than that many updates a second in all
(open loop, see bench_telegram_webhook.py, also for --stagger).

As Meta does, the fake follows every message it accepts with two signed status webhooks to
the server, "sent" and "delivered" (eight in flight at once; again 0.2 s later until it gets
a 200); --no-statuses leaves them out. The run then also waits until every status got its
200, so the CPU per update includes them; the rate until every reply is out does not wait
for them.

The headline: updates per second until every reply is out (from the first post until the
last reply reached the fake) and the server's CPU per update with the replies included (the
server process's CPU from the first post until no outbox row is pending). Secondary: updates
per second while posting and p50/p99 to the 200. When replies are still pending after --wait
seconds the bench says so, cleans up and exits 0.

--crash: the server is killed with -9 once 40 % of the updates got their 200 and started
again on the same database; residents whose post failed meanwhile post the same update again
0.2 s later (as Meta redelivers). Reported: answers lost, replies duplicated, replies out of
order, outbox rows failed (how a reply is matched to its outbox row: bench/webhook_common.py;
on WhatsApp the platform id is the wamid). Those lines are printed without --crash too.
Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_engine import drop_postgres, scratch_postgres  # noqa: E402
from bench.webhook_common import (  # noqa: E402
    Delivery,
    FakePlatform,
    Outcome,
    Server,
    add_load_arguments,
    check_outbox,
    drive,
    expected_answers,
    finish,
    free_port,
    outbox_settled,
    print_table,
    wait_replies,
)
from bot.channels.whatsapp.webhook import WEBHOOK_PATH  # noqa: E402
from bot.runtime import build_texts  # noqa: E402
from bot.settings import Settings  # noqa: E402
from flows.forms.loader import load_form  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.fakes.whatsapp_webhooks import WebhookBuilder, signed_headers, to_raw  # noqa: E402
from tests.scripts import FULL_CONVERSATION, EngineChat  # noqa: E402

SECRET = "bench-secret-bench-secret-bench-secret-0123"
APP_SECRET = "bench-app-secret"
CRASH_SHARE = 0.4
Step = tuple[str, str, str | None]  # kind, value, token of the question a button belongs to


def serve(port: int) -> None:
    """The server role: the real app with the WhatsApp webhook."""
    import uvicorn

    from bot.channels.whatsapp import install_whatsapp
    from bot.runtime import build_runtime
    from bot.server import create_app

    runtime = build_runtime(Settings())
    app = create_app(runtime, settle_heap=True)
    install_whatsapp(app, runtime)
    # Keep-alive longer than the client's (60 s), so the server never closes a connection the
    # client is just reusing.
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                timeout_keep_alive=75)


def scripted_steps() -> tuple[list[Step], int]:
    """A first "Hallo", then the full conversation, each button with the token it will carry;
    and the answer rows the conversation stores."""
    form = load_form(REPO / "flows" / "forms" / "default.yaml")
    chat = EngineChat(form, build_texts(Settings(secret_key=SECRET), form))
    chat.text("Hallo")
    steps: list[Step] = [("text", "Hallo", None)]
    for kind, value in FULL_CONVERSATION:
        token = str(chat.state.token) if kind == "choice" else None
        steps.append((kind, value, token))
        chat.press(value) if kind == "choice" else chat.text(value)
    return steps, expected_answers(chat.effects)


def signed_update(build: WebhookBuilder, wa_id: str, step: Step) -> Delivery:
    kind, value, token = step
    if kind == "text":
        body = build.text(wa_id, value)
    else:
        body = build.button_reply(wa_id, f"{token}:{value}", value, reply_to="wamid.BENCH")
    raw = to_raw(body)
    return raw, signed_headers(raw, APP_SECRET)


def run_vertelpunt(args: argparse.Namespace, fake: FakePlatform) -> Outcome:
    url, name = scratch_postgres()
    port = free_port()
    info = fake.info
    env = {**os.environ, "VERTELPUNT_DATABASE_URL": url, "VERTELPUNT_SECRET_KEY": SECRET,
           "VERTELPUNT_LOG_LEVEL": "WARNING", "VERTELPUNT_WHATSAPP_PHONE_ID": info["phone_id"],
           "VERTELPUNT_WHATSAPP_TOKEN": info["token"] or "",
           "VERTELPUNT_WHATSAPP_APP_SECRET": APP_SECRET,
           "VERTELPUNT_WHATSAPP_VERIFY_TOKEN": "bench-verify",
           "VERTELPUNT_WHATSAPP_BUSINESS_ACCOUNT_ID": info["waba_id"],
           "VERTELPUNT_WHATSAPP_API_URL": info["base_url"]}
    server = Server("Vertelpunt", [sys.executable, __file__, "--serve", str(port)], env,
                    f"http://127.0.0.1:{port}")
    db = None
    try:
        upgrade(url)
        server.start()
        if not args.no_statuses:
            fake.send_statuses(server.base_url + WEBHOOK_PATH, APP_SECRET)
        steps, answers_each = scripted_steps()
        build = WebhookBuilder(waba_id=info["waba_id"], phone_id=info["phone_id"])
        bodies = [[signed_update(build, f"3161{n:07d}", step) for step in steps]
                  for n in range(args.residents)]
        total = sum(map(len, bodies))
        before = fake.count()
        server.begin_measure()
        posting = asyncio.run(drive(
            server.base_url + WEBHOOK_PATH, bodies, args.concurrency,
            int(total * CRASH_SHARE) if args.crash else None, server.crash_and_restart,
            args.rate, args.stagger))
        outcome = Outcome(server.name, updates=total, posting=posting)
        db = Database(url)
        settled = outbox_settled(db)

        def done() -> bool:  # every reply out, and (by default) its two statuses answered
            if not settled():
                return False
            counted = fake.count()
            statuses = counted.get("statuses", 0) - before.get("statuses", 0)
            return args.no_statuses or statuses >= 2 * (counted["messages"] - before["messages"])

        reached, why = wait_replies(done, fake, args.wait)
        finish(outcome, server, fake, before, reached, why)
        statuses = fake.count().get("statuses", 0) - before.get("statuses", 0)
        server.stop()
        messages = [m for m in fake.messages() if m["at"] >= posting.started_wall]
        outcome.integrity, note = check_outbox(db, SECRET, messages, args.residents,
                                               answers_each)
        outcome.extra.append(note)
        if not args.no_statuses:
            outcome.extra.append(f"status webhooks the server answered 200: {statuses} (two a "
                                 f"reply; the CPU per update includes them)")
        return outcome
    finally:
        server.stop()
        if db is not None:
            db.dispose()
        drop_postgres(name)


def run(args: argparse.Namespace) -> None:
    print(f"one uvicorn process on PostgreSQL; {args.residents} residents, "
          f"{len(FULL_CONVERSATION) + 1} updates each, {args.concurrency} at a time"
          f"{f', at most {args.rate:g} updates/s' if args.rate else ''}"
          f"{', residents beginning one by one' if args.rate and args.stagger else ''}"
          f"{'; kill -9 at 40 % of the updates, then started again' if args.crash else ''}; "
          f"{os.cpu_count()} cores on this machine, load average {os.getloadavg()[0]:.1f} "
          f"before the run")
    fake = FakePlatform("graph")
    outcome = None
    try:
        outcome = run_vertelpunt(args, fake)
    finally:
        fake.stop()
        if outcome is not None:
            print_table([outcome])
        print(f"  load average {os.getloadavg()[0]:.1f} after the run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=64)
    add_load_arguments(parser)
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--crash", action="store_true",
                        help="kill -9 the server at 40 %% of the updates and start it again")
    parser.add_argument("--no-statuses", action="store_true",
                        help="the fake sends no status webhooks (sent, delivered) back")
    parser.add_argument("--wait", type=float, default=120,
                        help="seconds to wait for the replies after the last 200")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
    else:
        run(args)


if __name__ == "__main__":
    main()
