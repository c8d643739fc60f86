"""Webhook throughput: many residents POST the scripted conversation to ONE uvicorn process.

Run by hand:
    .venv/bin/python bench/bench_telegram_webhook.py [--residents 300] [--concurrency 32]
        [--telegram-limits] [--crash] [--peer] [--rate 150 [--stagger]] [--wait 120]

PostgreSQL is taken from VERTELPUNT_BENCH_POSTGRES_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/postgres); a scratch database is made
and dropped. Three processes: this one (the residents), the server (`uvicorn` with the real
runtime: scrubbing, NLU, language detection) and the fake Telegram Bot API
(tests/fakes/run_fake.py), which answers the server's sends and notes when each arrived.
By default Telegram's flood limits are lifted in the server; --telegram-limits keeps them,
and the replies then lag far behind (at 30 messages a second Telegram itself caps what one
bot can say). Residents post their next update as soon as the previous one got its 200, each
pressing the buttons of the question pending then (tokens from the pure engine). With --rate,
the run also posts no more than that many updates a second in all (open loop, as a platform
delivers a busy hour), so the time to the 200 is measured at that load rather than at the
most the server takes. The first --concurrency residents begin together and so stay nearly in
step: each step's turns (the story's first words, say) reach the server in the same fraction
of a second. --stagger lets residents begin one by one instead, as many a second as the rate
carries on (rate / updates per conversation), as a busy hour brings them in; the time to the
200 is then that of the load itself, not of a crowd typing in step.

The headline: updates per second until every reply is out (from the first post until the
last reply, a new message or an edit, reached the fake) and the server's CPU per update with
the replies included (the server process's CPU from the first post until no outbox row is
pending). Secondary: updates per second while posting and p50/p99 to the 200. When replies
are still pending after --wait seconds the bench says so, cleans up and exits 0.

--crash: the server is killed with -9 once 40 % of the updates got their 200, and started
again on the same database; residents whose post failed meanwhile post the same update again
0.2 s later (as Telegram redelivers). Then it reports answers lost, replies duplicated,
replies out of order and outbox rows failed; how a reply is matched to its outbox row is
explained in bench/webhook_common.py. Those lines are printed without --crash too.

--peer: the same run against bench/peer_ptb_bot.py (a plain python-telegram-bot bot with a
ConversationHandler and PicklePersistence; see its docstring), after Vertelpunt's run, with
the same fake, the same residents (same user ids), the same concurrency and the same number
of updates each: its script presses `<question id>:<choice>` where Vertelpunt's presses
`<token>:<choice>`, step for step the same conversation. Both columns are printed with the
ratios Vertelpunt/peer. The peer has no outbox, so its integrity lines come from what the fake
received (see `check_peer`). Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import peer_ptb_bot  # noqa: E402
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
from bot.channels.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH  # noqa: E402
from bot.runtime import build_texts  # noqa: E402
from bot.settings import Settings  # noqa: E402
from flows.forms.loader import load_form  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.fakes.telegram_updates import UpdateFactory  # noqa: E402
from tests.scripts import FULL_CONVERSATION, EngineChat  # noqa: E402

SECRET = "bench-secret-bench-secret-bench-secret-0123"
WEBHOOK_SECRET = "bench-webhook-secret"
HEADERS = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
CRASH_SHARE = 0.4
Step = tuple[str, str]  # kind (command, text, data), value


def serve(port: int, telegram_limits: bool) -> None:
    """The server role: the real app with the Telegram webhook (flood limits lifted, unless
    asked for)."""
    import uvicorn

    from bot.channels.telegram import TelegramOptions, install_telegram
    from bot.runtime import build_runtime
    from bot.server import create_app

    runtime = build_runtime(Settings())
    app = create_app(runtime, settle_heap=True)
    lifted = TelegramOptions(overall_per_second=None, chat_pace=None)
    install_telegram(app, runtime, options=TelegramOptions() if telegram_limits else lifted)
    # Keep-alive longer than the client's (60 s), so the server never closes a
    # connection the client is just reusing.
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                timeout_keep_alive=75)


def scripted_steps() -> tuple[list[Step], int]:
    """/start, then the full conversation, each button as `<token>:<choice>` with the token
    the pure engine gives that question; and the answer rows the conversation stores."""
    form = load_form(REPO / "flows" / "forms" / "default.yaml")
    chat = EngineChat(form, build_texts(Settings(secret_key=SECRET), form))
    chat.command("start")
    steps: list[Step] = [("command", "start")]
    for kind, value in FULL_CONVERSATION:
        steps.append(("data", f"{chat.state.token}:{value}") if kind == "choice"
                     else (kind, value))
        chat.press(value) if kind == "choice" else chat.text(value)
    return steps, expected_answers(chat.effects)


def update_for(factory: UpdateFactory, user: dict[str, Any], step: Step) -> dict[str, Any]:
    kind, value = step
    if kind == "command":
        return factory.command(value, user=user)
    if kind == "text":
        return factory.text(value, user=user)
    return factory.callback_query(value, user=user)


def conversations(steps: list[Step], residents: int) -> tuple[list[list[Delivery]], list[int]]:
    """Every resident's updates as request bodies (a fresh factory: the same user ids and
    update ids on every run), and the residents' user ids."""
    factory = UpdateFactory()
    bodies, users = [], []
    for n in range(residents):
        user = factory.user(f"Bewoner {n}")
        users.append(int(user["id"]))
        bodies.append([(json.dumps(update_for(factory, user, step)).encode(), HEADERS)
                       for step in steps])
    return bodies, users


