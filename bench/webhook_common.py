"""What the webhook benches share: ports, start-up, the residents' client, CPU, the outbox
and the report."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import time
from collections import Counter
from pathlib import Path

import aiohttp
import httpx
from sqlalchemy import func, select

from storage.db import Database
from storage.models import Answer, OutboxMessage, Story

Delivery = tuple[bytes, dict[str, str]]
"""One webhook request: its body and its headers (a secret or a signature)."""


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
           client_cpu: float, residents: int, concurrency: int) -> None:
    """Print throughput, time to the 200 answer and the server's CPU."""
    cuts = statistics.quantiles(latencies, n=100)
    print(f"  {len(latencies)} updates from {residents} residents, {concurrency} at a time, "
          f"in {elapsed:.1f} s: {len(latencies) / elapsed:.0f} updates/s")
    print(f"  time to the 200: p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms, "
          f"max {max(latencies) * 1000:.1f} ms; deliveries again after a non-200 or a "
          f"broken connection: {len(failures)}")
    print(f"  server process CPU {cpu:.1f} s = {cpu / elapsed:.2f} cores while posting; "
          f"the residents' client {client_cpu / elapsed:.2f} cores")


async def _resident(session: aiohttp.ClientSession, url: str, deliveries: list[Delivery],
                    latencies: list[float], failures: list[int]) -> None:
    for body, headers in deliveries:
        started = time.perf_counter()
        status = 0
        while status != 200:  # the platforms deliver again until they get a 200
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except aiohttp.ClientError:
                status = -1
            if status != 200:
                failures.append(status)
        latencies.append(time.perf_counter() - started)


async def drive(url: str, conversations: list[list[Delivery]],
                concurrency: int) -> tuple[list[float], list[int], float, float]:
    """Post every resident's updates in order, `concurrency` residents at a time; returns
    latencies, failures, seconds and this process's CPU seconds (the client's own cost, on
    the same machine as the server)."""
    latencies: list[float] = []
    failures: list[int] = []
    queue: asyncio.Queue[list[Delivery]] = asyncio.Queue()
    for conversation in conversations:
        queue.put_nowait(conversation)
    connector = aiohttp.TCPConnector(limit=concurrency, keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            while not queue.empty():
                await _resident(session, url, queue.get_nowait(), latencies, failures)

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return latencies, failures, elapsed, cpu


def check_stored(db: Database) -> None:
    """Print how many stories and answers were stored and what the outbox holds."""
    with db.transaction() as session:
        stories = session.scalar(select(func.count()).select_from(Story))
        answers = session.scalar(select(func.count()).select_from(Answer))
        not_sent = Counter(f"{row.status} {row.payload['kind']}" for row in session.scalars(
            select(OutboxMessage).where(OutboxMessage.status != "sent")))
    print(f"  stored: {stories} stories, {answers} answers; outbox: {outbox_counts(db)}"
          f"{'; not sent: ' + str(dict(not_sent)) if not_sent else ''}")
