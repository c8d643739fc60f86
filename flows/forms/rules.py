"""Content rules a form must follow beyond its shape: translations, labels, channel limits."""

from __future__ import annotations

from collections.abc import Iterator

from flows.forms.schema import Form, LocalText, Option, Question
from flows.questions import question_type
from flows.texts import load_catalogue

Loc = tuple[str | int, ...]

# WhatsApp: reply-button titles at most 20 characters, list-row titles at most 24.
BUTTON_TITLE_MAX = 20
LIST_ROW_TITLE_MAX = 24
LIST_ROW_DESCRIPTION_MAX = 72
# Telegram callback_data is 64 bytes; ids share it with a question token.
CHOICE_ID_MAX_BYTES = 24
REQUIRED_TEXTS = (
    "hello", "hello_what", "hello_anonymous", "hello_contact", "consent_question",
    "consent_more", "consent_no", "age_question", "parent_question", "parent_no",
    "prompt_question", "story_start", "story_more", "story_empty", "story_words",
    "story_full", "confirm_intro", "confirm_question", "story_retell", "story_withdrawn",
    "title_question", "title_too_long", "questions_intro", "about_intro",
    "follow_up_question", "thanks", "another_question", "goodbye", "checkin_intro",
    "checkin_intro_title", "checkin_question", "checkin_story_question", "checkin_story_start",
    "checkin_thanks", "checkin_stopped",
)


def _missing_languages(form: Form, text: LocalText, loc: Loc) -> Iterator[tuple[Loc, str]]:
    missing = [lang for lang in form.languages if not text.get(lang, "").strip()]
    if missing:
        yield loc, f"text missing in {', '.join(missing)}"


def _has_word(label: str) -> bool:
    return any(ch.isalpha() for ch in label)


def _label_problems(
    form: Form, option: Option, loc: Loc, limit: int
) -> Iterator[tuple[Loc, str]]:
    yield from _missing_languages(form, option.label, (*loc, "label"))
    for lang in form.languages:
        label = option.label.get(lang, "")
        if label and not _has_word(label):
            yield (*loc, "label", lang), "a button needs a word, not only an emoji"
        shown = option.short.get(lang) or label
        if len(shown) > limit:
            yield (*loc, "label", lang), (
                f"{len(shown)} characters; WhatsApp shows at most {limit}: add a `short` label"
            )


def _question_problems(form: Form, q: Question, loc: Loc) -> Iterator[tuple[Loc, str]]:
    yield from _missing_languages(form, q.text, (*loc, "text"))
    kind = question_type(q.type)
    extra = (2 if q.skippable else 0) + kind.extra_buttons
    # Up to three choices become reply buttons, up to ten a list; more become numbered text.
    limit = BUTTON_TITLE_MAX if len(q.options) + extra <= 3 else LIST_ROW_TITLE_MAX
    for i, option in enumerate(q.options):
        yield from _label_problems(form, option, (*loc, "options", i), limit)
        if len(option.id.encode()) > CHOICE_ID_MAX_BYTES:
            yield (*loc, "options", i, "id"), "choice ids are at most 24 bytes"
    for part, items in kind.labelled_parts(q).items():
        for i, item in enumerate(items):
            yield from _missing_languages(form, item.label, (*loc, part, i, "label"))


def content_problems(form: Form) -> Iterator[tuple[Loc, str]]:
    """Every translation gap, label problem and channel limit a valid form breaks."""
    for key in REQUIRED_TEXTS:
        if key not in form.texts:
            yield ("texts",), f"the text `{key}` is missing"
    for key, text in form.texts.items():
        yield from _missing_languages(form, text, ("texts", key))
    for i, prompt in enumerate(form.prompts):
        yield from _missing_languages(form, prompt.text, ("prompts", i, "text"))
        for lang, line in prompt.text.items():
            # The prompt text is the list row's description on WhatsApp.
            if len(line) > LIST_ROW_DESCRIPTION_MAX:
                yield ("prompts", i, "text", lang), (
                    f"{len(line)} characters; a WhatsApp list description shows at most "
                    f"{LIST_ROW_DESCRIPTION_MAX}"
                )
        option = Option(id=prompt.id, label=prompt.label, short=prompt.short)
        yield from _label_problems(form, option, ("prompts", i), LIST_ROW_TITLE_MAX)
    for section in ("questions", "about"):
        for i, question in enumerate(getattr(form, section)):
            yield from _question_problems(form, question, (section, i))
    for lang in form.languages:
        catalogue = load_catalogue(lang)
        if not catalogue:
            yield ("languages",), f"no message catalogue for {lang} (flows/catalogue/{lang}.yaml)"
        for key, label in (catalogue.get("choice") or {}).items():
            if len(label) > BUTTON_TITLE_MAX and "{" not in label:
                yield ("languages",), (
                    f"catalogue {lang}.yaml choice.{key}: {len(label)} characters; "
                    f"WhatsApp buttons show at most {BUTTON_TITLE_MAX}"
                )
