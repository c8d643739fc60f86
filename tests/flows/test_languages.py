"""Every language is complete: the form, the catalogues, a whole conversation, typed words, RTL."""

from __future__ import annotations

import csv
import json
import os
import re
import string
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flows.events import Choice, Outbound, SaveAbout, SaveAnswer, SaveStory
from flows.forms.schema import Form
from flows.matching import normalise
from flows.state import State
from flows.texts import CATALOGUE_DIR, Texts, load_catalogue
from storage.migrate import upgrade
from tests.conftest import DEFAULT_FORM, REPO, TEST_SECRET
from tests.scripts import FULL_CONVERSATION, EngineChat, event_of

LANGUAGES = ["nl", "en", "tr", "ar", "pl", "uk", "ru"]
NEW_LANGUAGES = ["tr", "ar", "pl", "uk", "ru"]
RLM, LRM = "\u200f", "\u200e"
# Labels that are rightly the same as the Dutch one: (language, choice id).
SAME_AS_DUTCH = {("en", "west"), ("en", "man"), ("en", "s3"), ("pl", "centrum")}
# WhatsApp reply buttons hold 20 characters; catalogue buttons appear as reply buttons.
BUTTON_TITLE_MAX = 20
LIST_ROW_DESCRIPTION_MAX = 72
STORY_PARTS = [value for kind, value in FULL_CONVERSATION[3:5]]


# --- helpers -------------------------------------------------------------------------------


