"""Turns per second and turn latency through engine and storage; export time and memory.

Run by hand:  .venv/bin/python bench/bench_engine.py [--residents 200] [--stories 100000]
PostgreSQL is taken from VERTELPUNT_BENCH_POSTGRES_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/postgres); a scratch database is made
and dropped.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.channels.messages import InboundMessage  # noqa: E402
from bot.marks import SentMarks  # noqa: E402
from bot.runtime import build_texts  # noqa: E402
from bot.service import ConversationService  # noqa: E402
from bot.settings import Settings  # noqa: E402
from flows.events import Inbound, OpenedIn  # noqa: E402
from flows.forms.loader import load_form  # noqa: E402
from storage.crypto import AddressCipher, new_key  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Answer, Participant, Story  # noqa: E402
from tests.scripts import FULL_CONVERSATION, event_of  # noqa: E402

PG_ADMIN = os.environ.get(
    "VERTELPUNT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SECRET = "bench-secret-bench-secret-bench-secret-0123"


def scratch_postgres() -> tuple[str, str]:
    name = f"vertelpunt_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name, name


def drop_postgres(name: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _resident(service: ConversationService, marks: SentMarks, user: str,
              script: list[Inbound], latencies: list[float]) -> None:
    for n, event in enumerate(script):
        t0 = time.perf_counter()
        queued = service.handle(InboundMessage("bench", user, user, event, f"{user}:{n}")) or []
        latencies.append(time.perf_counter() - t0)
        # As a channel does once the replies went out: marked as sent, many turns together.
        marks.add([(item.outbox_id, None) for item in queued])


def postgres_cpu_by_process() -> dict[int, float]:
    """User plus system CPU seconds of each of this machine's PostgreSQL processes, from /proc."""
    seconds: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            line = stat.read_text()
        except OSError:  # the process ended
            continue
        if "(postgres)" in line:
            fields = line.rsplit(")", 1)[1].split()
            seconds[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf(
                "SC_CLK_TCK")
    return seconds


def bench_backends_cpu(db: Database, before: dict[int, float]) -> float:
    """CPU the server processes of the bench's own database spent since `before`.

    Only the backends of the scratch database count, so other work on the same server (and
    its backends ending, which would make a machine-wide sum shrink) does not."""
    with db.engine.connect() as conn:
        pids: set[int] = set(conn.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars())
    now = postgres_cpu_by_process()
    return sum(now.get(pid, 0.0) - before.get(pid, 0.0) for pid in pids)


def turns(url: str, residents: int, concurrency: int) -> None:
    upgrade(url)
    form = load_form(REPO / "flows" / "forms" / "default.yaml")
    texts = build_texts(Settings(secret_key=SECRET), form)
    db = Database(url, pool_size=concurrency + 1, max_overflow=0)
    service = ConversationService(db, form, texts, SECRET, AddressCipher([new_key()]))
    marks = SentMarks(service)
    script: list[Inbound] = [OpenedIn(), *(event_of(k, v) for k, v in FULL_CONVERSATION)]
    latencies: list[float] = []
    started = time.perf_counter()
    cpu0, pg0 = time.process_time(), postgres_cpu_by_process()
    # Residents talk at the same time, as they do through a webhook; one process, one GIL.
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(lambda r: _resident(service, marks, f"resident-{r}", script, latencies),
                      range(residents)))
    marks.close()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    pg = bench_backends_cpu(db, pg0) if url.startswith("postgresql") else 0.0
    cuts = statistics.quantiles(latencies, n=100)
    count = len(latencies)
    print(f"  {count} turns by {residents} residents, {concurrency} at a time, in "
          f"{elapsed:.1f} s: {count / elapsed:.0f} turns/s, p50 {cuts[49] * 1000:.2f} ms,"
          f" p99 {cuts[98] * 1000:.2f} ms")
    print(f"  bench process CPU {cpu / elapsed:.2f} cores ({cpu / count * 1000:.2f} ms a turn)"
          + (f"; PostgreSQL {pg / elapsed:.2f} cores ({pg / count * 1000:.2f} ms a turn)"
             if url.startswith("postgresql") else ""))
    db.dispose()


