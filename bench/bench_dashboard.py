"""Server time of each dashboard page with many stories, on PostgreSQL and SQLite.

Run by hand:  .venv/bin/python bench/bench_dashboard.py [--stories 100000] [--requests 30]
                                                         [--sqlite-only | --postgres-only]
                                                         [--baseline DIR]
Seeds the stories (default form, two per resident, spread over a year, a check-in for every
fifth), signs an admin in, and requests every page in the same process (the app's routes,
queries and templates, without a network). Prints p50/p99 per page and the peak memory that
one request of each page allocates. PostgreSQL is taken from VERTELPUNT_BENCH_POSTGRES_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/postgres); a scratch database is made
and dropped.

--baseline DIR compares with another version of the code, for example an older commit
unpacked with `git archive COMMIT | tar -x -C DIR`: on each database its own bench runs
first (in a child process, on its own seeded database and migrations), then this one, and a
table puts the two side by side, with the machine's load average before and after.
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
import tracemalloc
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

warnings.filterwarnings("ignore", category=DeprecationWarning)
from fastapi.testclient import TestClient  # noqa: E402

from bench.bench_engine import drop_postgres, scratch_postgres  # noqa: E402
from bot.runtime import Runtime, build_texts  # noqa: E402
from bot.server import build_app  # noqa: E402
from bot.service import Collaborators, ConversationService  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.staff.tokens import digest  # noqa: E402
from bot.web.dashboard.security import COOKIE, Signer  # noqa: E402
from flows.forms.loader import load_form  # noqa: E402
from storage import dashboard_access  # noqa: E402
from storage.crypto import AddressCipher, new_key  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.roles import ADMIN, Grant, grant_role  # noqa: E402
from tests.web.seed import seed_stories  # noqa: E402

SECRET = "bench-secret-bench-secret-bench-secret-0123"
ADMIN_ID = "bench-admin"
YOUNG = "a=age_group:under_16&a=age_group:a16_25"
OLD = "b=age_group:a65_80&b=age_group:a80_plus"
PAGES = {
    "overview": "/dashboard",
    "overview, campaign and 3 months": "/dashboard?campaign=oost-2026&from=2026-03-01"
                                       "&to=2026-05-31",
    "funnel": "/dashboard/funnel",
    "signifiers": "/dashboard/signifiers",
    "signifiers, two age groups": f"/dashboard/signifiers?{YOUNG}&{OLD}",
    "signifiers, home visit or not": "/dashboard/signifiers?a=home_visit:yes&b=home_visit:no",
    "check-ins": "/dashboard/checkins",
    "stories behind a triad corner": "/dashboard/stories?q=helped&o=a",
    "stories, page 200": "/dashboard/stories?q=helped&o=a&page=200",
    "stories, a topic in group A": f"/dashboard/stories?q=topics&o=money&side=a&{YOUNG}",
    "downloads": "/dashboard/downloads",
}


def prepared(url: str, stories: int) -> tuple[Runtime, str]:
    """A runtime on a seeded database, and the cookie of a signed-in admin."""
    upgrade(url)
    settings = Settings(database_url=url, secret_key=SECRET, public_url="http://bench")
    form = load_form(settings.form)
    db = Database(url)
    started = time.perf_counter()
    # A year of stories: one every few minutes.
    seed_stories(db, form, stories, minutes_apart=365 * 24 * 60 / stories)
    now = datetime.now(UTC)
    signer = Signer(SECRET)
    session_id, cookie = signer.new_cookie()
    with db.transaction() as session:
        grant_role(session, ADMIN_ID, Grant(ADMIN, None, None), now)
        dashboard_access.open_session(session, digest(session_id), ADMIN_ID, "nl", now,
                                      now + timedelta(hours=8))
    if not db.is_sqlite:
        # What autovacuum does after a bulk of inserts on a production server (since
        # PostgreSQL 13): statistics, and the visibility map that index-only scans need.
        # A server with autovacuum off (a test machine's may be) would not do it.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
    print(f"  seeded {stories} stories in {time.perf_counter() - started:.0f} s")
    texts = build_texts(settings, form)
    cipher = AddressCipher([new_key()])
    service = ConversationService(db, form, texts, SECRET, cipher, Collaborators())
    return Runtime(settings, db, form, texts, cipher, service), cookie


Figures = dict[str, tuple[float, float, float]]
"""Page name: (p50 ms, p99 ms, peak MiB)."""


def measure(runtime: Runtime, cookie: str, requests: int) -> Figures:
    """p50/p99 per page, and the memory one request of it allocates at its peak."""
    found: Figures = {}
    with TestClient(build_app(runtime, scheduler=False), base_url="http://bench") as client:
        client.cookies.set(COOKIE, cookie, path="/dashboard")
        print(f"  {'page':34} {'p50 ms':>8} {'p99 ms':>8} {'peak MiB':>9}")
        for name, path in PAGES.items():
            warm = client.get(path)  # templates compiled, plans cached
            if warm.status_code != 200:
                print(f"  {name}: HTTP {warm.status_code}, skipped")
                continue
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            tracemalloc.start()
            client.get(path)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            times.sort()
            p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
            found[name] = (statistics.median(times), p99, peak)
            print(f"  {name:34} {statistics.median(times):8.1f} {p99:8.1f} {peak:9.1f}")
    runtime.db.dispose()
    return found


def load() -> str:
    """The machine's load average over 1, 5 and 15 minutes."""
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def baseline(directory: Path, engine: str, stories: int, requests: int) -> Figures:
    """The figures of another version's bench on one database ('postgres' or 'sqlite')."""
    command = [sys.executable, str(directory / "bench" / "bench_dashboard.py"),
               "--stories", str(stories), "--requests", str(requests), f"--{engine}-only"]
    print(f"baseline {directory} ({engine}):", flush=True)
    done = subprocess.run(command, cwd=directory, capture_output=True, text=True, check=True)
    print(done.stdout, end="", flush=True)
    found: Figures = {}
    for line in done.stdout.splitlines():
        words = line.split()
        if len(words) > 3 and line.startswith("  ") and words[-1][0].isdigit():
            try:
                p50, p99, peak = (float(w) for w in words[-3:])
            except ValueError:
                continue
            found[" ".join(words[:-3])] = (p50, p99, peak)
    return found