def server_env(fake: FakePlatform, **extra: str) -> dict[str, str]:
    return {**os.environ, "VERTELPUNT_SECRET_KEY": SECRET,
            "VERTELPUNT_TELEGRAM_TOKEN": fake.info["token"], "VERTELPUNT_LOG_LEVEL": "WARNING",
            "VERTELPUNT_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "VERTELPUNT_TELEGRAM_API_URL": fake.info["base_url"], **extra}


def post(server: Server, bodies: list[list[Delivery]], args: argparse.Namespace) -> Outcome:
    total = sum(map(len, bodies))
    crash_after = int(total * CRASH_SHARE) if args.crash else None
    server.begin_measure()
    posting = asyncio.run(drive(server.base_url + WEBHOOK_PATH, bodies, args.concurrency,
                                crash_after, server.crash_and_restart, args.rate,
                                args.stagger))
    return Outcome(server.name, updates=total, posting=posting)


def run_vertelpunt(args: argparse.Namespace, fake: FakePlatform) -> Outcome:
    url, name = scratch_postgres()
    port = free_port()
    limits = ["--telegram-limits"] if args.telegram_limits else []
    server = Server("Vertelpunt", [sys.executable, __file__, "--serve", str(port), *limits],
                    server_env(fake, VERTELPUNT_DATABASE_URL=url), f"http://127.0.0.1:{port}")
    db = None
    try:
        upgrade(url)
        server.start()
        steps, answers_each = scripted_steps()
        bodies, _users = conversations(steps, args.residents)
        before = fake.count()
        outcome = post(server, bodies, args)
        db = Database(url)
        reached, why = wait_replies(outbox_settled(db), fake, args.wait)
        finish(outcome, server, fake, before, reached, why)
        server.stop()
        messages = [m for m in fake.messages() if m["at"] >= outcome.posting.started_wall]
        outcome.integrity, note = check_outbox(db, SECRET, messages, args.residents,
                                               answers_each)
        outcome.extra.append(note)
        return outcome
    finally:
        server.stop()
        if db is not None:
            db.dispose()
        drop_postgres(name)


def check_peer(messages: list[dict[str, Any]], stored: dict[int, int], users: list[int],
               ) -> dict[str, str]:
    """The peer has no outbox: its replies are compared with the reference conversation, the
    sequence of messages most chats received (every resident runs the same script, so every
    complete conversation is the same sequence; with --crash the residents that finished
    before the kill still give it). Per chat: a message received more often than in the
    reference is a duplicate, one received less often is missing, and a message whose place
    in the reference comes before the place of a message received earlier arrived out of
    order. Answers: the story answers in the pickle file after a clean stop."""
    per_chat: dict[str, list[str]] = defaultdict(list)
    for message in messages:
        per_chat[message["chat"]].append(message["content"])
    wanted = {str(user) for user in users}
    chats = {chat: seq for chat, seq in per_chat.items() if chat in wanted}
    reference = Counter(tuple(seq) for seq in chats.values()).most_common(1)
    ref = list(reference[0][0]) if reference else []
    places: dict[str, list[int]] = defaultdict(list)
    for place, content in enumerate(ref):
        places[content].append(place)
    duplicates = missing = late = chats_out_of_order = 0
    for user in wanted:
        seq = chats.get(user, [])
        seen: Counter[str] = Counter()
        highest, chat_late = -1, 0
        for content in seq:
            spots = places.get(content, [])
            if seen[content] >= len(spots):
                duplicates += 1
                continue
            place = spots[seen[content]]
            seen[content] += 1
            if place < highest:
                chat_late += 1
            highest = max(highest, place)
        missing += sum(len(spots) - seen[c] for c, spots in places.items())
        late += chat_late
        chats_out_of_order += chat_late > 0
    answers_each = peer_ptb_bot.STORY_ANSWERS
    lost = sum(max(0, answers_each - stored.get(user, 0)) for user in users)
    return {
        "answers lost": f"{lost} of {len(users) * answers_each}",
        "replies duplicated": str(duplicates),
        "chats with replies out of order": f"{chats_out_of_order} of {len(chats)}",
        "messages after a later row's": str(late),
        "replies missing (peer: against the reference)": str(missing),
    }


def run_peer(args: argparse.Namespace, fake: FakePlatform) -> Outcome:
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        persistence = str(Path(scratch) / "peer.pickle")
        server = Server("PTB peer", [sys.executable, str(REPO / "bench" / "peer_ptb_bot.py"),
                                     "--port", str(port), "--persistence", persistence],
                        server_env(fake), f"http://127.0.0.1:{port}")
        try:
            server.start()
            steps: list[Step] = peer_ptb_bot.resident_script()
            bodies, users = conversations(steps, args.residents)
            before = fake.count()
            outcome = post(server, bodies, args)
            import httpx

            def done() -> bool:  # every update this process took was handled
                health = httpx.get(server.base_url + "/healthz", timeout=5).json()
                return bool(health["processed"] >= outcome.updates and not server.crashes)

            reached, why = wait_replies(done, fake, args.wait, stall=5 if args.crash else 30)
            if not reached and server.crashes:
                why += "; after the kill the peer's handled updates cannot be counted whole"
            finish(outcome, server, fake, before, reached, why)
            server.stop()  # a clean stop: PTB writes the pickle file
            messages = [m for m in fake.messages() if m["at"] >= outcome.posting.started_wall]
            outcome.integrity = check_peer(messages, peer_ptb_bot.stored_answers(persistence),
                                           users)
            return outcome
        finally:
            server.stop()


def run(args: argparse.Namespace) -> None:
    sending = ("at Telegram's pace (about 28 messages/s, about 1/s per chat)"
               if args.telegram_limits else "flood limits lifted")
    print(f"one uvicorn process on PostgreSQL, sending {sending}; {args.residents} residents, "
          f"{len(FULL_CONVERSATION) + 1} updates each, {args.concurrency} at a time"
          f"{f', at most {args.rate:g} updates/s' if args.rate else ''}"
          f"{', residents beginning one by one' if args.rate and args.stagger else ''}"
          f"{'; kill -9 at 40 % of the updates, then started again' if args.crash else ''}; "
          f"{os.cpu_count()} cores on this machine, load average {os.getloadavg()[0]:.1f} "
          f"before the run")
    fake = FakePlatform("telegram")
    outcomes: list[Outcome] = []
    try:
        outcomes.append(run_vertelpunt(args, fake))
        if args.peer:
            outcomes.append(run_peer(args, fake))
    finally:
        fake.stop()
        if outcomes:
            print_table(outcomes)
        print(f"  load average {os.getloadavg()[0]:.1f} after the run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=32)
    add_load_arguments(parser)
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--telegram-limits", action="store_true",
                        help="send at Telegram's real pace; the replies then lag far behind")
    parser.add_argument("--crash", action="store_true",
                        help="kill -9 the server at 40 %% of the updates and start it again")
    parser.add_argument("--peer", action="store_true",
                        help="also run the plain PTB bot (bench/peer_ptb_bot.py) and compare")
    parser.add_argument("--wait", type=float, default=120,
                        help="seconds to wait for the replies after the last 200")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.telegram_limits)
    else:
        run(args)


if __name__ == "__main__":
    main()
