"""Server time of each dashboard page with many stories, on PostgreSQL and SQLite.

Run by hand:  .venv/bin/python bench/bench_dashboard.py [--stories 100000] [--requests 30]
                                                         [--sqlite-only | --postgres-only]
Seeds the stories (default form, two per resident, spread over a year, a check-in for every
fifth), signs an admin in, and requests every page in the same process (the app's routes,
queries and templates, without a network). Prints p50/p99 per page and the peak memory that
one request of each page allocates. PostgreSQL is taken from VERTELPUNT_BENCH_POSTGRES_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/postgres); a scratch database is made
and dropped.
"""

from __future__ import annotations

import argparse
import resource
import statistics
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
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    print(f"  seeded {stories} stories in {time.perf_counter() - started:.0f} s")
    texts = build_texts(settings, form)
    cipher = AddressCipher([new_key()])
    service = ConversationService(db, form, texts, SECRET, cipher, Collaborators())
    return Runtime(settings, db, form, texts, cipher, service), cookie


def measure(runtime: Runtime, cookie: str, requests: int) -> None:
    """p50/p99 per page, and the memory one request of it allocates at its peak."""
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
            print(f"  {name:34} {statistics.median(times):8.1f} {p99:8.1f} {peak:9.1f}")
    runtime.db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30, help="Requests per page.")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--sqlite-only", action="store_true")
    only.add_argument("--postgres-only", action="store_true")
    args = parser.parse_args()
    if not args.sqlite_only:
        pg_url, pg_name = scratch_postgres()
        try:
            print(f"PostgreSQL, {args.stories} stories:")
            measure(*prepared(pg_url, args.stories), args.requests)
        finally:
            drop_postgres(pg_name)
    if not args.postgres_only:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"SQLite, {args.stories} stories:")
            measure(*prepared(f"sqlite:///{tmp}/dashboard.db", args.stories), args.requests)
    print(f"bench process peak memory: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
