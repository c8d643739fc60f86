"""The story step: every plain text is story text, scrubbed before it is kept."""

from __future__ import annotations

from flows.matching import normalise
from flows.state import Draft
from flows.steps import finish_story
from flows.turn import Turn

# Texts shorter than this give langdetect too little to go on.
DETECT_MIN_CHARACTERS = 25


def is_done_word(turn: Turn, text: str) -> bool:
    """Whether a message is only the done word ("klaar"): the button typed or said."""
    # A message that is only the done word ("klaar") is the button typed, not story text.
    wanted = normalise(text)
    words = turn.ctx.texts.words("synonyms.done", turn.lang)
    return bool(wanted) and any(normalise(w) == wanted for w in words)


def _detect(turn: Turn, text: str) -> None:
    # The first part clear enough to tell decides the story's language: detecting is the
    # costliest thing a turn does, and later parts of one story are in the same language.
    draft = turn.state.draft
    detect = turn.ctx.detect_language
    if (draft is None or detect is None or draft.detected_language is not None
            or len(text) < DETECT_MIN_CHARACTERS):
        return
    guess = detect(text, turn.ctx.platform_language or turn.lang)
    if guess is None:
        return
    draft.detected_language, draft.detected_probability = guess


def _offer_language(turn: Turn) -> bool:
    draft = turn.state.draft
    detected = draft.detected_language if draft else None
    if (
        detected is None
        or detected == turn.lang
        or detected not in turn.ctx.texts.languages
        or turn.state.offered_language == detected
    ):
        return False
    turn.state.offered_language = detected
    turn.detour("language_offer")
    turn.ask()
    return True


def _insert_part(draft: Draft, part: str, sent_order: list[int] | None) -> None:
    """Parts stay in the order the resident sent them, not the order they arrived in."""
    # Cut to `parts`: where the parts were emptied (told again), their orders went with them.
    orders = (draft.part_orders + [None] * len(draft.parts))[: len(draft.parts)]
    at = len(draft.parts)
    while sent_order is not None and at > 0:
        before = orders[at - 1]
        if before is None or before <= sent_order:
            break
        at -= 1
    draft.parts.insert(at, part)
    orders.insert(at, sent_order)
    draft.part_orders = orders


def add_story_text(turn: Turn, text: str, sent_order: list[int] | None = None,
                   scrubbed: bool = False,
                   already_replaced: dict[str, int] | None = None) -> None:
    """Keep one more part of the story, scrubbed (`scrubbed`: it was already, replacing
    `already_replaced`, and the resident checked it); finish when the story is full."""
    if not scrubbed and is_done_word(turn, text):
        finish_story(turn, turn.pending().with_role("done"))
        return
    if not normalise(text):
        turn.say("story_words")
        return
    draft = turn.state.draft
    if draft is None:
        draft = turn.state.draft = Draft()
    limit = turn.ctx.form.story.max_characters
    room = limit - sum(len(p) for p in draft.parts)
    if scrubbed:
        kept, replaced = text.strip(), dict(already_replaced or {})
    else:
        result = turn.ctx.scrub(text.strip(), turn.lang)
        kept, replaced = result.text, dict(result.replaced)
    _detect(turn, text)
    for kind, count in replaced.items():
        draft.replaced[kind] = draft.replaced.get(kind, 0) + count
    if len(kept) >= room:
        _insert_part(draft, kept[:room].rstrip(), sent_order)
        turn.say("story_full")
        finish_story(turn)
        return
    _insert_part(draft, kept, sent_order)
    if not _offer_language(turn):
        turn.ask()
