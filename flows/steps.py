"""What each answer does, step by step through the conversation."""

from __future__ import annotations

from typing import Any

from flows.checkins import on_checkin_answer, on_checkin_story
from flows.events import (
    AnswerStatus,
    Choice,
    EraseParticipant,
    Outbound,
    RecordConsent,
    SaveAbout,
    SaveAnswer,
    SaveStory,
    ScheduleFollowUps,
    SetLanguage,
)
from flows.questions import question_type
from flows.questions.base import Answer, NothingPicked, Toggled
from flows.state import Draft, State
from flows.turn import Turn


def hello(turn: Turn) -> None:
    """Introduce the story point and ask for consent; the last line of the hello carries the
    "read aloud" button, so the consent question keeps its three buttons."""
    for key in ("hello", "hello_what", "hello_anonymous"):
        turn.say(key)
    listen = () if turn.state.listen else (Choice("listen", turn.text("choice.listen"),
                                                  role="command"),)
    turn.result.outbox.append(Outbound(text=turn.text("hello_contact"), choices=listen,
                                       language=turn.lang))
    turn.enter("consent")
    turn.ask()


def reask(turn: Turn) -> None:
    """Show the pending question again; a new resident gets the hello."""
    if turn.state.step == "new":
        hello(turn)
    else:
        turn.ask()


def start_new_story(turn: Turn) -> None:
    """Begin another story: the prompt question, or consent first when not yet given."""
    turn.state.draft = None
    turn.state.resume = None
    if not turn.state.consented:
        hello(turn)
        return
    turn.enter("prompt")
    turn.ask()


def _consent_given(turn: Turn, parent: bool) -> None:
    consent = turn.ctx.form.consent
    if parent:
        turn.effect(RecordConsent("parent", consent.text_id, consent.version, True))
    turn.effect(RecordConsent("story", consent.text_id, consent.version, True))
    turn.state.consented = True
    start_new_story(turn)


def _on_consent(turn: Turn, choice: Choice) -> None:
    if choice.role == "yes":
        turn.enter("age")
        turn.ask()
    elif choice.role == "more":
        turn.say("consent_more")
        turn.ask()
    else:
        turn.say("consent_no")
        turn.enter("declined")


def _on_age(turn: Turn, choice: Choice) -> None:
    turn.state.under_16 = choice.role != "yes"
    if choice.role == "yes":
        _consent_given(turn, parent=False)
    else:
        turn.enter("parent")
        turn.ask()


def _on_parent(turn: Turn, choice: Choice) -> None:
    if choice.role == "yes":
        _consent_given(turn, parent=True)
    else:
        turn.say("parent_no")
        turn.enter("refused")


def _on_prompt(turn: Turn, choice: Choice) -> None:
    prompt = next((p for p in turn.ctx.form.prompts if p.id == choice.id), None)
    turn.state.draft = Draft(prompt_id=prompt.id if prompt else None)
    turn.enter("story")
    if prompt:
        turn.say_text(turn.ctx.texts.local(prompt.text, turn.lang))
    turn.ask()


def finish_story(turn: Turn, done: Choice | None = None) -> None:
    """The story is told (`done` pressed or typed, or it is full): show what will be kept,
    or say nothing was told."""
    if not turn.state.draft or not turn.state.draft.parts:
        turn.say("story_empty")
        return
    if done is not None:
        turn.answered(done.label)
    turn.enter("confirm")
    turn.ask()


def _save_story(turn: Turn) -> None:
    draft = turn.state.draft or Draft()
    story_id = turn.ctx.new_id()
    form = turn.ctx.form
    turn.effect(
        SaveStory(
            story_id=story_id,
            prompt_id=draft.prompt_id,
            text="\n\n".join(draft.parts),
            language=turn.lang,
            form_id=form.id,
            form_version=form.version,
            detected_language=draft.detected_language,
            detected_probability=draft.detected_probability,
            start_payload=turn.state.start_payload,
            parent_story_id=draft.parent_story_id,
            help_lines_shown=turn.state.help_lines,
        )
    )
    draft.story_id = story_id
    # From here on, help lines are noted on the stored story (NoteHelpLines).
    turn.state.help_lines = False
    draft.parts = []
    draft.replaced = {}
    turn.state.draft = draft
    turn.state.stories_told += 1
    turn.enter("title")
    turn.ask()


def _on_confirm(turn: Turn, choice: Choice) -> None:
    if choice.role == "yes":
        _save_story(turn)
    elif choice.role == "more":
        if turn.state.draft:
            turn.state.draft.parts = []
            turn.state.draft.replaced = {}
        turn.say("story_retell")
        turn.enter("story")
    else:
        turn.state.draft = None
        turn.state.help_lines = False
        turn.say("story_withdrawn")
        turn.enter("another")
        turn.ask()


def after_title(turn: Turn) -> None:
    """Go on to the questions about the story."""
    questions = turn.ctx.form.questions
    if questions:
        turn.say("questions_intro")
        turn.enter("question", questions[0].id)
        turn.ask()
    else:
        _next_about(turn, start=0, first=True)


def _next_question(turn: Turn) -> None:
    ids = [q.id for q in turn.ctx.form.questions]
    if turn.state.step == "question":
        index = ids.index(turn.state.question_id or "") + 1
        if index < len(ids):
            turn.enter("question", ids[index])
            turn.ask()
            return
        _next_about(turn, start=0, first=True)
        return
    about_ids = [q.id for q in turn.ctx.form.about]
    _next_about(turn, start=about_ids.index(turn.state.question_id or "") + 1, first=False)


