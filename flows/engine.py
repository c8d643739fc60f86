"""The conversation engine: (state, event, context) -> (state, messages, effects). Pure."""

from __future__ import annotations

import re

from flows.asks import Ask
from flows.checkins import on_checkin_due
from flows.context import Context
from flows.events import (
    CheckInIn,
    Choice,
    ChoiceIn,
    ChoiceRole,
    CommandIn,
    Inbound,
    MediaIn,
    NoteHelpLines,
    OpenedIn,
    SaveTitle,
    SpokenIn,
    TextIn,
    TurnResult,
)
from flows.first_language import named_language, offer_first_language
from flows.make_sure import (
    GUARDED_CHOICES,
    leave_meant_check,
    settle,
    typed_answer,
    typed_command,
)
from flows.matching import match_label, match_number, normalise
from flows.questions import question_type
from flows.questions.base import NoWords, Picked, QuestionType, Toggled, TooLong, Written
from flows.reading import has_word_of, read_reply, reply_languages
from flows.state import Draft, State
from flows.steps import (
    after_title,
    finish_story,
    hello,
    on_answer,
    reask,
    save_answer,
    start_new_story,
    toggle,
)
from flows.story_text import add_story_text
from flows.turn import Turn
from flows.voice import on_spoken, on_voice_check, toggle_listen, typed_at_voice_check

COMMAND_ALIASES = {
    "start": "start",
    "nieuw": "nieuw",
    "new": "nieuw",
    "stop": "stop",
    "help": "help",
    "hulp": "help",
    "taal": "taal",
    "language": "taal",
    "privacy": "privacy",
    "verwijder": "verwijder",
    "delete": "verwijder",
    "voorlezen": "voorlezen",
    "listen": "voorlezen",
}
# Intents that act as a command when said in words outside the story.
INTENT_COMMANDS = {
    "stop": "stop",
    "help": "help",
    "delete_my_data": "verwijder",
    "change_language": "taal",
    "privacy": "privacy",
    "new_story": "nieuw",
}
INTENT_ROLES: dict[str, ChoiceRole] = {"affirm": "yes", "deny": "no", "skip": "skip"}
SYSTEM_SYNONYM_ROLES = ("yes", "no", "skip", "decline", "done", "more")
# Steps after a conversation ended: any text gets the hint of what to do next.
RESTING_STEPS = frozenset({"ended", "stopped", "declined", "refused"})
# Replies not understood in a row before the bot explains how to answer instead.
MISSES_BEFORE_EXAMPLE = 2
# A reply at the prompt question this long is the story itself, not a wrong answer.
STORY_AT_PROMPT_WORDS = 6
_LEADING_SYMBOLS = re.compile(r"^[^\w]+")


def run_turn(state: State, event: Inbound, ctx: Context) -> tuple[State, TurnResult]:
    """Handle one inbound event; returns the new state and what to send and store."""
    turn = Turn(state, ctx)
    match event:
        case OpenedIn():
            _on_opened(turn)
        case CommandIn(name=name, payload=payload):
            run_command(turn, name, payload)
        case MediaIn(kind=kind):
            turn.say("edited_not_read" if kind == "edited" else "media_not_supported")
            reask(turn)
        case SpokenIn(transcript=transcript):
            _signpost(turn, transcript)  # said is as good as typed, help lines included
            on_spoken(turn, event, _on_text)
        case ChoiceIn(choice_id=choice_id, token=token):
            _on_choice(turn, choice_id, token)
        case TextIn(text=text):
            _signpost(turn, text)
            _on_text(turn, text, event.sent_order)
        case CheckInIn():
            on_checkin_due(turn, event)
    return turn.state, turn.result


def _signpost(turn: Turn, text: str) -> None:
    """Help lines for any message that suggests danger, at every step, before anything else."""
    if not turn.ctx.mentions_danger(text):
        return
    draft = turn.state.draft
    if draft is not None and draft.story_id:
        turn.effect(NoteHelpLines(draft.story_id))
    else:
        turn.state.help_lines = True
    turn.say("danger")
    age = turn.ctx.about.get("age_group")
    told_under_16 = isinstance(age, dict) and age.get("value") == {"option": "under_16"}
    if turn.state.under_16 or told_under_16:
        turn.say("danger_child")


def _on_opened(turn: Turn) -> None:
    if turn.state.step == "new":
        hello(turn)
    else:
        turn.say("welcome_back")
        turn.ask()


