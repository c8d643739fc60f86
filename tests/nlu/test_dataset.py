"""The training data: every intent in every language, no contradictions, a stable split."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from nlu.dataset import HOLD_OUT_EVERY, load_examples, load_file, split_examples, to_rasa_yaml
from nlu.intents import INTENTS, SUPPORTED_LANGUAGES
from nlu.normalise import normalise_text


def test_every_language_has_every_intent_with_enough_examples() -> None:
    counts = Counter((example.language, example.intent) for example in load_examples())
    for language in SUPPORTED_LANGUAGES:
        minimum = 25 if language in ("nl", "en") else 10
        for intent in INTENTS:
            assert counts[(language, intent)] >= minimum, (language, intent)
    assert {language for language, _ in counts} == set(SUPPORTED_LANGUAGES)
    assert {intent for _, intent in counts} == set(INTENTS)


def test_no_text_means_two_intents_after_normalising() -> None:
    intents_by_text: dict[str, set[str]] = defaultdict(set)
    for example in load_examples():
        intents_by_text[normalise_text(example.text)].add(example.intent)
    clashes = {text: found for text, found in intents_by_text.items() if len(found) > 1}
    assert clashes == {}


def test_split_holds_out_every_fifth_example_per_language_and_intent() -> None:
    examples = load_examples()
    split = split_examples(examples)
    assert len(split.train) + len(split.test) == len(examples)
    assert split == split_examples(load_examples())
    per_key = Counter((example.language, example.intent) for example in examples)
    held = Counter((example.language, example.intent) for example in split.test)
    for key, total in per_key.items():
        assert held[key] == total // HOLD_OUT_EVERY


def test_train_split_round_trips_through_rasa_yaml(tmp_path: Path) -> None:
    train = split_examples(load_examples()).train
    nl_train = [example for example in train if example.language == "nl"]
    path = tmp_path / "nl.yml"
    path.write_text(to_rasa_yaml(nl_train), encoding="utf-8")
    assert [(e.text, e.intent) for e in load_file(path)] == [(e.text, e.intent) for e in nl_train]