def _next_about(turn: Turn, start: int, first: bool) -> None:
    remaining = [q for q in turn.ctx.form.about[start:] if q.id not in turn.ctx.about]
    if not remaining:
        _ask_follow_up(turn)
        return
    if first:
        turn.say("about_intro")
    turn.enter("about", remaining[0].id)
    turn.ask()


def _ask_follow_up(turn: Turn) -> None:
    if turn.ctx.form.follow_up.days and turn.state.draft and turn.state.draft.story_id:
        turn.enter("follow_up")
        turn.ask()
    else:
        _thanks(turn)


def _thanks(turn: Turn) -> None:
    turn.say("thanks")
    turn.state.draft = None
    turn.enter("another")
    turn.ask()


def save_answer(turn: Turn, status: AnswerStatus, value: Any = None) -> None:
    """Store the answer to the pending form question and go to the next one."""
    question_id = turn.state.question_id or ""
    method = turn.answer_method
    if turn.state.step == "about":
        turn.effect(SaveAbout(question_id, status, value, method))
    elif turn.state.draft and turn.state.draft.story_id:
        turn.effect(SaveAnswer(turn.state.draft.story_id, question_id, status, value, method))
    _next_question(turn)


def _on_form_question(turn: Turn, choice: Choice) -> None:
    question = turn.ctx.form.question(turn.state.question_id or "")
    if question is None:
        raise LookupError(f"no question {turn.state.question_id!r} in form {turn.ctx.form.id}")
    match question_type(question.type).press(turn.pending(), choice):
        case Answer(labels=labels, status=status, value=value):
            turn.answered(turn.text("list_separator").join(labels))
            save_answer(turn, status, value)
        case Toggled(option_ids=option_ids):
            toggle(turn, list(option_ids))
        case NothingPicked():
            turn.say("multi_none")
            turn.ask()


def toggle(turn: Turn, choice_ids: list[str]) -> None:
    """Tick or untick options of a multiple-choice question and redraw it."""
    selected = turn.state.selected
    for choice_id in choice_ids:
        if choice_id in selected:
            selected.remove(choice_id)
        else:
            selected.append(choice_id)
    turn.redraw()


def _on_follow_up(turn: Turn, choice: Choice) -> None:
    draft = turn.state.draft
    if choice.role == "yes" and draft and draft.story_id:
        consent = turn.ctx.form.consent
        turn.effect(RecordConsent("follow_up", consent.text_id, consent.version, True))
        turn.effect(ScheduleFollowUps(draft.story_id, tuple(turn.ctx.form.follow_up.days)))
    _thanks(turn)


def _on_another(turn: Turn, choice: Choice) -> None:
    if choice.role == "yes":
        start_new_story(turn)
    else:
        turn.say("goodbye")
        turn.enter("ended")


def set_language(turn: Turn, choice: Choice) -> None:
    """Switch to the language `choice` names, close its question and go back to the
    pending one."""
    token = turn.state.token
    turn.state.language = choice.id
    turn.effect(SetLanguage(choice.id))
    turn.say("language_changed")
    # After the switch, so the resident reads the answer in the language they chose.
    turn.answered(choice.label, token)
    turn.come_back()
    if turn.state.step in ("consent", "declined"):
        # Consent counts only for a text read in the resident's language: all of it again.
        hello(turn)
    else:
        reask(turn)


def _on_language_offer(turn: Turn, choice: Choice) -> None:
    if choice.role == "yes":
        set_language(turn, choice)
    else:
        turn.answered(choice.label)
        turn.come_back()
        reask(turn)


def _on_erase(turn: Turn, choice: Choice) -> None:
    if choice.role == "yes":
        # Closed before the erasure: the service resolves the sent message while it still
        # exists (see ConversationService), so the channel can close it afterwards.
        turn.answered(choice.label)
        turn.effect(EraseParticipant())
        language = turn.state.language
        turn.state = State(language=language)
        turn.say("erased")
    else:
        turn.answered(choice.label)
        turn.say("erase_cancelled")
        turn.come_back()
        reask(turn)


def on_answer(turn: Turn, choice: Choice) -> None:
    """A choice of the pending question was made (pressed or typed)."""
    step = turn.state.step
    if step in ("question", "about"):
        _on_form_question(turn, choice)
        return
    # These close their question themselves: the story's done button only once a story was
    # told, a language choice after the switch, the erasure only when cancelled.
    if step not in ("story", "language", "language_offer", "erase"):
        turn.answered(choice.label)
    handler = _HANDLERS.get(step)
    if handler is not None:
        handler(turn, choice)


def _on_story(turn: Turn, choice: Choice) -> None:
    finish_story(turn, choice)


def _on_title(turn: Turn, choice: Choice) -> None:
    after_title(turn)


def _on_language(turn: Turn, choice: Choice) -> None:
    set_language(turn, choice)


def _on_stopped(turn: Turn, choice: Choice) -> None:
    start_new_story(turn)


_HANDLERS = {
    "checkin": on_checkin_answer,
    "checkin_story": on_checkin_story,
    "consent": _on_consent,
    "declined": _on_consent,
    "new": _on_consent,
    "age": _on_age,
    "parent": _on_parent,
    "prompt": _on_prompt,
    "story": _on_story,
    "confirm": _on_confirm,
    "title": _on_title,
    "follow_up": _on_follow_up,
    "another": _on_another,
    "ended": _on_another,
    "stopped": _on_stopped,
    "language": _on_language,
    "language_offer": _on_language_offer,
    "erase": _on_erase,
}
