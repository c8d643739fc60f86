"""The question pending at each step: its text and its buttons, in the resident's language."""

from __future__ import annotations

from dataclasses import dataclass

from flows.context import Context
from flows.events import Choice, ChoiceRole
from flows.questions import question_type
from flows.questions.base import system_choice
from flows.state import State

__all__ = ["Ask", "pending_ask", "system_choice"]


@dataclass(frozen=True, slots=True)
class Ask:
    """A pending question: what to say and which choices it offers."""

    text: str
    choices: tuple[Choice, ...]
    question_id: str | None = None
    multi: bool = False
    free_text: bool = False
    max_characters: int = 1000

    def find(self, choice_id: str) -> Choice | None:
        """The choice with this id."""
        return next((c for c in self.choices if c.id == choice_id), None)

    def with_role(self, role: ChoiceRole) -> Choice | None:
        """The first choice with this role (yes, no, skip, ...)."""
        return next((c for c in self.choices if c.role == role), None)


def _yes_no(ctx: Context, lang: str, yes: str = "yes", no: str = "no") -> tuple[Choice, ...]:
    return (system_choice(ctx, lang, "yes", yes), system_choice(ctx, lang, "no", no))


def _form_question_ask(ctx: Context, state: State) -> Ask:
    question = ctx.form.question(state.question_id or "")
    if question is None:
        raise LookupError(f"no question {state.question_id!r} in form {ctx.form.id}")
    kind = question_type(question.type)
    return Ask(
        text=ctx.texts.local(question.text, state.language),
        choices=kind.choices(ctx, question, state),
        question_id=question.id,
        multi=kind.multi,
        free_text=kind.free_text,
        max_characters=question.max_characters,
    )


def _prompt_ask(ctx: Context, state: State) -> Ask:
    lang = state.language
    prompts = tuple(
        Choice(
            id=p.id,
            label=ctx.texts.local(p.label, lang),
            short=ctx.texts.local(p.short, lang) if p.short else None,
            description=ctx.texts.local(p.text, lang),
        )
        for p in ctx.form.prompts
    )
    return Ask(
        ctx.texts.get("prompt_question", lang),
        (*prompts, system_choice(ctx, lang, "skip")),
        "_prompt",
    )


def _language_ask(ctx: Context, state: State) -> Ask:
    choices = tuple(
        Choice(id=lang, label=ctx.texts.language_name(lang), role="language")
        for lang in ctx.texts.languages
    )
    return Ask(ctx.texts.get("language_question", state.language), choices, "_language")


def _language_offer_ask(ctx: Context, state: State) -> Ask:
    lang, offered = state.language, state.offered_language or state.language
    name = ctx.texts.language_name(offered)
    switch = Choice(
        id=offered, label=ctx.texts.get("choice.switch_language", offered, name=name),
        role="yes",
    )
    keep = system_choice(ctx, lang, "no", "keep_language")
    text = ctx.texts.get("language_offer", offered, name=name)
    return Ask(text, (switch, keep), "_language_offer")


def _simple_ask(ctx: Context, state: State) -> Ask:
    lang, t = state.language, ctx.texts
    match state.step:
        case "consent" | "declined" | "new":
            more = system_choice(ctx, lang, "more")
            yes, no = _yes_no(ctx, lang)
            return Ask(t.get("consent_question", lang), (yes, more, no), "_consent")
        case "age":
            return Ask(t.get("age_question", lang), _yes_no(ctx, lang, "age_yes", "age_no"), "_age")
        case "parent":
            return Ask(t.get("parent_question", lang), _yes_no(ctx, lang), "_parent")
        case "refused":
            return Ask(t.get("parent_no", lang), (), "_refused")
        case "story":
            key = "story_more" if state.draft and state.draft.parts else "story_start"
            done = (system_choice(ctx, lang, "done"),)
            return Ask(t.get(key, lang), done, "_story", free_text=True,
                       max_characters=ctx.form.story.max_characters)
        case "confirm":
            choices = (
                system_choice(ctx, lang, "yes", "save"),
                system_choice(ctx, lang, "more", "retell"),
                system_choice(ctx, lang, "no", "withdraw"),
            )
            return Ask(t.get("confirm_question", lang), choices, "_confirm")
        case "title":
            return Ask(t.get("title_question", lang), (system_choice(ctx, lang, "skip"),),
                       "_title", free_text=True,
                       max_characters=ctx.form.story.title_max_characters)
        case "follow_up":
            return Ask(t.get("follow_up_question", lang), _yes_no(ctx, lang), "_follow_up")
        case "another":
            return Ask(t.get("another_question", lang), _yes_no(ctx, lang), "_another")
        case "ended":
            return Ask(t.get("ended_hint", lang), _yes_no(ctx, lang), "_another")
        case "stopped":
            new = system_choice(ctx, lang, "yes", "new_story")
            return Ask(t.get("stopped", lang), (new,), "_stopped")
        case "checkin":
            outcomes = tuple(
                system_choice(ctx, lang, "option", key) for key in ("better", "same", "worse")
            )
            stop = (system_choice(ctx, lang, "decline"),
                    system_choice(ctx, lang, "no", "stop_checkins"))
            # One message: a follow-up may be the first message in weeks, and platforms
            # limit how many messages a chat gets per second.
            title = state.checkin.story_title if state.checkin else None
            intro = (t.get("checkin_intro_title", lang, title=title) if title
                     else t.get("checkin_intro", lang))
            question = t.get("checkin_question", lang)
            return Ask(f"{intro}\n{question}", outcomes + stop, "_checkin")
        case "checkin_story":
            return Ask(t.get("checkin_story_question", lang), _yes_no(ctx, lang), "_checkin_story")
        case "voice_check":
            heard = tuple(system_choice(ctx, lang, "option", key)
                          for key in ("keep_voice", "say_again", "type_instead"))
            return Ask(t.get("voice.check_question", lang), heard, "_voice_check")
        case "check":
            what = state.check.what if state.check else "stop"
            label = state.check.label if state.check else None
            text = t.get(f"check_{what}", lang, label=label or "")
            return Ask(text, _yes_no(ctx, lang), "_check")
        case "erase":
            return Ask(t.get("erase_question", lang),
                       _yes_no(ctx, lang, "erase_yes", "erase_no"), "_erase")
    raise LookupError(f"no question at step {state.step}")


def pending_ask(ctx: Context, state: State) -> Ask:
    """The question the resident should answer now."""
    if state.step in ("question", "about"):
        return _form_question_ask(ctx, state)
    if state.step == "prompt":
        return _prompt_ask(ctx, state)
    if state.step == "language":
        return _language_ask(ctx, state)
    if state.step == "language_offer":
        return _language_offer_ask(ctx, state)
    return _simple_ask(ctx, state)
