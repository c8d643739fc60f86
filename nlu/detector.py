"""langdetect's detector with its inner loop on numpy arrays: the same answers, in a fraction
of the time.

langdetect guesses by sampling: each of its seven trials draws n-grams of the text at random
and multiplies, for every language, the running probability by that n-gram's weight, checking
after the first draw and then after every fifth whether one language stands out. That loop
runs in Python over all 55 languages for each draw, and it was most of the CPU of a turn that
reads a story's first words. Here the draws are the same (the same seeded generator, called
the same number of times, in the same order) and the five multiplications between two checks
are done at once, as one product over an array of the drawn n-grams' weights. The answer
differs from langdetect's own by rounding only (tests/nlu/test_detector.py compares the two).
It builds on the internals of langdetect 1.0.9 (pinned in pyproject.toml).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.language import Language

# langdetect samples randomly; a fixed seed makes the same text give the same answer.
SEED = 0
CHECK_EVERY = 5  # langdetect looks for a clear winner after the first draw, then every fifth


class _Detector(Detector):  # type: ignore[misc]  # langdetect ships no type information
    def _detect_block(self) -> None:
        self.cleaning_text()
        ngrams = self._extract_ngrams()
        if not ngrams:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        distinct = list(dict.fromkeys(ngrams))
        row = {ngram: n for n, ngram in enumerate(distinct)}
        weights = np.array([self.word_lang_prob_map[ngram] for ngram in distinct])
        drawn_from = [row[ngram] for ngram in ngrams]  # as long as ngrams: the same draws
        total = np.zeros(len(self.langlist))
        self.random.seed(self.seed)
        for _ in range(self.n_trial):
            prob = np.array(self._init_probability(), dtype=np.float64)
            alpha = self.alpha + self.random.gauss(0.0, 1.0) * self.ALPHA_WIDTH
            smoothing = alpha / self.BASE_FREQ
            draws, i = 1, 0  # i: langdetect's draw counter at the next check
            while True:
                rows = [self.random.choice(drawn_from) for _ in range(draws)]
                prob *= (weights[rows] + smoothing).prod(axis=0)
                prob /= prob.sum()
                if prob.max() > self.CONV_THRESHOLD or i >= self.ITERATION_LIMIT:
                    break
                draws, i = CHECK_EVERY, i + CHECK_EVERY
            total += prob / self.n_trial
        self.langprob = total.tolist()


class Detectors:
    """langdetect's profiles, loaded once (0.4 s); a detector per text."""

    def __init__(self) -> None:
        self._factory: DetectorFactory | None = None
        self._lock = threading.Lock()

    def load(self) -> DetectorFactory:
        """The profiles, loaded on first use; threads wait for the whole set."""
        if self._factory is not None:
            return self._factory
        with self._lock:
            if self._factory is None:
                factory = DetectorFactory()
                factory.load_profile(PROFILES_DIRECTORY)
                factory.set_seed(SEED)
                self._factory = factory
            return self._factory

    def probabilities(self, text: str) -> list[Language]:
        """The candidate languages of `text`, likeliest first, as langdetect's
        `detect_langs` gives them; raises LangDetectException when it has nothing to go on."""
        detector: Any = _Detector(self.load())
        detector.append(text)
        return list(detector.get_probabilities())
