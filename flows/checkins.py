"""The follow-up: how is it going now with the story told earlier, and perhaps a new one."""

from __future__ import annotations

from flows.events import (
    CheckInIn,
    Choice,
    PostponeCheckIn,
    RecordConsent,
    SaveCheckInAnswer,
    StopCheckIns,
)
from flows.state import CheckInRef, Draft
from flows.turn import Turn

# A follow-up may interrupt a resident only when no question of a story is pending.
INTERRUPTIBLE_STEPS = frozenset(
    {"ended", "stopped", "another", "checkin", "checkin_story", "title"}
)
ANSWERS = ("better", "same", "worse")


def on_checkin_due(turn: Turn, event: CheckInIn) -> None:
    """Ask how it is going now, unless the resident is busy telling or answering."""
    if turn.state.step not in INTERRUPTIBLE_STEPS or turn.state.step == "title":
        turn.effect(PostponeCheckIn(event.checkin_id))
        return
    turn.state.checkin = CheckInRef(
        checkin_id=event.checkin_id, story_id=event.story_id, story_title=event.story_title
    )
    turn.state.draft = None
    turn.enter("checkin")
    turn.ask()


def on_checkin_answer(turn: Turn, choice: Choice) -> None:
    """Better, the same, worse, rather not say, or: stop asking me."""
    ref = turn.state.checkin
    if ref is None:
        turn.enter("ended")
        return
    if choice.id == "stop_checkins":
        consent = turn.ctx.form.consent
        turn.effect(RecordConsent("follow_up", consent.text_id, consent.version, False))
        turn.effect(StopCheckIns())
        turn.state.checkin = None
        turn.say("checkin_stopped")
        turn.enter("ended")
        return
    answer = choice.id if choice.id in ANSWERS else "declined"
    turn.effect(SaveCheckInAnswer(ref.checkin_id, answer))
    turn.enter("checkin_story")
    turn.ask()


def on_checkin_story(turn: Turn, choice: Choice) -> None:
    """A new story about what happened since, linked to the first one; or done."""
    ref = turn.state.checkin
    turn.state.checkin = None
    if choice.role == "yes" and ref is not None and turn.state.consented:
        turn.state.draft = Draft(parent_story_id=ref.story_id)
        turn.enter("story")
        turn.say("checkin_story_start")
        turn.ask()
        return
    turn.say("checkin_thanks")
    turn.enter("ended")
