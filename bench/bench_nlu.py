"""Intent parse latency (p50/p99) and held-out accuracy, embedded matcher and Rasa.

Run by hand:  .venv/bin/python bench/bench_nlu.py [--rasa-url http://127.0.0.1:5005] [--rounds 20]
Rasa is measured only when a URL is given (or VERTELPUNT_RASA_URL is set): start it with
`make nlu-serve`. Targets: accuracy >= 0.95 Rasa, >= 0.85 embedded; p99 <= 30 ms Rasa,
<= 1 ms embedded.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nlu.evaluation import (  # noqa: E402
    embedded_for,
    evaluate,
    held_out_split,
    latencies_ms,
    percentile,
)
from nlu.intents import IntentParser  # noqa: E402
from nlu.rasa_client import RasaParser  # noqa: E402


@dataclass(frozen=True, slots=True)
class Target:
    """What an engine must reach."""

    accuracy: float
    p99_ms: float


TARGETS = {"embedded": Target(0.85, 1.0), "rasa": Target(0.95, 30.0)}


def _verdict(ok: bool) -> str:
    return "ok" if ok else "BELOW TARGET"


def measure(name: str, parser: IntentParser, rounds: int) -> bool:
    """Print accuracy and latency of one engine; True when both reach the target."""
    split = held_out_split()
    report = evaluate(parser, split.test, split.train)
    texts = [example.text for example in split.test]
    latencies_ms(parser, texts[:50])  # warm-up: caches, connections, TensorFlow graphs
    timings = latencies_ms(parser, texts, rounds)
    p50, p99 = percentile(timings, 0.50), percentile(timings, 0.99)
    target = TARGETS[name]
    print(f"{name}: {len(timings)} parses of {len(texts)} held-out texts x {rounds}")
    print(
        f"  accuracy {report.accuracy:.3f} (novel after normalising {report.novel_accuracy:.3f})"
        f"  target >= {target.accuracy}: {_verdict(report.accuracy >= target.accuracy)}"
    )
    print(
        f"  latency p50 {p50:.3f} ms  p99 {p99:.3f} ms  max {max(timings):.3f} ms"
        f"  target p99 <= {target.p99_ms} ms: {_verdict(p99 <= target.p99_ms)}"
    )
    accuracies = report.language_accuracy()
    print("  per language: " + "  ".join(f"{k} {v:.3f}" for k, v in sorted(accuracies.items())))
    if set(report.engines) != {name}:
        print(f"  answered by: {dict(report.engines)} (Rasa fell back)")
    return report.accuracy >= target.accuracy and p99 <= target.p99_ms


def main() -> int:
    """Measure the embedded matcher, then Rasa when a URL is known."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", default=os.environ.get("VERTELPUNT_RASA_URL"))
    parser.add_argument("--rounds", type=int, default=20, help="passes over the held-out set")
    parser.add_argument("--timeout", type=float, default=1.0, help="Rasa timeout, seconds")
    args = parser.parse_args()
    embedded = embedded_for(held_out_split())
    ok = measure("embedded", embedded, args.rounds)
    if not args.rasa_url:
        print("rasa: not measured (give --rasa-url or set VERTELPUNT_RASA_URL)")
        return 0 if ok else 1
    with RasaParser(args.rasa_url, fallback=embedded, timeout=args.timeout) as rasa:
        ok = measure("rasa", rasa, max(1, args.rounds // 4)) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