def _flatten(node: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, node


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _form_texts(form: Form) -> Iterator[tuple[str, dict[str, str]]]:
    """Every message text of the form (not button labels), with where it is."""
    for key, text in form.texts.items():
        yield f"texts.{key}", text
    for prompt in form.prompts:
        yield f"prompts.{prompt.id}.text", prompt.text
    for question in [*form.questions, *form.about]:
        yield f"{question.id}.text", question.text


def _form_labels(form: Form) -> Iterator[tuple[str, dict[str, str]]]:
    """Every button label of the form (labels and short labels)."""
    for prompt in form.prompts:
        yield f"prompts.{prompt.id}.label", prompt.label
    for question in [*form.questions, *form.about]:
        for option in question.options:
            yield f"{question.id}.{option.id}.label", option.label
            if option.short:
                yield f"{question.id}.{option.id}.short", option.short


def _leading_symbols(label: str) -> str:
    return label.split(" ", 1)[0]


def _is_arabic_letter(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("AL", "R")


def _rtl_problems(text: str) -> list[str]:
    """Lines of an Arabic text that would not be shown right to left."""
    problems = []
    for line in text.split("\n"):
        if line and not (line.startswith(RLM) or _is_arabic_letter(line[0])):
            problems.append(line)
        # A Latin /command inside Arabic text needs a left-to-right mark before its slash.
        for match in re.finditer(r"/[a-z]+", line):
            if match.start() > 0 and line[match.start() - 1] != LRM:
                problems.append(f"{line} (no U+200E before {match.group()})")
    return problems


def _run(form: Form, texts: Texts, language: str, **extra: Any) -> EngineChat:
    chat = EngineChat(form, texts, state=State(language=language), **extra)
    chat.open()
    for kind, value in FULL_CONVERSATION:
        chat.send(event_of(kind, value))
    return chat


def _is_story_echo(message: Outbound) -> bool:
    return message.text in ("\n\n".join(STORY_PARTS), *STORY_PARTS)


def _choice_texts(choice: Choice) -> list[tuple[str, str | None]]:
    return [("label", choice.label), ("short", choice.short), ("description", choice.description)]


# --- (1) the form check --------------------------------------------------------------------


def test_forms_check_reports_no_problems() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "forms", "check", str(DEFAULT_FORM)],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok" in done.stdout and "7 languages" in done.stdout


def test_form_offers_every_language(form: Form) -> None:
    assert form.languages == LANGUAGES
    assert sorted(p.stem for p in CATALOGUE_DIR.glob("*.yaml")) == sorted(LANGUAGES)


# --- (2) catalogues and form texts are complete, with the same placeholders ------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_exactly_the_dutch_keys_and_placeholders(language: str) -> None:
    dutch = dict(_flatten(load_catalogue("nl")))
    other = dict(_flatten(load_catalogue(language)))
    assert set(other) == set(dutch)
    for key, text in dutch.items():
        if isinstance(text, str):
            assert isinstance(other[key], str) and other[key].strip(), key
            assert _placeholders(other[key]) == _placeholders(text), key
        else:
            assert isinstance(other[key], list) and other[key], key
            assert all(isinstance(w, str) and w.strip() for w in other[key]), key


@pytest.mark.parametrize("language", NEW_LANGUAGES)
def test_form_texts_keep_the_dutch_placeholders(form: Form, language: str) -> None:
    for where, text in [*_form_texts(form), *_form_labels(form)]:
        assert _placeholders(text[language]) == _placeholders(text["nl"]), where


@pytest.mark.parametrize("language", NEW_LANGUAGES)
def test_labels_keep_the_dutch_emoji_and_fit_whatsapp(form: Form, language: str) -> None:
    for where, label in _form_labels(form):
        assert _leading_symbols(label[language]) == _leading_symbols(label["nl"]), where
        assert any(ch.isalpha() for ch in label[language]), where
    catalogue, dutch = load_catalogue(language), load_catalogue("nl")
    name = catalogue["language_name"]
    for key, label in catalogue["choice"].items():
        shown = label.format(name=name)
        assert _leading_symbols(label) == _leading_symbols(dutch["choice"][key]), key
        assert any(ch.isalpha() for ch in shown), key
        assert len(shown) <= BUTTON_TITLE_MAX, f"{key}: {shown!r} is {len(shown)} characters"
    assert any(ch.isalpha() for ch in name) and len(name) <= BUTTON_TITLE_MAX
    # Prompt texts are the description of a WhatsApp list row.
    for prompt in form.prompts:
        assert len(prompt.text[language]) <= LIST_ROW_DESCRIPTION_MAX, prompt.id


def test_danger_keeps_the_dutch_help_lines() -> None:
    for language in LANGUAGES:
        danger = load_catalogue(language)["danger"]
        for number in ("0800-0113", "0800-2000", "112", "Veilig Thuis"):
            assert number in danger, (language, number)
        child = load_catalogue(language)["danger_child"]
        assert "0800-0432" in child and "De Kindertelefoon" in child, language


def test_commands_stay_the_same_in_every_language() -> None:
    commands = set(load_catalogue("nl")["commands"])
    for language in LANGUAGES:
        catalogue = load_catalogue(language)
        assert set(catalogue["commands"]) == commands
        for key in ("help", "privacy"):
            # The texts name the Dutch command words, never translated ones.
            named = set(re.findall(r"/([a-z]+)", catalogue[key]))
            assert named <= commands, (language, key, named)


# --- (3) a whole conversation in each language ---------------------------------------------


@pytest.fixture(scope="module")
def dutch_run(form: Form, texts: Texts) -> EngineChat:
    return _run(form, texts, "nl")


@pytest.mark.parametrize("language", LANGUAGES)
def test_whole_conversation_in_each_language(
    form: Form, texts: Texts, dutch_run: EngineChat, language: str
) -> None:
    chat = _run(form, texts, language)
    assert chat.state.step == "ended" and chat.state.language == language
    assert len(chat.outbox) == len(dutch_run.outbox)
    for mine, dutch in zip(chat.outbox, dutch_run.outbox, strict=True):
        assert mine.kind == dutch.kind and mine.question == dutch.question
        assert mine.language == language
        assert mine.text.strip(), (language, dutch.text)
        assert "{" not in mine.text or _is_story_echo(mine), mine.text
        if language != "nl" and not _is_story_echo(mine):
            assert mine.text != dutch.text, (language, mine.text)
        assert [c.id for c in mine.choices] == [c.id for c in dutch.choices]
        for choice, dutch_choice in zip(mine.choices, dutch.choices, strict=True):
            for (field, value), (_, dutch_value) in zip(
                _choice_texts(choice), _choice_texts(dutch_choice), strict=True
            ):
                assert (value is None) == (dutch_value is None), (language, choice.id, field)
                if value is not None and language != "nl" and (
                    (language, choice.id) not in SAME_AS_DUTCH
                ):
                    assert value != dutch_value, (language, choice.id, field, value)
    # What is stored does not depend on the language, except the story's language itself.
    def stored(run: EngineChat) -> list[Any]:
        return [e for e in run.effects if isinstance(e, (SaveAnswer, SaveAbout))]

    assert stored(chat) == stored(dutch_run)
    story = next(e for e in chat.effects if isinstance(e, SaveStory))
    assert story.language == language


@pytest.mark.parametrize("language", NEW_LANGUAGES)
def test_language_command_switches_mid_conversation(
    form: Form, texts: Texts, language: str
) -> None:
    chat = EngineChat(form, texts)
    chat.open()
    chat.command("taal")
    names = [c.label for c in chat.last[-1].choices]
    assert texts.language_name(language) in names
    out = chat.press(language)
    expected = texts.get("language_changed", language)
    assert out[0].text == expected and out[-1].question == "_consent"
    assert out[-1].text == texts.get("consent_question", language)
    for kind, value in FULL_CONVERSATION:
        chat.send(event_of(kind, value))
    assert chat.state.step == "ended"
    assert chat.last[-1].text == texts.get("goodbye", language)


# --- (4) typed words per language -----------------------------------------------------------


def _to_questions(chat: EngineChat) -> None:
    chat.open()
    chat.press("yes")
    chat.press("age_yes")
    chat.press("needed_help")
    chat.text("Mijn buurman hielp mij met de boodschappen.")
    chat.press("done")
    chat.press("save")
    chat.press("skip")


@pytest.mark.parametrize(("language", "typed"), [
    ("tr", "evet"), ("tr", "Tamam"), ("tr", "olur"), ("tr", "EVET"),
    ("ar", "نعم"), ("ar", "أيوه"), ("ar", "ايوه"), ("ar", "تمام"), ("ar", "١"),  # noqa: RUF001
    ("pl", "tak"), ("pl", "no jasne"), ("pl", "Oczywiście"),
    ("uk", "так"), ("uk", "ага"), ("uk", "Так!"), ("uk", "да"),  # noqa: RUF001
    ("ru", "да"), ("ru", "Да!"), ("ru", "конечно"), ("ru", "хорошо"), ("ru", "ок"),
])
def test_typed_yes_at_consent(form: Form, texts: Texts, language: str, typed: str) -> None:
    chat = EngineChat(form, texts, state=State(language=language))
    chat.open()
    chat.text(typed)
    assert chat.state.step == "age"


@pytest.mark.parametrize(("language", "typed"), [
    ("tr", "hayır"), ("tr", "HAYIR"), ("tr", "yok"), ("ar", "لا"), ("ar", "لأ"),  # noqa: RUF001
    ("pl", "nie"), ("pl", "raczej nie"), ("uk", "ні"), ("uk", "нет"),
    ("ru", "нет"), ("ru", "Нет спасибо"), ("ru", "не хочу"),
])
def test_typed_no_at_consent(form: Form, texts: Texts, language: str, typed: str) -> None:
    chat = EngineChat(form, texts, state=State(language=language))
    chat.open()
    chat.text(typed)
    assert chat.state.step == "check"
    chat.text(typed)
    assert chat.state.step == "consent"
    chat.text(typed)
    chat.press("yes")
    assert chat.state.step == "declined" and chat.effects == []


@pytest.mark.parametrize(("language", "typed"), [
    ("tr", "daha fazla"), ("ar", "المزيد"), ("pl", "więcej"), ("uk", "більше"),
    ("ru", "подробнее"),
])
def test_typed_more_at_consent(form: Form, texts: Texts, language: str, typed: str) -> None:
    chat = EngineChat(form, texts, state=State(language=language))
    chat.open()
    chat.text(typed)
    assert chat.texts_of_last()[0] == texts.get("consent_more", language)
    assert chat.state.step == "consent"


@pytest.mark.parametrize(("language", "typed", "option"), [
    ("tr", "mutlu", "glad"), ("tr", "kizgin", "angry"), ("tr", "üzgün", "sad"),
    ("tr", "iyi", "satisfied"), ("tr", "3", "neutral"),
    ("ar", "سعيد", "glad"), ("ar", "حزين", "sad"), ("ar", "غضب", "angry"), ("ar", "😢", "sad"),
    ("ar", "عادي", "neutral"),
    ("pl", "szczęśliwy", "glad"), ("pl", "szczesliwa", "glad"), ("pl", "zła", "angry"),
    ("pl", "smutno", "sad"), ("pl", "zadowolona", "satisfied"),
    ("uk", "радий", "glad"), ("uk", "сумно", "sad"), ("uk", "злий", "angry"),
    ("uk", "нормально", "neutral"),
    ("ru", "рада", "glad"), ("ru", "грустно", "sad"), ("ru", "злой", "angry"),
    ("ru", "нормально", "neutral"), ("ru", "доволен", "satisfied"), ("ru", "Грусть", "sad"),
])
def test_typed_feeling(form: Form, texts: Texts, language: str, typed: str, option: str) -> None:
    chat = EngineChat(form, texts, state=State(language=language))
    _to_questions(chat)
    chat.text(typed)
    answers = [e for e in chat.effects if isinstance(e, SaveAnswer)]
    assert answers[-1].question_id == "feeling" and answers[-1].value == {"option": option}


@pytest.mark.parametrize(("language", "skip", "decline"), [
    ("tr", "bilmiyorum", "söylemek istemem"),
    ("ar", "لا أعرف", "لا أريد أن أقول"),
    ("pl", "nie wiem", "wolę nie mówić"),
    ("uk", "не знаю", "не хочу казати"),
    ("ru", "не знаю", "не хочу говорить"),
])
def test_typed_skip_and_decline(
    form: Form, texts: Texts, language: str, skip: str, decline: str
) -> None:
    chat = EngineChat(form, texts, state=State(language=language))
    _to_questions(chat)
    chat.text(skip)
    chat.text(decline)
    statuses = [(e.question_id, e.status) for e in chat.effects if isinstance(e, SaveAnswer)]
    assert statuses == [("feeling", "skipped"), ("helped", "declined")]


@pytest.mark.parametrize(("language", "done"), [
    ("tr", "bitti"), ("ar", "خلاص"), ("ar", "تم"), ("pl", "gotowe"), ("uk", "готово"),
    ("ru", "готово"), ("ru", "всё"),
])
def test_typed_done_ends_the_story(form: Form, texts: Texts, language: str, done: str) -> None:
    chat = EngineChat(form, texts, state=State(language=language))
    chat.open()
    chat.press("yes")
    chat.press("age_yes")
    chat.press("neighbourhood")
    chat.text("Er is een nieuwe speeltuin in onze straat gekomen.")
    chat.text(done)
    assert chat.state.step == "confirm"
    assert chat.state.draft is not None and chat.state.draft.parts == [
        "Er is een nieuwe speeltuin in onze straat gekomen."
    ]


@pytest.mark.parametrize(("language", "typed", "option"), [
    ("tr", "kuzey", "noord"), ("ar", "الشمال", "noord"), ("pl", "północ", "noord"),
    ("uk", "північ", "noord"), ("pl", "noord", "noord"), ("tr", "Zuid", "zuid"),
    ("ru", "север", "noord"), ("ru", "Восток", "oost"),
])
def test_typed_part_of_town(
    form: Form, texts: Texts, language: str, typed: str, option: str
) -> None:
    chat = EngineChat(form, texts, state=State(language=language))
    chat.open()
    for kind, value in FULL_CONVERSATION[:18]:
        chat.send(event_of(kind, value))
    assert chat.state.question_id == "neighbourhood"
    chat.text(typed)
    about = [e for e in chat.effects if isinstance(e, SaveAbout)]
    assert about[-1].question_id == "neighbourhood" and about[-1].value == {"option": option}


@pytest.mark.parametrize("language", LANGUAGES)
def test_typed_words_never_point_to_two_choices(form: Form, texts: Texts, language: str) -> None:
    """Within one question, no word (synonym or label) may mean two different choices."""
    default = form.default_language

    def system_words(role: str) -> set[str]:
        return {normalise(w) for w in texts.words(f"synonyms.{role}", language)} - {""}

    def label_words(label: str) -> set[str]:
        return {normalise(label)} - {""}

    # Catalogue buttons that are offered together.
    groups = [("yes", "more", "no"), ("skip", "decline"), ("done", "skip", "decline")]
    catalogue = load_catalogue(language)["choice"]
    for group in groups:
        offered = {role: system_words(role) | label_words(catalogue[role]) for role in group}
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                both = offered[a] & offered[b]
                assert not both, (language, a, b, both)
    # Form questions: options, plus done, skip and decline where they are offered.
    for question in [*form.questions, *form.about]:
        words: dict[str, set[str]] = {}
        for option in question.options:
            found = set()
            for lang in dict.fromkeys((language, default)):
                found |= {normalise(w) for w in option.synonyms.get(lang, [])}
            found |= label_words(texts.local(option.label, language))
            if option.short:
                found |= label_words(texts.local(option.short, language))
            words[option.id] = found - {""}
        roles = ["done"] if question.type == "multi_choice" else []
        roles += ["skip", "decline"] if question.skippable else []
        for role in roles:
            words[f"_{role}"] = system_words(role) | label_words(catalogue[role])
        ids = list(words)
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                both = words[a] & words[b]
                assert not both, (language, question.id, a, b, both)


# --- (5) Arabic reads right to left -----------------------------------------------------------


def test_arabic_form_texts_start_right_to_left(form: Form) -> None:
    problems = {where: _rtl_problems(text["ar"]) for where, text in _form_texts(form)}
    assert {k: v for k, v in problems.items() if v} == {}


def test_arabic_catalogue_texts_start_right_to_left(texts: Texts) -> None:
    catalogue = load_catalogue("ar")
    problems = {}
    for key, _ in _flatten(catalogue):
        if key.startswith(("choice.", "synonyms.")) or key in ("language_name", "list_separator"):
            continue  # button labels, typed words and separators, not messages
        filled = texts.get(key, "ar", label="✅ نعم", labels="✅ نعم", max=100, name="🌍 العربية")
        problems[key] = _rtl_problems(filled)
    assert {k: v for k, v in problems.items() if v} == {}


def test_arabic_contact_is_kept_left_to_right() -> None:
    catalogue = load_catalogue("ar")
    form_text = DEFAULT_FORM.read_text(encoding="utf-8")
    assert "\\u200E{contact}\\u200E" in form_text
    for key in ("help", "privacy"):
        assert f"{LRM}{{contact}}{LRM}" in catalogue[key]


def test_arabic_buttons_answer_to_their_emoji(form: Form, texts: Texts) -> None:
    # Labels carry no direction mark, so typing only the emoji still picks the button.
    for where, label in _form_labels(form):
        assert not label["ar"].startswith((RLM, LRM)), where
    chat = EngineChat(form, texts, state=State(language="ar"))
    chat.open()
    chat.text("✅")
    assert chat.state.step == "age"


def test_arabic_conversation_messages_read_right_to_left(form: Form, texts: Texts) -> None:
    chat = _run(form, texts, "ar")
    problems = [
        (m.text, _rtl_problems(m.text)) for m in chat.outbox
        if not _is_story_echo(m) and _rtl_problems(m.text)
    ]
    assert problems == []


# --- (6) the terminal chat in Arabic ---------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'chat.db'}"
    upgrade(url)
    return {**os.environ, "VERTELPUNT_DATABASE_URL": url, "VERTELPUNT_SECRET_KEY": TEST_SECRET,
            "PYTHONUNBUFFERED": "1"}


def test_terminal_jsonl_chat_in_arabic(env: dict[str, str], tmp_path: Path) -> None:
    # The story parts are Dutch: the bot offers Dutch once, and the resident keeps Arabic.
    first_text = next(i for i, (kind, _) in enumerate(FULL_CONVERSATION) if kind == "text")
    steps = [("command", "/taal"), ("choice", "ar"), *FULL_CONVERSATION[:first_text + 1],
             ("choice", "keep_language"), *FULL_CONVERSATION[first_text + 1:]]
    lines = "".join(json.dumps({k: v}, ensure_ascii=False) + "\n" for k, v in steps)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "chat", "--jsonl", "--user", "amira"],
        input=lines, capture_output=True, text=True, env=env, cwd=REPO, timeout=120,
        encoding="utf-8",
    )
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert not [m for m in out if "error" in m]
    assert sum(1 for m in out if m.get("turn_end")) == len(steps) + 1
    messages = [m for m in out if "text" in m]
    switched = next(i for i, m in enumerate(messages) if m["text"] == "نكمل باللغة العربية.")
    arabic = messages[switched:]
    # Consent counts only for a text read in Arabic: the whole hello again, then the question.
    asked = next(m for m in arabic[1:] if m["question"])
    assert arabic[1]["question"] is None
    assert asked["question"] == "_consent" and asked["text"] == "هل تريد المشاركة؟"
    assert [c["label"] for c in asked["choices"]] == ["✅ نعم", "ℹ️ أخبرني أكثر", "❌ لا"]  # noqa: RUF001
    story = {*STORY_PARTS, "\n\n".join(STORY_PARTS)}
    offers = [m for m in arabic if m["question"] == "_language_offer"]
    assert len(offers) == 1 and offers[0]["text"].startswith("U schrijft in het")
    for message in arabic:
        if message["question"] == "_language_offer":
            continue  # asked in the language the resident wrote in
        if message["text"] not in story:
            assert _rtl_problems(message["text"]) == [], message["text"]
        for choice in message["choices"]:
            assert any(_is_arabic_letter(ch) for ch in choice["label"]), choice
    assert any("شكرًا جزيلًا" in m["text"] for m in arabic)
    assert arabic[-1]["text"].startswith("مع السلامة")
    export = tmp_path / "stories.csv"
    subprocess.run([sys.executable, "-m", "bot.cli.main", "export", "--format", "csv", "--out",
                    str(export)], env=env, cwd=REPO, check=True, timeout=120)
    rows = list(csv.DictReader(export.open(encoding="utf-8")))
    assert len(rows) == 1 and rows[0]["language"] == "ar" and rows[0]["feeling"] == "sad"