def command_name(raw: str) -> str:
    """`/Export@vertelpunt_bot` as `export`."""
    return raw.lstrip("/").split("@", 1)[0].casefold()


def run_command(turn: Turn, raw_name: str, payload: str = "") -> None:
    """A slash command, or a command said in words; works at any step."""
    name = COMMAND_ALIASES.get(command_name(raw_name))
    step = turn.state.step
    if name == "start":
        if payload:
            turn.state.start_payload = payload
        if step in ("new", "declined", "refused"):
            hello(turn)
        else:
            turn.say("welcome_back")
            turn.ask()
    elif name == "nieuw":
        start_new_story(turn)
    elif name == "stop":
        if turn.state.draft and not turn.state.draft.story_id:
            turn.state.draft = None
        turn.enter("stopped")
        turn.ask()
    elif name in ("help", "privacy"):
        turn.say(name)
        reask(turn)
    elif name == "taal":
        turn.detour("language")
        turn.ask()
    elif name == "voorlezen":
        toggle_listen(turn)
    elif name == "verwijder":
        turn.detour("erase")
        turn.ask()
    else:
        turn.say("unknown_command")
        reask(turn)


def _on_choice(turn: Turn, choice_id: str, token: str | None) -> None:
    if choice_id == "listen":  # the hello's button works whatever is asked now
        toggle_listen(turn, on=True)
        return
    if turn.state.step == "new":
        hello(turn)
        return
    ask = turn.pending()
    choice = ask.find(choice_id)
    if choice is None or (token is not None and token != str(turn.state.token)):
        turn.say("stale_button")
        turn.ask()
        return
    _answer(turn, choice)


def _answer(turn: Turn, choice: Choice, typed: bool = False, guessed: bool = False) -> None:
    """A choice made: at the voice check or a check its own handler; a typed guess that
    would end or discard something asks first; else the step's."""
    if turn.state.step == "voice_check":
        on_voice_check(turn, choice)
    elif turn.state.step == "check":
        settle(turn, choice, run_command)
    elif typed:
        typed_answer(turn, choice, guessed)
    else:
        on_answer(turn, choice)


def _on_text(turn: Turn, text: str, sent_order: list[int] | None = None) -> None:
    if not text.strip():
        turn.say("empty_message")
        reask(turn)
        return
    if offer_first_language(turn, text):
        return
    if turn.state.step == "new":
        hello(turn)
        return
    ask = turn.pending()
    if turn.state.step == "voice_check":
        picked = match_number(text, ask.choices) or match_label(text, ask.choices)
        if picked is not None:
            _answer(turn, picked)
        else:
            typed_at_voice_check(turn, text)
        return
    if turn.state.step == "story":
        if _typed_done(turn, ask, text):
            finish_story(turn, ask.with_role("done"))
        else:
            add_story_text(turn, text, sent_order)
        return
    synonyms = _system_synonyms(turn, ask)
    reading = read_reply(turn, ask, text, _reader(turn, ask), synonyms)
    match reading:
        case Picked(choice=choice, guessed=guessed):
            _answer(turn, choice, typed=True, guessed=guessed)
        case Toggled(option_ids=option_ids):
            turn.note_method("typed")
            toggle(turn, list(option_ids))
        case Written(text=written):
            _on_written(turn, written)
        case TooLong(limit=limit):
            key = "title_too_long" if turn.state.step == "title" else "too_long_answer"
            turn.say(key, max=limit)
            turn.ask()
        case NoWords():
            turn.say("no_match_free")
            turn.ask()
        case None if leave_meant_check(turn):
            _on_text(turn, text, sent_order)
        case None:
            _not_understood(turn, ask, text)


def _typed_done(turn: Turn, ask: Ask, text: str) -> bool:
    """The done button typed at the story step: its number ("1") or a done word alone."""
    done = ask.with_role("done")
    if done is None:
        return False
    if match_number(text, ask.choices) == done:
        return True
    words = turn.ctx.answers
    extra = turn.ctx.texts.words("synonyms.done", turn.lang)
    return words is not None and words.is_done_word(text, reply_languages(turn), extra)


def _reader(turn: Turn, ask: Ask) -> QuestionType:
    """How the pending question reads typed text: a form question by its type, the title as
    free text, every other question (yes/no, consent, ...) as a single choice."""
    if turn.state.step in ("question", "about"):
        question = turn.ctx.form.question(ask.question_id or "")
        if question is not None:
            return question_type(question.type)
    return question_type("free_text" if ask.free_text else "single_choice")


