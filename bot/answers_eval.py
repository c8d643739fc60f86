"""How well typed answers are understood: each reply of a corpus run through one real turn.

A corpus case is a language, a question (a form question id, or a step such as `_consent`),
a typed reply and what the resident meant: a choice id, several joined by "+", "skipped" or
"declined", "none" for a reply that is no answer (a trap) and must change nothing, or "story"
for a story typed at the prompt question (kept as the first part of the story). A
derailment is a reply that ends, restarts or discards the story or consent when that was not
what the resident meant.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import yaml

from flows.context import Context
from flows.engine import run_turn
from flows.events import (
    ChoiceIn,
    EraseParticipant,
    SaveAbout,
    SaveAnswer,
    SaveStory,
    TextIn,
    TurnResult,
)
from flows.forms.schema import Form
from flows.state import Draft, State, Step

CORPUS_PATH: Final = Path(__file__).resolve().parents[1] / "tests" / "data" / "typed_answers.yaml"
HOLD_OUT_EVERY: Final = 3
"""Every third case of a language and question is held out from tuning."""
NOTHING: Final = "none"
STORY: Final = "story"
# Steps asked outside the form, by the name a corpus gives them.
SYSTEM_STEPS: Final[dict[str, Step]] = {
    "_consent": "consent", "_age": "age", "_prompt": "prompt", "_confirm": "confirm",
    "_another": "another", "_follow_up": "follow_up", "_story": "story",
}
ENDING_STEPS: Final = frozenset({"stopped", "ended", "declined", "refused", "new", "erase"})


@dataclass(frozen=True, slots=True)
class Case:
    """One typed reply and what the resident meant by it."""

    language: str
    question: str
    reply: str
    meant: str

    def kind(self, form: Form) -> str:
        """The question's type (single_choice, scale, ...), or the step it is asked at."""
        question = form.question(self.question)
        return question.type if question is not None else self.question


@dataclass(frozen=True, slots=True)
class Split:
    """The cases answers were tuned on, and the held-out ones."""

    tuned: tuple[Case, ...]
    held_out: tuple[Case, ...]


def load_cases(path: Path = CORPUS_PATH) -> list[Case]:
    """Every case of the corpus, in file order."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases: list[Case] = []
    for language, questions in document["languages"].items():
        for question, pairs in questions.items():
            for reply, meant in pairs:
                cases.append(Case(str(language), str(question), str(reply), str(meant)))
    return cases


def split_cases(cases: Iterable[Case]) -> Split:
    """Hold out every HOLD_OUT_EVERY-th case per language and question, in file order."""
    seen: Counter[tuple[str, str]] = Counter()
    tuned: list[Case] = []
    held: list[Case] = []
    for case in cases:
        seen[(case.language, case.question)] += 1
        (held if seen[(case.language, case.question)] % HOLD_OUT_EVERY == 0 else tuned).append(
            case)
    return Split(tuple(tuned), tuple(held))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one reply was read as, and whether it derailed the conversation."""

    read_as: str
    derailed: bool


def _state_at(form: Form, case: Case) -> State:
    step = SYSTEM_STEPS.get(case.question)
    told = Draft(prompt_id="needed_help", parts=["Mijn buurman hielp mij."])
    if step in ("story", "confirm"):
        return State(step=step, language=case.language, consented=True, draft=told)
    if step is not None:
        return State(step=step, language=case.language, consented=step != "consent")
    about = any(q.id == case.question for q in form.about)
    return State(step="about" if about else "question", question_id=case.question,
                 language=case.language, consented=True,
                 draft=Draft(prompt_id="needed_help", story_id="s0"))


def _form_answer(result: TurnResult, question: str) -> str | None:
    for effect in result.effects:
        if isinstance(effect, SaveAnswer | SaveAbout) and effect.question_id == question:
            if effect.status != "answered":
                return effect.status
            value = effect.value or {}
            return "+".join(value.get("options", [])) or str(value.get("option", "text"))
    return None


