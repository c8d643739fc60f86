"""Nothing a resident gave is lost by a guess: a typed reply that would stop, discard or
refuse asks first, with one tap; only a button press or a slash command acts at once."""

from __future__ import annotations

from collections.abc import Callable

from flows.events import Choice
from flows.state import Check
from flows.steps import on_answer, reask
from flows.turn import Turn

# The choices that end, discard or refuse something, by the step they are asked at; the
# value names the question asked first (catalogue key check_<value>).
GUARDED_CHOICES: dict[tuple[str, str], str] = {
    ("consent", "no"): "decline",
    ("parent", "no"): "parent_no",
    ("confirm", "no"): "withdraw",
    ("checkin", "no"): "stop_checkins",
}
# Commands said in words that end or drop what is going on.
GUARDED_COMMANDS = frozenset({"stop", "nieuw"})

CommandRunner = Callable[[Turn, str], None]


# Steps whose answers are stored: a guess there (a typo read as a label) is asked back.
ANSWER_STEPS = frozenset({"question", "about"})


def typed_answer(turn: Turn, choice: Choice, guessed: bool = False) -> None:
    """A choice named by typing: as pressed, unless it would end or discard something, or
    it was a guess at a question whose answer is stored ("Bedoelt u: Verdrietig?")."""
    what = GUARDED_CHOICES.get((turn.state.step, choice.role))
    if what is not None:
        ask_first(turn, Check(what=what, choice_id=choice.id))
    elif guessed and turn.state.step in ANSWER_STEPS:
        ask_first(turn, Check(what="meant", choice_id=choice.id, label=choice.label))
    else:
        turn.note_method("typed")
        on_answer(turn, choice)


def typed_command(turn: Turn, command: str, run_command: CommandRunner) -> None:
    """A command said in words: stop and a new story ask first, others run."""
    if command in GUARDED_COMMANDS and turn.state.step != "check":
        ask_first(turn, Check(what=command, command=command))
    else:
        run_command(turn, command)


def ask_first(turn: Turn, check: Check) -> None:
    """Ask whether the resident really meant it, with yes and no buttons."""
    turn.detour("check")
    turn.state.check = check
    turn.ask()


def settle(turn: Turn, choice: Choice, run_command: CommandRunner) -> None:
    """The answer to "did you mean it?": yes does what was guessed, no goes back."""
    check = turn.state.check
    turn.state.check = None
    turn.answered(choice.label)
    turn.come_back()
    if choice.role != "yes" or check is None:
        reask(turn)
        return
    if check.command:
        run_command(turn, check.command)
        return
    meant = turn.pending().find(check.choice_id or "")
    if meant is None:
        reask(turn)
    else:
        turn.note_method("confirmed")
        on_answer(turn, meant)


def leave_meant_check(turn: Turn) -> bool:
    """At "Bedoelt u: ...?", a reply that is no yes or no is another try at the question
    itself: go back to it without a word, so the reply is read there."""
    check = turn.state.check
    if turn.state.step != "check" or check is None or check.what != "meant":
        return False
    turn.state.check = None
    turn.come_back()
    return True
