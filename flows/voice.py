"""Voice in the conversation: a spoken story part is checked before it is kept; listen mode."""

from __future__ import annotations

from collections.abc import Callable

from flows.events import Choice, SpokenIn
from flows.listening import number_heard
from flows.matching import match_label, match_number
from flows.steps import finish_story, reask
from flows.story_text import add_story_text, is_done_word
from flows.turn import Turn

HELLO_KEYS = ("hello", "hello_what", "hello_anonymous", "hello_contact")


def on_spoken(turn: Turn, event: SpokenIn, on_text: Callable[[Turn, str], None]) -> None:
    """A transcribed voice note: a problem gets a friendly word; in the story it is read back
    to be checked; anywhere else it answers as typed text would."""
    if event.problem is not None:
        turn.say(f"voice.{event.problem}")
        reask(turn)
        return
    transcript = event.transcript.strip()
    as_typed = _as_typed(turn, transcript)
    if turn.state.step == "voice_check":
        choices = turn.pending().choices
        picked = match_number(as_typed, choices) or match_label(as_typed, choices)
        if picked is not None:
            on_voice_check(turn, picked)
            return
    if turn.state.step in ("story", "voice_check") and transcript:
        _heard_story(turn, transcript)
        return
    on_text(turn, as_typed)


def _as_typed(turn: Turn, transcript: str) -> str:
    """What a resident said as what they would have typed: a spoken number ("nummer twee")
    as its digit where buttons are asked for; free text stays as it was said."""
    if turn.state.step in ("story", "title") or turn.pending().free_text:
        return transcript
    return number_heard(turn.ctx.texts, turn.lang, transcript) or transcript


def _heard_story(turn: Turn, transcript: str) -> None:
    if is_done_word(turn, transcript):
        _forget_heard(turn)
        finish_story(turn, turn.pending().with_role("done"))
        return
    result = turn.ctx.scrub(transcript, turn.lang)
    scrubbed = result.text
    draft = turn.state.draft
    if draft is None:
        return  # the story step always has a draft; nothing to keep without one
    draft.heard, draft.heard_replaced = scrubbed, dict(result.replaced)
    turn.enter("voice_check")
    turn.say("voice.heard")
    turn.say_text(scrubbed)
    turn.speak(scrubbed, private=True)
    turn.ask()


def _forget_heard(turn: Turn) -> None:
    if turn.state.draft is not None:
        turn.state.draft.heard, turn.state.draft.heard_replaced = None, {}
    if turn.state.step == "voice_check":
        turn.enter("story")


def on_voice_check(turn: Turn, choice: Choice) -> None:
    """Keep the spoken part, say it again, or type it instead."""
    turn.answered(choice.label)
    draft = turn.state.draft
    heard = draft.heard if draft else None
    replaced = dict(draft.heard_replaced) if draft else {}
    _forget_heard(turn)
    if choice.id == "keep_voice" and heard:
        add_story_text(turn, heard, scrubbed=True, already_replaced=replaced)
        return
    turn.say("voice.type_it" if choice.id == "type_instead" else "voice.say_again")
    turn.ask()


def typed_at_voice_check(turn: Turn, text: str) -> None:
    """Typing instead of choosing: the spoken part is dropped and the text is story text."""
    _forget_heard(turn)
    add_story_text(turn, text)


def toggle_listen(turn: Turn, on: bool | None = None) -> None:
    """Switch listen mode (on, off, or the other way round) and say so."""
    turn.state.listen = (not turn.state.listen) if on is None else on
    turn.say("voice.listen_on" if turn.state.listen else "voice.listen_off")
    if turn.state.listen and turn.state.step in ("new", "consent", "declined"):
        # Someone who cannot read has not heard what the story point is yet.
        turn.speak("\n".join(turn.text(key) for key in HELLO_KEYS))
    reask(turn)