def _signature(state: State, result: TurnResult) -> tuple[object, ...]:
    """Where a turn led: the step, question, story prompt and the first thing said."""
    said = next((o.text for o in result.outbox if o.kind == "message"), None)
    prompt = state.draft.prompt_id if state.draft else None
    return (state.step, state.question_id, prompt, said)


def _pressed_as(before: State, after: State, result: TurnResult, ctx: Context) -> str:
    """The choice whose press from `before` leads where the reply led."""
    if after.step == "check" and after.check is not None:
        return after.check.choice_id or f"/{after.check.command}"
    if after.selected:
        return "+".join(after.selected)
    typed = _signature(after, result)
    for choice_id in ("yes", "no", "more", "save", "retell", "withdraw", "done", "skip",
                      "age_yes", "age_no", *(p.id for p in ctx.form.prompts)):
        pressed, pressed_result = run_turn(before, ChoiceIn(choice_id), ctx)
        if _signature(pressed, pressed_result) == typed:
            return choice_id
    if (after.step, after.question_id) == (before.step, before.question_id):
        return NOTHING
    return f"step:{after.step}"


def _derailed(before: State, after: State, result: TurnResult, case: Case) -> bool:
    """Ended, restarted, discarded or erased by a typed reply; only "another story?" may
    end (no) or start a new story (yes) when typed."""
    ended = after.step in ENDING_STEPS and before.step not in ENDING_STEPS
    saved = any(isinstance(e, SaveStory) for e in result.effects)
    kept = bool(after.draft and after.draft.parts) or saved or case.meant == "retell"
    lost = bool(before.draft and before.draft.parts) and not kept
    erased = any(isinstance(e, EraseParticipant) for e in result.effects)
    restarted = after.step == "prompt" and before.step != "prompt"
    return (ended or lost or erased or restarted) and case.question != "_another"


def read_case(case: Case, ctx: Context) -> Outcome:
    """Run the reply as one turn from its question and say what it was read as."""
    before = _state_at(ctx.form, case)
    after, result = run_turn(before, TextIn(case.reply), ctx)
    answer = _form_answer(result, case.question)
    if answer is not None:
        read_as = answer
    elif before.step == "story":
        read_as = "done" if after.step == "confirm" else NOTHING
    elif before.step == "prompt" and after.draft and after.draft.parts == [case.reply]:
        read_as = STORY
    else:
        read_as = _pressed_as(before, after, result, ctx)
    return Outcome(read_as, _derailed(before, after, result, case))


@dataclass(slots=True)
class AnswersReport:
    """Counts of replies read as meant, overall and per language and question."""

    total: int = 0
    correct: int = 0
    derailments: int = 0
    by_key: Counter[tuple[str, str]] = field(default_factory=Counter)
    correct_by_key: Counter[tuple[str, str]] = field(default_factory=Counter)
    misses: list[tuple[Case, Outcome]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Share of replies read as the resident meant."""
        return self.correct / self.total if self.total else 0.0

    def accuracy_by(self, index: int) -> dict[str, float]:
        """Accuracy per language (index 0) or per question type or step (index 1)."""
        totals: Counter[str] = Counter()
        right: Counter[str] = Counter()
        for key, count in self.by_key.items():
            totals[key[index]] += count
            right[key[index]] += self.correct_by_key[key]
        return {name: right[name] / totals[name] for name in totals}


def evaluate_answers(cases: Sequence[Case], ctx: Context) -> AnswersReport:
    """Run every case and count what was read as meant, and the derailments."""
    report = AnswersReport()
    for case in cases:
        outcome = read_case(case, ctx)
        key = (case.language, case.kind(ctx.form))
        report.total += 1
        report.by_key[key] += 1
        report.derailments += outcome.derailed
        if outcome.read_as == case.meant and not outcome.derailed:
            report.correct += 1
            report.correct_by_key[key] += 1
        else:
            report.misses.append((case, outcome))
    return report
