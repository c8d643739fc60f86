"""One turn in progress: the state being changed, and the messages and effects it makes."""

from __future__ import annotations

from typing import Any

from flows.asks import Ask, pending_ask
from flows.context import Context
from flows.events import AnswerMethod, Effect, Outbound, OutboundKind, TurnResult
from flows.listening import spoken_question
from flows.state import Resume, State, Step

# Telegram allows 4,096 characters; stay well below so the intro line fits too.
MESSAGE_CHUNK = 3500
OVERLAY_STEPS = frozenset({"language", "erase", "language_offer", "check"})
# The less direct way wins when an answer was given in several replies.
_METHOD_RANK: dict[AnswerMethod, int] = {"tapped": 0, "typed": 1, "confirmed": 2}


def chunks(text: str, size: int = MESSAGE_CHUNK) -> list[str]:
    """Split a long text into pieces of at most `size` characters, at spaces where possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > size:
        cut = rest.rfind(" ", 0, size)
        cut = cut if cut > size // 2 else size
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


# Canonical placeholder words grouped as the confirmation names them (the rest: "other").
_REPLACED_GROUPS = {
    "NAAM": "names",
    "ADRES": "addresses",
    "PLAATS": "addresses",
    "POSTCODE": "addresses",
    "TELEFOON": "phones",
}


class Turn:
    """Collects what one turn says and does, on a private copy of the state."""

    def __init__(self, state: State, ctx: Context) -> None:
        # Dumping and validating again copies deeply at a third of the cost of deepcopy.
        self.state = State.model_validate(state.model_dump())
        self.ctx = ctx
        self.result = TurnResult()

    @property
    def lang(self) -> str:
        """The resident's language now."""
        return self.state.language

    def text(self, key: str, **values: Any) -> str:
        """A text in the resident's language."""
        return self.ctx.texts.get(key, self.lang, **values)

    def say(self, key: str, **values: Any) -> None:
        """Send a text from the form or catalogue."""
        self.say_text(self.text(key, **values))

    def say_text(self, text: str) -> None:
        """Send a text as it is (already in the resident's language)."""
        self.result.outbox.append(Outbound(text=text, language=self.lang))

    def speak(self, text: str, private: bool = False) -> None:
        """Send a text as a voice note too; `private` when it quotes the resident."""
        self.result.outbox.append(
            Outbound(text=text, kind="speech", language=self.lang, private=private)
        )

    def effect(self, effect: Effect) -> None:
        """Record something for the service to store."""
        self.result.effects.append(effect)

    def enter(self, step: Step, question_id: str | None = None) -> None:
        """Move to a new pending question; its buttons get a fresh token."""
        self.state.step = step
        self.state.question_id = question_id
        self.state.selected = []
        self.state.token += 1
        self.state.misses = 0
        self.state.answer_method = None

    def note_method(self, method: AnswerMethod) -> None:
        """Remember how (part of) the pending question's answer was given."""
        known = self.state.answer_method
        if known is None or _METHOD_RANK[method] > _METHOD_RANK[known]:
            self.state.answer_method = method

    @property
    def answer_method(self) -> AnswerMethod:
        """How the pending question's answer was given: a tap unless noted otherwise."""
        return self.state.answer_method or "tapped"

    def pending(self) -> Ask:
        """The question pending now."""
        return pending_ask(self.ctx, self.state)

    def ask(self) -> None:
        """Show the pending question with its buttons."""
        if self.state.step == "confirm":
            self._preview()
        self._question("message")

    def redraw(self) -> None:
        """Show the pending question again with its current selection (multiple choice)."""
        self._question("update")

    def _question(self, kind: OutboundKind) -> None:
        ask = self.pending()
        self.result.outbox.append(
            Outbound(
                text=ask.text,
                choices=ask.choices,
                multi=ask.multi,
                question=ask.question_id,
                token=str(self.state.token),
                kind=kind,
                language=self.lang,
            )
        )
        if self.state.listen and kind == "message":
            self.speak(spoken_question(self.ctx.texts, self.lang, ask.text, ask.choices))

    def answered(self, label: str, token: int | None = None) -> None:
        """Tell the channel which answer closed the pending question (or the question with
        `token`, when it is no longer pending)."""
        self.result.outbox.append(
            Outbound(
                text=self.text("answered", label=label),
                token=str(self.state.token if token is None else token),
                kind="answered",
                language=self.lang,
            )
        )

    def _preview(self) -> None:
        """Show the story as it will be kept, and say honestly what scrubbing replaced."""
        draft = self.state.draft
        story = "\n\n".join(draft.parts) if draft else ""
        replaced = self._replaced_summary(draft.replaced if draft else {})
        if replaced:
            self.say("scrub.replaced", what=replaced)
        else:
            self.say("scrub.nothing_found")
        for piece in chunks(self.ctx.show_placeholders(story, self.lang)):
            self.say_text(piece)
        if self.state.listen:
            self.speak(story, private=True)

    def _replaced_summary(self, replaced: dict[str, int]) -> str:
        """ "names (2), phone numbers (1)": what was replaced, in groups a resident knows."""
        groups: dict[str, int] = {}
        for kind, count in replaced.items():
            group = _REPLACED_GROUPS.get(kind, "other")
            groups[group] = groups.get(group, 0) + count
        return ", ".join(
            self.text(f"scrub.{group}", n=groups[group])
            for group in ("names", "addresses", "phones", "other")
            if groups.get(group)
        )

    def detour(self, step: Step) -> None:
        """Leave the current question for a moment (language, erasure), to come back later."""
        if self.state.step not in OVERLAY_STEPS:
            self.state.resume = Resume(
                step=self.state.step,
                question_id=self.state.question_id,
                selected=list(self.state.selected),
                method=self.state.answer_method,
            )
        self.enter(step)

    def come_back(self) -> None:
        """Return from a detour to the question that was pending, and show it."""
        resume = self.state.resume
        self.state.resume = None
        if resume is None:
            self.enter("new")
            return
        self.enter(resume.step, resume.question_id)
        self.state.selected = list(resume.selected)
        self.state.answer_method = resume.method
