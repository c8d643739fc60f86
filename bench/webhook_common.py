"""What the webhook benches share: the fake platform in its own process, the server under test
(started, killed with -9 and started again), the residents' client, the wait until every
reply is out, the outbox check after a crash, and the report.

How a reply is identified (the outbox check, `check_outbox`)
-------------------------------------------------------------
Every message the fake platform accepts gets the platform's id (Telegram: the message_id,
counting up per chat; WhatsApp: the wamid), and the fake records, in the order it accepted
them, each message's chat, id and content (the method, the text and the buttons, exactly as
sent). A sent outbox row stores the id of the message that carried it
(`platform_message_id`), and its address (decrypted with the bench's secret) is the chat.
So:

- a received message is *claimed* by the outbox row whose chat and platform id it has;
- a received message no row claims, whose content is the same as that of a claimed message
  in the same chat, is a *duplicate*: the row was sent, the server died before it stored the
  send, and the row was sent again (the copy that carried the stored id is the claimed one;
  the other is the duplicate). Two rows that legitimately say the same thing (the same
  "anything else?" question twice) are each claimed by their own message, so they are not
  counted;
- a received message that is neither claimed nor a copy is counted as "unclaimed" (a reply
  split over several messages leaves its first parts unclaimed, for instance);
- order: per chat, the claimed messages in the order the fake accepted them must carry
  increasing outbox ids. A chat is out of order when one does not; "late messages" counts the
  messages that arrived after a message of a later row of the same chat. Edits (a question
  closed with the answer under it, a toggled check mark) change an earlier message and are
  not messages of their own, so they are not part of the order.

Answers lost: the residents' script gives every resident the same answers; the pure engine
says how many answer rows that stores (`expected_answers`), and every resident whose story
holds fewer counts the difference as lost (a resident without a story loses them all).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from sqlalchemy import func, select

from storage.crypto import AddressCipher
from storage.db import Database
from storage.models import Answer, OutboxMessage, ParkedUpdate, Story

REPO = Path(__file__).resolve().parent.parent
Delivery = tuple[bytes, dict[str, str]]
"""One webhook request: its body and its headers (a secret or a signature)."""
SENT = ("sent", "delivered", "read", "played")
"""Outbox statuses of a row that went out (WhatsApp's status webhooks move it on from sent)."""
FINAL = (*SENT, "failed", "unreachable")
"""Outbox statuses after which a row is not sent any more."""


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class FakePlatform:
    """The fake Bot API or Graph API (tests/fakes/run_fake.py) in a process of its own."""

    def __init__(self, kind: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.run_fake", kind], cwd=REPO, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPO)})
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the fake {kind} platform did not start")
        self.info: dict[str, str] = json.loads(line)

    def _ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def count(self) -> dict[str, Any]:
        """Messages accepted so far, when the last send or edit came, requests refused (and
        the Graph fake's status webhooks answered 200)."""
        return self._ask("count")

    def send_statuses(self, url: str, app_secret: str) -> None:
        """The Graph fake follows every accepted message with its status webhooks to `url`."""
        self._ask(f"statuses {url} {app_secret}")

    def messages(self) -> list[dict[str, Any]]:
        """Every message accepted so far, in the order the fake accepted them."""
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / "messages.json"
            self._ask(f"dump {path}")
            loaded: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
            return loaded

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            with contextlib.suppress(OSError):
                self.process.stdin.close()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Server:
    """One server under test in its own process: started, killed with -9, started again.

    Its CPU is counted from `begin_measure` on: the first process's until it is killed, plus
    the whole of every process started after that (its start-up included)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], base_url: str) -> None:
        self.name, self.argv, self.env, self.base_url = name, argv, env, base_url
        self.process: subprocess.Popen[bytes] | None = None
        self._cpu_done = 0.0
        self._cpu_base = 0.0
        self.restart_cpu = 0.0
        self.restart_seconds = 0.0
        self.crashes = 0

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=self.env, cwd=REPO)
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name}: the server stopped while starting")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise SystemExit(f"{self.name}: the server did not start")

    def begin_measure(self) -> None:
        assert self.process is not None
        self._cpu_done, self._cpu_base = 0.0, cpu_seconds(self.process.pid)

    def cpu(self) -> float:
        """CPU seconds since `begin_measure`, over every process of this server."""
        assert self.process is not None
        alive = self.process.poll() is None
        return self._cpu_done + (cpu_seconds(self.process.pid) - self._cpu_base if alive else 0)

    def crash_and_restart(self) -> None:
        """kill -9, then start again on the same database (and persistence)."""
        assert self.process is not None
        self._cpu_done += cpu_seconds(self.process.pid) - self._cpu_base
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.crashes += 1
        started = time.perf_counter()
        self.start()
        self.restart_seconds = time.perf_counter() - started
        self._cpu_base = 0.0  # the new process counts from its birth
        self.restart_cpu = cpu_seconds(self.process.pid)

    def stop(self) -> None:
        """SIGTERM (the server ends as it would in production), -9 after 30 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Posting:
    """What the residents saw while posting."""

    latencies: list[float] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    started_wall: float = 0.0
    elapsed: float = 0.0
    client_cpu: float = 0.0
    posted: int = 0


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    """--rate and --stagger, the same in both webhook benches."""
    parser.add_argument("--rate", type=float, metavar="UPDATES_PER_S",
                        help="open loop: post at most this many updates a second in all "
                             "(the p99 to the 200 at a given load); default: as fast as the "
                             "200s come back")
    parser.add_argument("--stagger", action="store_true",
                        help="with --rate: residents begin one by one, as many a second as "
                             "the rate carries on, instead of --concurrency of them at once "
                             "and in step")


class Pace:
    """Open loop: the k-th post of the run starts no earlier than k / rate seconds after
    the first, whoever sends it, so updates arrive at the rate a busy platform would
    deliver them, however fast the server answers."""

    def __init__(self, rate: float) -> None:
        self.interval = 1 / rate
        self.start: float | None = None
        self.taken = 0

    async def slot(self) -> None:
        now = time.perf_counter()
        if self.start is None:
            self.start = now
        due = self.start + self.taken * self.interval
        self.taken += 1
        if due > now:
            await asyncio.sleep(due - now)


async def _resident(session: aiohttp.ClientSession, url: str, deliveries: list[Delivery],
                    posting: Posting, on_posted: Callable[[], None],
                    pace: Pace | None) -> None:
    for body, headers in deliveries:
        if pace is not None:
            await pace.slot()
        started = time.perf_counter()
        status = 0
        while status != 200:  # the platforms deliver again until they get a 200
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (TimeoutError, aiohttp.ClientError):
                status = -1
            if status != 200:
                posting.failures.append(status)
                await asyncio.sleep(0.2)  # as the platforms do, a little later
        posting.latencies.append(time.perf_counter() - started)
        posting.posted += 1
        on_posted()


async def drive(url: str, conversations: list[list[Delivery]], concurrency: int,
                crash_after: int | None = None,
                crash: Callable[[], None] | None = None, rate: float | None = None,
                stagger: bool = False) -> Posting:
    """Post every resident's updates in order, `concurrency` residents at a time: each posts
    its next update once the last got its 200 (closed loop), or with `rate`, also no sooner
    than the run's next slot at that many updates a second (open loop). With `rate` and
    `stagger`, residents also begin one by one, as many a second as that rate carries on
    (rate / updates per conversation), as a busy hour brings them in, instead of the first
    `concurrency` at once and in step with each other. With `crash_after`, `crash` runs (in
    a thread, the residents going on) once that many updates got their 200; posts that fail
    meanwhile are delivered again 0.2 s later."""
    posting = Posting()
    pace = Pace(rate) if rate else None
    steps = max(map(len, conversations), default=1)
    arrivals = Pace(rate / steps) if rate and stagger else None
    queue: asyncio.Queue[list[Delivery]] = asyncio.Queue()
    for conversation in conversations:
        queue.put_nowait(conversation)
    crashing: list[asyncio.Task[None]] = []

    def on_posted() -> None:
        if crash is not None and posting.posted == crash_after and not crashing:
            crashing.append(asyncio.create_task(asyncio.to_thread(crash)))

    connector = aiohttp.TCPConnector(limit=concurrency, keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            while not queue.empty():
                conversation = queue.get_nowait()
                if arrivals is not None:
                    await arrivals.slot()
                await _resident(session, url, conversation, posting, on_posted, pace)

        posting.started_wall = time.time()
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        posting.elapsed = time.perf_counter() - started
        posting.client_cpu = time.process_time() - cpu
        for task in crashing:
            await task
    return posting


@dataclass
class Outcome:
    """The figures of one server's run, printed by `print_table`."""

    name: str
    updates: int = 0
    all_out: float | None = None  # seconds from the first post to the last reply
    all_out_reached: bool = False
    cpu: float = 0.0
    posting: Posting = field(default_factory=Posting)
    replies: int = 0
    refused: int = 0
    waiting: str = ""  # what was still missing at the timeout
    integrity: dict[str, str] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)

    @property
    def p(self) -> tuple[float, float]:
        cuts = statistics.quantiles(self.posting.latencies, n=100)
        return cuts[49] * 1000, cuts[98] * 1000

    def rows(self) -> dict[str, tuple[str, float | None]]:
        """Label -> (printed value, number for a ratio)."""
        p50, p99 = self.p
        rate = self.updates / self.all_out if self.all_out else None
        all_out = (f"{rate:.1f}" if rate is not None else "-") + (
            "" if self.all_out_reached else " *")
        per_update = self.cpu / self.updates * 1000
        posting_rate = self.updates / self.posting.elapsed
        rows: dict[str, tuple[str, float | None]] = {
            "updates/s until every reply is out": (all_out, rate),
            "server CPU ms per update, replies included": (f"{per_update:.2f}", per_update),
            "updates/s while posting": (f"{posting_rate:.1f}", posting_rate),
            "time to the 200, p50 ms": (f"{p50:.1f}", p50),
            "time to the 200, p99 ms": (f"{p99:.1f}", p99),
            "seconds from first post to last reply": (
                f"{self.all_out:.1f}" if self.all_out else "-", self.all_out),
            "posting window, s": (f"{self.posting.elapsed:.1f}", self.posting.elapsed),
            "deliveries again (non-200, broken connection)": (
                str(len(self.posting.failures)), None),
            "replies the fake accepted (messages)": (str(self.replies), float(self.replies)),
            "requests the fake refused": (str(self.refused), None),
            "residents' client, cores while posting": (
                f"{self.posting.client_cpu / self.posting.elapsed:.2f}", None),
        }
        for label, value in self.integrity.items():
            rows[label] = (value, None)
        return rows


RATIO_ROWS = ("updates/s until every reply is out", "server CPU ms per update, replies included",
              "time to the 200, p99 ms")


def print_table(outcomes: list[Outcome]) -> None:
    """One column per server; with two, the ratio first/second of the headline rows."""
    table = [o.rows() for o in outcomes]
    labels = list(dict.fromkeys(label for rows in table for label in rows))
    width = max(len(label) for label in labels) + 2
    head = "".join(f"{o.name:>24}" for o in outcomes)
    if len(outcomes) == 2:
        head += f"{outcomes[0].name + '/' + outcomes[1].name:>24}"
    print(f"  {'':<{width}}{head}")
    for label in labels:
        line = f"  {label:<{width}}" + "".join(
            f"{rows.get(label, ('-', None))[0]:>24}" for rows in table)
        if len(outcomes) == 2 and label in RATIO_ROWS:
            a, b = (rows.get(label, ("", None))[1] for rows in table)
            line += f"{(a / b if a and b else float('nan')):>24.2f}"
        print(line)
    if not all(o.all_out_reached for o in outcomes):
        print("  * replies still missing: the rate is until the last reply that came")
    for outcome in outcomes:
        for note in ([outcome.waiting] if outcome.waiting else []) + outcome.extra:
            print(f"  {outcome.name}: {note}")


def wait_replies(done: Callable[[], bool], fake: FakePlatform, timeout: float,
                 stall: float | None = None) -> tuple[bool, str]:
    """Wait until `done()` (every reply out), at most `timeout` s; with `stall`, also stop when
    the fake received nothing new for that long. Returns (done, why it stopped otherwise)."""
    started = time.monotonic()
    last_count, last_change = -1, started
    while True:
        if done():
            return True, ""
        now = time.monotonic()
        count = int(fake.count()["messages"])
        if count != last_count:
            last_count, last_change = count, now
        if stall is not None and now - last_change > stall:
            return False, f"nothing new reached the fake for {stall:.0f} s"
        if now - started > timeout:
            return False, f"timeout after {timeout:.0f} s"
        time.sleep(0.25)


def finish(outcome: Outcome, server: Server, fake: FakePlatform, before: dict[str, Any],
           reached: bool, why: str) -> None:
    """Fill in the headline after the wait: CPU now, the fake's last reply time."""
    outcome.cpu = server.cpu()
    counted = fake.count()
    outcome.replies = int(counted["messages"]) - int(before["messages"])
    outcome.refused = int(counted["refused"]) - int(before["refused"])
    outcome.all_out_reached = reached
    last_at = float(counted["last_at"])
    if last_at > outcome.posting.started_wall:
        outcome.all_out = last_at - outcome.posting.started_wall
    if not reached:
        outcome.waiting = f"replies still pending when the bench stopped waiting ({why})"
    if server.crashes:
        outcome.extra.append(
            f"restarted after kill -9 in {server.restart_seconds:.1f} s; the new process's "
            f"start-up CPU {server.restart_cpu:.1f} s is included in the CPU per update")


# -- Vertelpunt's outbox ----------------------------------------------------------------------


def outbox_counts(db: Database) -> dict[str, int]:
    """Outbox rows per status."""
    with db.transaction() as session:
        rows = session.execute(select(OutboxMessage.status, func.count())
                               .group_by(OutboxMessage.status))
        return {status: int(count) for status, count in rows}


def outbox_settled(db: Database) -> Callable[[], bool]:
    """done() for `wait_replies`: no update is parked with its turn still to run, and no
    outbox row is waiting to be sent."""
    def done() -> bool:
        with db.transaction() as session:
            if session.scalar(select(func.count()).select_from(ParkedUpdate)):
                return False
        counts = outbox_counts(db)
        return sum(n for status, n in counts.items() if status not in FINAL) == 0
    return done


def expected_answers(effects: list[Any]) -> int:
    """Answer rows the scripted conversation stores (one per SaveAnswer effect)."""
    return sum(1 for effect in effects if type(effect).__name__ == "SaveAnswer")


def check_outbox(db: Database, secret: str, messages: list[dict[str, Any]], residents: int,
                 answers_each: int) -> tuple[dict[str, str], str]:
    """Answers lost, replies duplicated, replies out of order, rows failed (see the module's
    docstring for how a message is matched to its outbox row); and a note of the rows not
    sent, by status and payload kind."""
    cipher = AddressCipher.from_settings("", secret)
    with db.transaction() as session:
        rows = session.execute(select(OutboxMessage.id, OutboxMessage.address,
                                      OutboxMessage.status,
                                      OutboxMessage.platform_message_id,
                                      OutboxMessage.payload)).all()
        per_story = session.execute(
            select(Story.participant_id, func.count(Answer.id))
            .outerjoin(Answer, Answer.story_id == Story.id)
            .group_by(Story.participant_id)).all()
    owner: dict[tuple[str, str], int] = {}
    statuses: Counter[str] = Counter()
    not_sent: Counter[str] = Counter()
    for row in rows:
        row_id, address, status = int(row.id), bytes(row.address), str(row.status)
        platform_id, payload = row.platform_message_id, dict(row.payload)
        statuses[status] += 1
        if status not in SENT:
            not_sent[f"{status} {payload.get('kind')}"] += 1
        if status in SENT and platform_id:
            # An edit (a question closed, a check mark toggled) names the message it changed;
            # the message belongs to the first row that names it, the one that sent it.
            key = (cipher.decrypt(address), str(platform_id))
            owner[key] = min(row_id, owner.get(key, row_id))
    claimed_content: dict[str, set[str]] = defaultdict(set)
    claimed: dict[str, list[int]] = defaultdict(list)
    for message in messages:
        claimer = owner.get((message["chat"], message["id"]))
        if claimer is not None:
            claimed[message["chat"]].append(claimer)
            claimed_content[message["chat"]].add(message["content"])
    duplicates = unclaimed = 0
    for message in messages:
        if (message["chat"], message["id"]) in owner:
            continue
        if message["content"] in claimed_content[message["chat"]]:
            duplicates += 1
        else:
            unclaimed += 1
    chats_out_of_order = late = 0
    for ids in claimed.values():
        highest, chat_late = 0, 0
        for row_id in ids:
            if row_id < highest:
                chat_late += 1
            highest = max(highest, row_id)
        late += chat_late
        chats_out_of_order += chat_late > 0
    stored = {participant: int(n) for participant, n in per_story}
    lost = answers_each * (residents - len(stored)) + sum(
        max(0, answers_each - n) for n in stored.values())
    sent_rows = sum(statuses.get(status, 0) for status in SENT)
    note = "outbox rows not sent: " + (", ".join(
        f"{key} {n}" for key, n in sorted(not_sent.items())) or "none")
    return {
        "answers lost": f"{lost} of {residents * answers_each}",
        "residents without a stored story": str(max(0, residents - len(stored))),
        "replies duplicated": str(duplicates),
        "chats with replies out of order": f"{chats_out_of_order} of {len(claimed)}",
        "messages after a later row's": str(late),
        "outbox rows failed / unreachable": (
            f"{statuses.get('failed', 0)} / {statuses.get('unreachable', 0)}"),
        "outbox rows not sent at the end": str(
            sum(n for s, n in statuses.items() if s not in FINAL)),
        "messages no sent row claims (not copies)": str(unclaimed),
        "sent rows whose message the fake has": f"{sum(map(len, claimed.values()))} of "
                                                f"{len(set(owner.values()))}",
        "outbox rows sent": str(sent_rows),
    }, note
