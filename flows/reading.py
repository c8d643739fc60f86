"""Answers first: a typed reply is read against the pending question before anything else.

The question's type reads the number, the label and the synonyms exactly; when that finds
nothing, the reply is read more loosely (done words, ordinals, a number within a label's
range, small typos, one word of one label, several options at once). Only a reply that
names no answer is tried as an intent or a command (flows.engine).
"""

from __future__ import annotations

from collections.abc import Sequence

from flows.asks import Ask
from flows.context import AnswerWordsLike
from flows.events import Choice
from flows.matching import normalise
from flows.questions.base import Picked, QuestionType, Reading, Synonyms, Toggled, read_choice
from flows.turn import Turn

LAST = -1
"""The position an ordinal reader gives for "the last one"."""
WORD_OF_LABEL_MIN = 4
"""A single typed word names a label it is part of only when it is at least this long."""


def reply_languages(turn: Turn) -> tuple[str, ...]:
    """The languages a reply is read in: the resident's first, then the form's others (a
    resident may type the done word or an ordinal in their own language)."""
    return tuple(dict.fromkeys((turn.lang, turn.ctx.form.default_language,
                                *turn.ctx.form.languages)))


def read_reply(
    turn: Turn, ask: Ask, text: str, reader: QuestionType, synonyms: Synonyms
) -> Reading | None:
    """What a typed reply answers at the pending question; None when it names no answer."""
    reading = reader.read_typed(text, ask, synonyms)
    if reading is None and not ask.free_text and turn.ctx.answers is not None:
        reading = _loosely(turn.ctx.answers, turn, ask, text, synonyms)
    if ask.multi:
        return _adding_only(ask, reading)
    return reading


def _adding_only(ask: Ask, reading: Reading | None) -> Reading | None:
    """Typing an option of a multiple choice ticks it; it never unticks one ticked before."""
    selected = {c.id for c in ask.choices if c.selected}
    match reading:
        case Picked(choice=choice) if choice.role == "option":
            return Toggled(() if choice.id in selected else (choice.id,))
        case Toggled(option_ids=ids):
            return Toggled(tuple(i for i in dict.fromkeys(ids) if i not in selected))
    return reading


def _loosely(
    words: AnswerWordsLike, turn: Turn, ask: Ask, text: str, synonyms: Synonyms
) -> Reading | None:
    languages = reply_languages(turn)
    if ask.multi:
        several = _several(words, ask, text, synonyms, languages)
        if several:
            return Toggled(several)
    return find_picked(words, ask, text, synonyms, languages)


def _options(ask: Ask) -> list[Choice]:
    options = [c for c in ask.choices if c.role in ("option", "language")]
    return options or list(ask.choices)


def _phrases(ask: Ask, synonyms: Synonyms) -> dict[str, str]:
    """Every label, short label and synonym, as written, to its choice id."""
    phrases: dict[str, str] = {}
    for choice in ask.choices:
        for phrase in (choice.label, choice.short, *synonyms.get(choice.id, ())):
            if phrase:
                phrases.setdefault(phrase, choice.id)
    return phrases


def find_choice(
    words: AnswerWordsLike, ask: Ask, text: str, synonyms: Synonyms, languages: Sequence[str]
) -> Choice | None:
    """The one choice a reply names loosely (see find_picked)."""
    picked = find_picked(words, ask, text, synonyms, languages)
    return picked.choice if picked is not None else None


def find_picked(
    words: AnswerWordsLike, ask: Ask, text: str, synonyms: Synonyms, languages: Sequence[str]
) -> Picked | None:
    """The one choice a reply names loosely: done, an ordinal, a number within a label's
    range, a word only one label has, or (a guess) a small typo of a label or synonym."""
    done = ask.with_role("done")
    if done is not None and words.is_done_word(text, languages, synonyms.get(done.id, ())):
        return Picked(done)
    options = _options(ask)
    position = words.ordinal_position(text, languages)
    if position is not None:
        if position == LAST:
            return Picked(options[-1])
        return Picked(options[position - 1]) if 1 <= position <= len(options) else None
    stripped = text.strip().rstrip(".")
    if stripped.isdigit():
        found = words.choice_for_number(int(stripped), {c.id: c.label for c in options})
        choice = ask.find(found) if found else None
        return Picked(choice) if choice is not None else None
    whole_word = _word_of_one_label(text, ask.choices)
    if whole_word is not None:
        return Picked(whole_word)
    found = words.fuzzy_match(text, _phrases(ask, synonyms))
    choice = ask.find(found[0]) if found is not None else None
    return Picked(choice, guessed=found[1]) if choice is not None and found else None


def _word_of_one_label(text: str, choices: Sequence[Choice]) -> Choice | None:
    """A single word that is a whole word of exactly one label ("buurt" for "🏘️ Mijn buurt")."""
    wanted = normalise(text)
    if " " in wanted or len(wanted) < WORD_OF_LABEL_MIN or wanted.isdigit():
        return None
    having = [
        c for c in choices
        if any(wanted in normalise(label).split() for label in (c.label, c.short or ""))
    ]
    return having[0] if len(having) == 1 else None


def _several(
    words: AnswerWordsLike, ask: Ask, text: str, synonyms: Synonyms, languages: Sequence[str]
) -> tuple[str, ...]:
    """The options a reply names together ("geld, huis"); empty unless every part is one."""
    parts = words.split_options(text, languages, keep=list(_phrases(ask, synonyms)))
    if len(parts) < 2:
        return ()
    picked: list[str] = []
    for part in parts:
        exact = read_choice(part, ask.choices, synonyms)
        choice = exact.choice if exact else find_choice(words, ask, part, synonyms, languages)
        if choice is None or choice.role != "option":
            return ()
        picked.append(choice.id)
    return tuple(dict.fromkeys(picked))