def _system_synonyms(turn: Turn, ask: Ask) -> dict[str, list[str]]:
    words: dict[str, list[str]] = {}
    # At the language offer, yes and no in the offered language count too.
    offered = turn.state.offered_language if turn.state.step == "language_offer" else None
    for choice in ask.choices:
        if choice.role in SYSTEM_SYNONYM_ROLES:
            for lang in dict.fromkeys(filter(None, (turn.lang, offered))):
                words.setdefault(choice.id, []).extend(
                    turn.ctx.texts.words(f"synonyms.{choice.role}", lang)
                )
    question = turn.ctx.form.question(ask.question_id or "")
    options = question.options if question else ()
    prompts = turn.ctx.form.prompts if turn.state.step == "prompt" else ()
    for option in (*options, *prompts):
        for lang in (turn.lang, turn.ctx.form.default_language):
            words.setdefault(option.id, []).extend(option.synonyms.get(lang, []))
    return words




def _not_understood(turn: Turn, ask: Ask, text: str) -> None:
    named = named_language(turn, ask, text)
    if named is not None:
        on_answer(turn, named)
        return
    if len(text) <= 200 and _by_intent(turn, ask, text):
        return
    if turn.state.step == "prompt" and len(normalise(text).split()) >= STORY_AT_PROMPT_WORDS:
        _story_at_prompt(turn, text)
        return
    if turn.state.step not in RESTING_STEPS:
        turn.state.misses += 1
        if turn.state.misses >= MISSES_BEFORE_EXAMPLE:
            _show_how(turn, ask)
        else:
            turn.say("no_match")
    turn.ask()


def _show_how(turn: Turn, ask: Ask) -> None:
    """After replies not understood: how to answer, with an example, and how to skip."""
    first = ask.choices[0] if ask.choices else None
    if first is None:
        turn.say("no_match_free")
        return
    example = _LEADING_SYMBOLS.sub("", first.short or first.label).strip() or first.label
    turn.say("no_match_example", example=example)
    skip = ask.with_role("skip")
    if skip is not None:
        turn.say("no_match_skip", skip=skip.label)


def _story_at_prompt(turn: Turn, text: str) -> None:
    """A long reply to "what do you want to tell about?" is the story, on no prompt."""
    turn.state.draft = Draft(prompt_id=None)
    turn.enter("story")
    add_story_text(turn, text)


def _says_yes_and_no(turn: Turn, text: str) -> bool:
    """A reply with both a yes and a no word ("ja nee") is neither."""
    return has_word_of(turn, text, "yes") and has_word_of(turn, text, "no")


def _guessed_no(turn: Turn, choice: Choice, text: str) -> bool:
    """A no read from the intent alone, where no would end or discard something, without a
    word for no in it ("voor na" at "Klopt dit zo?"): too weak a guess to even ask about."""
    guarded = (turn.state.step, choice.role) in GUARDED_CHOICES
    return guarded and choice.role == "no" and not has_word_of(turn, text, "no")


def _by_intent(turn: Turn, ask: Ask, text: str) -> bool:
    """Understand a reply by its intent: yes, no, skip, or a command in words."""
    if turn.ctx.nlu is None or not any(ch.isalpha() for ch in text):
        return False
    if _says_yes_and_no(turn, text):
        return False
    result = turn.ctx.nlu.parse(text, turn.lang)
    if result.confidence < turn.ctx.intent_threshold:
        return False
    role = INTENT_ROLES.get(result.intent)
    choice = ask.with_role(role) if role else None
    if choice is not None and not _guessed_no(turn, choice, text):
        _answer(turn, choice, typed=True)
        return True
    command = INTENT_COMMANDS.get(result.intent)
    if command == "nieuw" and turn.state.step == "prompt":
        return False  # "I want to tell about ..." where a story is about to begin
    if command is not None and result.confidence >= turn.ctx.command_threshold:
        typed_command(turn, command, run_command)
        return True
    return False


def _on_written(turn: Turn, text: str) -> None:
    """An answer in the resident's own words (a free-text question or the title)."""
    scrubbed = turn.ctx.scrub(text, turn.lang).text
    turn.note_method("typed")
    turn.answered(turn.ctx.show_placeholders(scrubbed, turn.lang))
    if turn.state.step == "title":
        draft = turn.state.draft
        if draft and draft.story_id:
            turn.effect(SaveTitle(draft.story_id, scrubbed))
        after_title(turn)
    else:
        save_answer(turn, "answered", {"text": scrubbed})
