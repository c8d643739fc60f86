"""What the webhook benches share: ports, start-up, CPU, the outbox and the report."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from storage.db import Database
from storage.models import OutboxMessage


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(base_url: str, server: subprocess.Popen[bytes]) -> None:
    """Wait until the server answers /healthz."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server stopped while starting")
        try:
            if httpx.get(base_url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def outbox_counts(db: Database) -> dict[str, int]:
    """Outbox rows per status."""
    with db.transaction() as session:
        rows = session.execute(select(OutboxMessage.status, func.count())
                               .group_by(OutboxMessage.status))
        return {status: int(count) for status, count in rows}


def wait_sent(db: Database, timeout: float) -> float:
    """Seconds until no outbox row is pending any more (or the timeout)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout and outbox_counts(db).get("pending", 0):
        time.sleep(0.25)
    return time.perf_counter() - started


def report(latencies: list[float], failures: list[int], elapsed: float, cpu: float,
           residents: int, concurrency: int, failure_label: str = "non-200 answers") -> None:
    """Print throughput, time to the 200 answer and the server's CPU."""
    cuts = statistics.quantiles(latencies, n=100)
    print(f"  {len(latencies)} updates from {residents} residents, {concurrency} at a time, "
          f"in {elapsed:.1f} s: {len(latencies) / elapsed:.0f} updates/s")
    print(f"  time to the 200: p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms, "
          f"max {max(latencies) * 1000:.1f} ms; {failure_label}: {len(failures)}")
    print(f"  server process CPU {cpu:.1f} s = {cpu / elapsed:.2f} cores while posting")
