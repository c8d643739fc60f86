"""Accuracy of an intent parser on the held-out split, per language and per intent."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from nlu.dataset import Example, Split, load_examples, split_examples
from nlu.intents import IntentParser
from nlu.matcher import EmbeddedMatcher
from nlu.normalise import normalise_text


@dataclass(frozen=True, slots=True)
class Miss:
    """A held-out example the parser got wrong."""

    example: Example
    predicted: str


@dataclass(slots=True)
class EvalReport:
    """Counts of correct answers, overall and broken down."""

    total: int = 0
    correct: int = 0
    novel_total: int = 0
    novel_correct: int = 0
    by_language: Counter[str] = field(default_factory=Counter)
    correct_by_language: Counter[str] = field(default_factory=Counter)
    by_intent: Counter[str] = field(default_factory=Counter)
    correct_by_intent: Counter[str] = field(default_factory=Counter)
    engines: Counter[str] = field(default_factory=Counter)
    misses: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Share of held-out examples classified correctly."""
        return self.correct / self.total if self.total else 0.0

    @property
    def novel_accuracy(self) -> float:
        """Accuracy on held-out examples whose normalised text is not in the training part."""
        return self.novel_correct / self.novel_total if self.novel_total else 0.0

    def language_accuracy(self) -> dict[str, float]:
        """Accuracy per language."""
        return {key: self.correct_by_language[key] / n for key, n in self.by_language.items()}

    def intent_accuracy(self) -> dict[str, float]:
        """Accuracy per intent."""
        return {key: self.correct_by_intent[key] / n for key, n in self.by_intent.items()}


def held_out_split() -> Split:
    """The deterministic train / held-out split of the shipped training data."""
    return split_examples(load_examples())


def embedded_for(split: Split) -> EmbeddedMatcher:
    """An embedded matcher that has seen only the training part, as Rasa's model has."""
    return EmbeddedMatcher(split.train)


def evaluate(
    parser: IntentParser, test: Sequence[Example], train: Iterable[Example] = ()
) -> EvalReport:
    """Parse every held-out example with its language as hint and count the hits."""
    seen = {normalise_text(example.text) for example in train}
    report = EvalReport()
    for example in test:
        result = parser.parse(example.text, example.language)
        hit = result.intent == example.intent
        novel = normalise_text(example.text) not in seen
        report.total += 1
        report.correct += hit
        report.novel_total += novel
        report.novel_correct += hit and novel
        report.by_language[example.language] += 1
        report.correct_by_language[example.language] += hit
        report.by_intent[example.intent] += 1
        report.correct_by_intent[example.intent] += hit
        report.engines[result.engine] += 1
        if not hit:
            report.misses.append(Miss(example, result.intent))
    return report


def latencies_ms(parser: IntentParser, texts: Sequence[str], rounds: int = 1) -> list[float]:
    """Wall-clock milliseconds of each parse, over `rounds` passes through `texts`."""
    timings: list[float] = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            parser.parse(text)
            timings.append((time.perf_counter() - start) * 1000.0)
    return timings


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))
    return ordered[rank]
