"""Answers first: a typed reply is read against the pending question before anything else.

The question's type reads the number, the label and the synonyms exactly; when that finds
nothing, the reply is read more loosely (done words, ordinals, a number within a label's
range, small typos, one word of one label, several options at once). Only a reply that
names no answer is tried as an intent or a command (flows.engine).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

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
INSIDE_MAX_WORDS = 4
"""A reply this short may name a choice by holding its words ("about my neighbourhood")."""
ENDING_MAX = 4
"""Letters a typed word may add to a label's word and still be that word ("mutluyum")."""
STEM_MIN = 6
"""A word this long is still itself with its last letter changed ("okolica", "okolicy")."""
PREFIX_MAX = 2
"""Letters joined before a word that leave it itself (Arabic "ل" in "لمساعدة")."""


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
    picked = find_picked(words, ask, text, synonyms, languages)
    return picked or _named_inside(turn, ask, text, synonyms)


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
    matched = words.fuzzy_match(text, _phrases(ask, synonyms))
    if matched is None:
        return None
    typo = ask.find(matched[0])
    return Picked(typo, guessed=matched[1]) if typo is not None else None


def _named_inside(turn: Turn, ask: Ask, text: str, synonyms: Synonyms) -> Picked | None:
    """A guess: a short reply that holds the words of one choice's label or synonym
    ("gesprek met de gemeente", "quite a lot"), or a telling word of one label ("over geld"),
    each word perhaps inflected ("mutluyum", "okolicy", "لمساعدة"); never a reply with a
    word that turns it around ("not happy")."""
    reply = normalise(text).split()
    if not reply or len(reply) > INSIDE_MAX_WORDS or has_word_of(turn, text, "no", "not"):
        return None
    common = {normalise(w) for w in turn.ctx.texts.words("synonyms.common", turn.lang)}
    telling = [word for word in reply if len(word) >= WORD_OF_LABEL_MIN and word not in common]
    # Only the options of a question or prompt: a yes inside a sentence is no consent, and
    # the words of skip and decline are words of every sentence ("sla over", "liever niet").
    options = [c for c in ask.choices if c.role == "option"]
    named: set[str] = set()
    starts = _word_starts(reply)
    for phrase, choice_id in _phrases(ask, synonyms).items():
        words = _undecorated(phrase)
        # Most phrases share no beginning with any typed word: skip those at once.
        if words and _stem(words[0]) in starts and _holds(reply, words):
            named.add(choice_id)
    named &= {c.id for c in options}
    for choice in options:
        labels = [_undecorated(label) for label in (choice.label, choice.short or "")]
        if any(_is_word(word, part) for word in telling for label in labels for part in label):
            named.add(choice.id)
    found = ask.find(named.pop()) if len(named) == 1 else None
    return Picked(found, guessed=True) if found is not None else None


@lru_cache(maxsize=8192)
def _undecorated(label: str) -> tuple[str, ...]:
    """A label's words without its leading number ("4️⃣ A lot" is "a lot")."""
    words = normalise(label).split()
    return tuple(words[1:] if words and words[0].isdigit() else words)


def _stem(word: str) -> str:
    """What a typed word must begin with (or end with) to be this word, perhaps inflected."""
    return word[:-1] if len(word) >= STEM_MIN else word


def _word_starts(reply: list[str]) -> set[str]:
    """Every beginning of every typed word, and each without a prefix of up to two letters."""
    starts: set[str] = set()
    for typed in reply:
        for cut in range(PREFIX_MAX + 1):
            rest = typed[cut:]
            starts.update(rest[:end] for end in range(1, len(rest) + 1))
    return starts


def has_word_of(turn: Turn, text: str, *roles: str) -> bool:
    """Whether a reply holds, as whole words, one of the resident's words for any of these
    roles (yes, no, not, ...)."""
    padded = f" {normalise(text)} "
    for role in roles:
        for word in turn.ctx.texts.words(f"synonyms.{role}", turn.lang):
            wanted = normalise(word)
            if wanted and f" {wanted} " in padded:
                return True
    return False


def _is_word(typed: str, word: str) -> bool:
    """Whether a typed word is this word, perhaps inflected: an ending added ("mutluyum"),
    a long word's last letter changed ("okolicy"), or a one- or two-letter prefix joined
    to it ("لمساعدة")."""
    if typed == word:
        return True
    if len(word) < WORD_OF_LABEL_MIN or abs(len(typed) - len(word)) > ENDING_MAX:
        return False
    return typed.startswith(_stem(word)) or (len(word) > WORD_OF_LABEL_MIN and typed.endswith(word)
                                      and len(typed) - len(word) <= PREFIX_MAX)


def _holds(reply: list[str], phrase: tuple[str, ...]) -> bool:
    """Whether the reply holds the phrase's words in a row (each perhaps inflected)."""
    size = len(phrase)
    if not size or size > len(reply):
        return False
    return any(all(_is_word(reply[at + i], phrase[i]) for i in range(size))
               for at in range(len(reply) - size + 1))


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
