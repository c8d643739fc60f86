"""Listen mode: what a question sounds like when it is read aloud, and spoken numbers heard."""

from __future__ import annotations

from collections.abc import Sequence

from flows.events import Choice
from flows.matching import normalise
from flows.texts import Texts, load_catalogue

# Longer than this, a number at the end is part of a sentence, not an answer.
MAX_NUMBER_WORDS = 5


def spoken_question(texts: Texts, language: str, text: str, choices: Sequence[Choice]) -> str:
    """The question, then its choices read with their numbers as words ("Zeg of typ: één,
    Blij. twee, Tevreden."), so a resident who cannot read can answer by number."""
    if not choices:
        return text
    numbers = number_words(texts, language)
    read = [
        f"{numbers[i] if i < len(numbers) else i + 1}, {choice.label}."
        for i, choice in enumerate(choices)
    ]
    return "\n".join([text, texts.get("voice.say_or_type", language), *read])


def number_heard(texts: Texts, language: str, transcript: str) -> str | None:
    """A short utterance that ends in a number ("Twee.", "nummer 3", "I choose number
    three") as that number's digits, so a spoken number answers like a typed one; None for
    anything else."""
    said = normalise(transcript).split()
    if not said or len(said) > MAX_NUMBER_WORDS:
        return None
    last = said[-1]
    if last.isdigit():
        return last
    numbers = [(position, normalise(word).split())
                for position, word in enumerate(number_words(texts, language), start=1)]
    # Longest first: "on iki" is twelve, not two.
    for position, word in sorted(numbers, key=lambda found: -len(found[1])):
        if word and said[-len(word):] == word:
            return str(position)
    return None


def number_words(texts: Texts, language: str) -> list[str]:
    """One, two, three ... in the language (else the form's default), in order."""
    for lang in (language, texts.form.default_language):
        found = load_catalogue(lang).get("synonyms", {}).get("numbers")
        if isinstance(found, list):
            return [str(word) for word in found]
    return []
