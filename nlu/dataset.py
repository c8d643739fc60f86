"""The NLU training data (nlu/data/nlu/<lang>.yml) and its deterministic hold-out split.

Runs under both the bot's Python and the Rasa virtualenv's Python 3.10, so it needs
only the standard library and PyYAML.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import yaml

DATA_DIR: Final = Path(__file__).resolve().parent / "data" / "nlu"
HOLD_OUT_EVERY: Final = 5
"""Every 5th example of each (language, intent) is held out for evaluation."""


@dataclass(frozen=True, slots=True)
class Example:
    """One training sentence with the intent it means and the language it is in."""

    text: str
    intent: str
    language: str


@dataclass(frozen=True, slots=True)
class Split:
    """Training and held-out examples."""

    train: tuple[Example, ...]
    test: tuple[Example, ...]


class DatasetError(ValueError):
    """The training data is not in the Rasa YAML shape this module understands."""


def _parse_block(block: object, source: Path) -> tuple[str, list[str]]:
    """Read one `- intent: ... examples: |` block."""
    if not isinstance(block, dict) or not isinstance(block.get("intent"), str):
        raise DatasetError(f"{source}: every nlu entry needs an 'intent'")
    raw = block.get("examples")
    if not isinstance(raw, str):
        raise DatasetError(f"{source}: intent {block['intent']!r} has no examples block")
    texts = [line.strip()[2:].strip() for line in raw.splitlines() if line.strip()]
    if any(not text for text in texts):
        raise DatasetError(f"{source}: intent {block['intent']!r} has an empty example")
    return block["intent"], texts


def load_file(path: Path) -> list[Example]:
    """Load one language file; the language is the file's stem."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("nlu"), list):
        raise DatasetError(f"{path}: expected a mapping with an 'nlu' list")
    examples: list[Example] = []
    for block in document["nlu"]:
        intent, texts = _parse_block(block, path)
        examples.extend(Example(text, intent, path.stem) for text in texts)
    return examples


def load_examples(data_dir: Path = DATA_DIR) -> list[Example]:
    """Load every language file in file-name order, keeping the order within each file."""
    paths = sorted(data_dir.glob("*.yml"))
    if not paths:
        raise DatasetError(f"{data_dir}: no *.yml training files")
    return [example for path in paths for example in load_file(path)]


def split_examples(examples: Iterable[Example]) -> Split:
    """Hold out every HOLD_OUT_EVERY-th example per (language, intent), in file order."""
    seen: dict[tuple[str, str], int] = defaultdict(int)
    train: list[Example] = []
    test: list[Example] = []
    for example in examples:
        key = (example.language, example.intent)
        seen[key] += 1
        (test if seen[key] % HOLD_OUT_EVERY == 0 else train).append(example)
    return Split(train=tuple(train), test=tuple(test))


def to_rasa_yaml(examples: Iterable[Example]) -> str:
    """Render examples as one Rasa 3 NLU training file, grouped by intent."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for example in examples:
        if example.text not in by_intent[example.intent]:
            by_intent[example.intent].append(example.text)
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in by_intent.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in texts]
    return "\n".join(lines) + "\n"


def write_train_split(out: Path, data_dir: Path = DATA_DIR) -> int:
    """Write the training part of the split as Rasa YAML; returns the number of examples."""
    train = split_examples(load_examples(data_dir)).train
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_rasa_yaml(train), encoding="utf-8")
    return len(train)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `python -m nlu.dataset write-train OUT.yml`."""
    parser = argparse.ArgumentParser(prog="python -m nlu.dataset")
    parser.add_argument("command", choices=["write-train"])
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    count = write_train_split(args.out)
    print(f"wrote {count} training examples to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
