"""Benchmark the story scrubber by hand: `.venv/bin/python bench/bench_scrub.py`.

Prints recall per identifier type and ordinary words kept on tests/data/scrub_nl.yaml and
on each other language's set (tests/data/scrub_<lang>.yaml), the share of each language's
most frequent words that survive scrubbing on their own, the cold start (deduce cache
built from scratch, in a new process with an empty cache directory), the warm load in a
new process, how much a process grows when it loads the six other languages, and warm
throughput in stories per second per language on one core. Stories of about 300
characters are made by joining annotated test sentences.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "storage")]

from test_scrub import evaluate, load_cases  # noqa: E402
from test_scrub_languages import (  # noqa: E402
    OTHER_LANGUAGES,
    Case,
    evaluate_language,
    load_language_cases,
)

from storage.scrub import cache_dir, scrub_story_text, warm_up  # noqa: E402

_MEMORY_SNIPPET = """
import os
from storage.scrub_dutch import warm_up
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
warm_up()
before = rss()
from storage.scrub import warm_up as warm_all
warm_all()
print(before, rss())
"""
_LOAD_SNIPPET = (
    "import time; t = time.perf_counter(); from storage.scrub import warm_up; warm_up(); "
    "print(time.perf_counter() - t)"
)


def load_in_new_process(cache_root: str | None) -> float:
    """Seconds a fresh process needs to import the scrubber and warm it up."""
    env = dict(os.environ)
    if cache_root is not None:
        env["VERTELPUNT_CACHE_DIR"] = cache_root
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_SNIPPET],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    inner = float(result.stdout.strip().splitlines()[-1])
    print(f"    (process wall time incl. interpreter start: {time.perf_counter() - started:.1f} s)")
    return inner


def make_stories(sentences: list[str], count: int, size: int = 300) -> list[str]:
    """Join random sentences into stories of roughly `size` characters."""
    rng = random.Random(20240601)
    stories = []
    for _ in range(count):
        parts: list[str] = []
        while sum(len(p) + 2 for p in parts) < size:
            parts.append(rng.choice(sentences))
        stories.append(". ".join(parts))
    return stories


def throughput(stories: list[str], language: str = "nl") -> tuple[float, float]:
    """Stories per second by wall clock and by this process's CPU time."""
    wall, cpu = time.perf_counter(), time.process_time()
    for story in stories:
        scrub_story_text(story, language)
    return len(stories) / (time.perf_counter() - wall), len(stories) / (time.process_time() - cpu)


def memory_growth() -> tuple[float, float]:
    """RSS (MB) of a new process with Dutch loaded, and after loading every language."""
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_SNIPPET],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    before, after = map(float, result.stdout.split())
    return before, after


def frequent_words_kept(language: str, count: int = 5000) -> float:
    """Share of the language's most frequent words that scrubbing leaves alone, one by one."""
    import wordfreq

    words = [w for w in wordfreq.top_n_list(language, count) if w.isalpha()]
    kept = sum(1 for word in words if scrub_story_text(word, language) == word)
    return kept / len(words)


def print_held_out() -> None:
    """Recall and words kept on stories never used to tune the rules (scrub_heldout.yaml)."""
    import yaml

    raw = yaml.safe_load((ROOT / "tests" / "data" / "scrub_heldout.yaml").read_text("utf-8"))
    print("held-out stories (never used to tune the rules):")
    for language in OTHER_LANGUAGES:
        cases = [
            Case(item["text"], tuple((k, v) for k, v in item["spans"]))
            for item in raw
            if item["lang"] == language
        ]
        figures = evaluate_language(language, cases)
        recall = "  ".join(f"{k} {v:.2f}" for k, v in sorted(figures.recall.items()))
        print(f"  {language}: {len(cases)} stories  {recall}  words kept {figures.words_kept:.3f}")


def print_languages(stories_per_language: int) -> None:
    """Recall, ordinary words kept and throughput for each language other than Dutch."""
    for language in OTHER_LANGUAGES:
        cases = load_language_cases(language)
        figures = evaluate_language(language, cases)
        recall = "  ".join(f"{k} {v:.2f}" for k, v in sorted(figures.recall.items()))
        print(f"{language}: {len(cases)} stories  {recall}")
        print(
            f"    ordinary words kept {figures.words_kept:.4f}   "
            f"top-5000 words kept alone {frequent_words_kept(language):.4f}"
        )
        stories = make_stories([case.text for case in cases], stories_per_language)
        wall, cpu = throughput(stories, language)
        print(f"    {wall:7.0f} stories/s wall  {cpu:7.0f} stories/s cpu (one core)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="also time a cold cache build")
    parser.add_argument("--stories", type=int, default=3000)
    args = parser.parse_args()

    cases = load_cases()
    figures = evaluate(cases)
    print(f"annotated stories: {len(cases)}")
    for kind in sorted(figures.recall):
        print(f"  recall {kind:15s} {figures.recall[kind]:.3f}  (n={figures.counts[kind]})")
    print(f"  ordinary words kept   {figures.words_kept:.4f}")

    if args.cold:
        with tempfile.TemporaryDirectory() as empty:
            print(f"cold start (empty cache):  {load_in_new_process(empty):.1f} s")
    print(f"warm load, new process:   {load_in_new_process(None):.1f} s  (cache {cache_dir()})")

    before, after = memory_growth()
    print(f"memory: {before:.0f} MB with Dutch loaded, {after:.0f} MB with every language "
          f"(+{after - before:.0f} MB for the name books and finders)")

    warm_up()
    print_languages(args.stories)
    print_held_out()
    sentences = [case.text for case in cases]
    stories = make_stories(sentences, args.stories)
    lower = [story.lower() for story in stories]
    mean = sum(map(len, stories)) / len(stories)
    print(f"stories: {len(stories)}, mean {mean:.0f} characters")
    for label, batch, language in (
        ("nl, as written", stories, "nl"),
        ("nl, all lower-case", lower, "nl"),
    ):
        wall, cpu = throughput(batch, language)
        print(f"  {label:26s} {wall:7.0f} stories/s wall  {cpu:7.0f} stories/s cpu")
    print(f"machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus")


if __name__ == "__main__":
    main()