def side_by_side(title: str, before: Figures, after: Figures) -> None:
    """Before and after per page."""
    print(f"{title}:")
    print(f"  {'page':34} {'p50 ms':>15} {'p99 ms':>15} {'peak MiB':>13}")
    print(f"  {'':34} {'before':>7} {'after':>7} {'before':>7} {'after':>7} "
          f"{'before':>6} {'after':>6}")
    for name, (p50, p99, peak) in after.items():
        old = before.get(name)
        b50, b99, bpeak = ((f"{old[0]:.0f}", f"{old[1]:.0f}", f"{old[2]:.1f}") if old
                           else ("-", "-", "-"))
        print(f"  {name:34} {b50:>7} {p50:7.0f} {b99:>7} {p99:7.0f} {bpeak:>6} {peak:6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30, help="Requests per page.")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--sqlite-only", action="store_true")
    only.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--baseline", type=Path, help="Another version's checkout, measured "
                        "first on each database and shown beside this one.")
    args = parser.parse_args()
    tables: list[tuple[str, Figures, Figures]] = []
    print(f"load average at start: {load()}", flush=True)
    if not args.sqlite_only:
        before = (baseline(args.baseline, "postgres", args.stories, args.requests)
                  if args.baseline else {})
        pg_url, pg_name = scratch_postgres()
        try:
            print(f"PostgreSQL, {args.stories} stories:", flush=True)
            tables.append((f"PostgreSQL, {args.stories} stories", before,
                           measure(*prepared(pg_url, args.stories), args.requests)))
        finally:
            drop_postgres(pg_name)
    if not args.postgres_only:
        before = (baseline(args.baseline, "sqlite", args.stories, args.requests)
                  if args.baseline else {})
        with tempfile.TemporaryDirectory() as tmp:
            print(f"SQLite, {args.stories} stories:", flush=True)
            tables.append((f"SQLite, {args.stories} stories", before, measure(
                *prepared(f"sqlite:///{tmp}/dashboard.db", args.stories), args.requests)))
    print(f"load average at end: {load()}")
    if args.baseline:
        for title, before, after in tables:
            side_by_side(title, before, after)
    print(f"bench process peak memory: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
