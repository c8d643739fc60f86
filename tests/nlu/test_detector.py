"""The numpy detector answers as langdetect's own does, on texts in every language of the
test data (stories, typed answers), and the same text twice the same way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from nlu.detector import SEED, Detectors

DATA = Path(__file__).resolve().parents[1] / "data"
TEXTS_PER_FILE = 25


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(DATA.glob("*.yaml")):
        found = [t for t in dict.fromkeys(_strings(yaml.safe_load(path.read_text())))
                 if len(t) >= 10]
        texts.extend(found[:TEXTS_PER_FILE])
    return texts


def _langdetect(text: str) -> dict[str, float] | None:
    DetectorFactory.seed = SEED
    try:
        return {str(guess.lang): float(guess.prob) for guess in detect_langs(text)}
    except LangDetectException:
        return None


def _ours(detectors: Detectors, text: str) -> dict[str, float] | None:
    try:
        return {str(guess.lang): float(guess.prob) for guess in detectors.probabilities(text)}
    except LangDetectException:
        return None


@pytest.fixture(scope="module")
def detectors() -> Detectors:
    return Detectors()


def test_the_data_has_texts_in_many_languages(detectors: Detectors) -> None:
    found = {max(guess, key=guess.__getitem__) for text in _texts()
             if (guess := _ours(detectors, text))}
    assert {"nl", "en", "tr", "ar", "pl", "uk", "ru"} <= found


@pytest.mark.parametrize("text", _texts())
def test_answers_as_langdetect_does(detectors: Detectors, text: str) -> None:
    expected, got = _langdetect(text), _ours(detectors, text)
    if expected is None:
        assert got is None
        return
    assert got is not None and got.keys() == expected.keys()
    for language, probability in expected.items():
        assert got[language] == pytest.approx(probability, abs=1e-9)


def test_nothing_to_go_on_raises_as_langdetect_does(detectors: Detectors) -> None:
    with pytest.raises(LangDetectException):
        detectors.probabilities("1234 !!")


def test_the_same_text_gets_the_same_answer(detectors: Detectors) -> None:
    text = "my buurman is heel nice and helpful"
    assert _ours(detectors, text) == _ours(detectors, text)
