"""Language from the first word: a resident who opens in another language is offered it at
once, in that language, before any consent; the picker understands languages by name."""

from __future__ import annotations

from flows.asks import Ask
from flows.events import Choice
from flows.turn import Turn

# Before consent is given: what the resident reads here must be in a language they read.
BEFORE_CONSENT_STEPS = frozenset({"new", "consent", "declined", "age", "parent"})
# How sure the first words must be before the bot offers their language.
FIRST_WORDS_PROBABILITY = 0.8


def offer_first_language(turn: Turn, text: str) -> bool:
    """Offer the language of a reply written before consent, when it is not the current
    one; True when offered (the pending question waits until the resident has chosen)."""
    guess_language = turn.ctx.guess_language
    if guess_language is None or turn.state.step not in BEFORE_CONSENT_STEPS:
        return False
    guess = guess_language(text, turn.lang)
    if guess is None:
        return False
    language, probability = guess
    if (
        probability < FIRST_WORDS_PROBABILITY
        or language == turn.lang
        or language not in turn.ctx.texts.languages
        or turn.state.offered_language == language
    ):
        return False
    turn.state.offered_language = language
    turn.detour("language_offer")
    turn.ask()
    return True


def named_language(turn: Turn, ask: Ask, text: str) -> Choice | None:
    """At the language question or offer: the language a reply names ("polski", "عربي")."""
    language_named = turn.ctx.language_named
    if language_named is None or turn.state.step not in ("language", "language_offer"):
        return None
    named = language_named(text, tuple(turn.ctx.texts.languages))
    if named is None:
        return None
    if turn.state.step == "language":
        return ask.find(named)
    if named == turn.lang:
        return ask.with_role("no")
    return Choice(id=named, label=turn.ctx.texts.language_name(named), role="yes")