def fill_stories(url: str, count: int) -> None:
    upgrade(url)
    db = Database(url)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    about = {"age_group": {"status": "answered", "value": {"option": "a25_45"}}}
    with db.transaction() as session:
        session.execute(insert(Participant), [
            {"id": f"p{i:08d}", "language": "nl", "about": about, "created_at": now}
            for i in range(count // 2)])
    text_ = "Ik had hulp nodig met mijn schulden en de buurvrouw hielp mij daarbij. " * 4
    batch = 5000
    for start in range(0, count, batch):
        stories, answers = [], []
        for i in range(start, min(count, start + batch)):
            sid = f"{i:032d}"
            stories.append({"id": sid, "participant_id": f"p{i // 2:08d}", "form_id":
                            "vertelpunt-default", "form_version": 1, "prompt_id": "needed_help",
                            "title": "Schulden", "text": text_, "language": "nl",
                            "channel": "telegram", "created_at": now + timedelta(seconds=i),
                            "confirmed_at": now + timedelta(seconds=i)})
            for qid, value in (("feeling", {"option": "sad"}), ("helped", {"option": "ab"}),
                               ("influence", {"option": "s4"}),
                               ("topics", {"options": ["money", "care"]}),
                               ("frequency", {"option": "often"}),
                               ("wish", {"text": "meer hulp"})):
                answers.append({"story_id": sid, "question_id": qid, "status": "answered",
                                "value": value, "answered_at": now})
        with db.transaction() as session:
            session.execute(insert(Story), stories)
            session.execute(insert(Answer), answers)
    db.dispose()


def export(url: str, out: Path) -> None:
    env = {**os.environ, "VERTELPUNT_DATABASE_URL": url, "VERTELPUNT_SECRET_KEY": SECRET}
    # The peak is the command's own high-water mark (VmHWM): Linux keeps ru_maxrss across
    # exec, so there it would report this bench process's peak when that is higher.
    code = """import resource, runpy, sys, time
out = sys.argv[1]
sys.argv = ['vertelpunt', 'export', '--out', out, '--format', 'csv']; t = time.perf_counter()
try:
    runpy.run_module('bot.cli.main', run_name='__main__')
except SystemExit:
    pass
seconds = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
try:
    with open('/proc/self/status') as status:
        peak = next(int(line.split()[1]) / 1024 for line in status if line.startswith('VmHWM:'))
except OSError:
    pass
print(f'{seconds:.2f} {peak:.0f}')
"""
    done = subprocess.run([sys.executable, "-c", code, str(out)], env=env, cwd=REPO,
                          capture_output=True, text=True, check=True)
    seconds, peak = done.stdout.split()[-2:]
    rows = sum(1 for _ in out.open(encoding="utf-8")) - 1
    print(f"  export of {rows} stories: {seconds} s, peak memory {peak} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=4)
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--export-only", action="store_true",
                      help="Skip the turns; measure only the export.")
    only.add_argument("--turns-only", action="store_true",
                      help="Skip the export; measure only the turns.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.export_only:
            print(f"one process; residents: {args.residents}; "
                  f"{len(FULL_CONVERSATION) + 1} turns each")
            print("SQLite turns:")
            turns(f"sqlite:///{tmp}/turns.db", args.residents, args.concurrency)
            pg_url, pg_name = scratch_postgres()
            try:
                print("PostgreSQL turns:")
                turns(pg_url, args.residents, args.concurrency)
            finally:
                drop_postgres(pg_name)
        if args.turns_only:
            return
        for size in (args.stories // 10, args.stories):
            pg_url, pg_name = scratch_postgres()
            try:
                fill_stories(pg_url, size)
                print(f"PostgreSQL export, {size} stories:")
                export(pg_url, Path(tmp) / f"export-{size}.csv")
            finally:
                drop_postgres(pg_name)
        sqlite_url = f"sqlite:///{tmp}/export.db"
        fill_stories(sqlite_url, args.stories)
        print(f"SQLite export, {args.stories} stories:")
        export(sqlite_url, Path(tmp) / "export-sqlite.csv")
    print(f"bench process peak memory: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
