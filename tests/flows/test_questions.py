"""Question types: one module each, found by name; how each reads a typed reply; a new type
plugs into form checks, the engine, the codebook and the export cells."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.asks import Ask
from flows.codebook import answer_cells, codebook
from flows.events import Choice, SaveAnswer
from flows.forms.loader import check_form_text
from flows.forms.schema import Question
from flows.questions import QUESTION_TYPES, discover, question_type
from flows.questions.base import (
    Answer,
    Column,
    NothingPicked,
    NoWords,
    Picked,
    QuestionType,
    Toggled,
    TooLong,
    Written,
    column,
)
from flows.texts import Texts
from tests.conftest import DEFAULT_FORM, REPO
from tests.scripts import EngineChat

OPTIONS = (Choice("glad", "😀 Blij"), Choice("sad", "😢 Verdrietig"), Choice("angry", "😠 Boos"))
SKIPS = (Choice("skip", "⏭️ Sla over", role="skip"), Choice("decline", "🤐 Liever niet",
                                                             role="decline"))
DONE = Choice("done", "✅ Klaar", role="done")
SYNONYMS = {"skip": ["sla over"], "glad": ["vrolijk"]}


def _ask(*choices: Choice, max_characters: int = 1000) -> Ask:
    return Ask("Hoe voelde u zich?", choices, "q", max_characters=max_characters)


def test_every_module_in_the_package_is_a_type_named_after_it() -> None:
    modules = {p.stem for p in (REPO / "flows" / "questions").glob("*.py")}
    assert set(QUESTION_TYPES) == modules - {"__init__", "base"}
    assert set(QUESTION_TYPES) == {"single_choice", "multi_choice", "scale", "triad",
                                   "free_text"}


@pytest.mark.parametrize(("typed", "expected"), [
    ("2", Picked(OPTIONS[1])), ("blij", Picked(OPTIONS[0])), ("vrolijk", Picked(OPTIONS[0])),
    ("😠", Picked(OPTIONS[2])), ("sla over", Picked(SKIPS[0])), ("misschien", None),
])
def test_a_single_choice_reads_a_number_label_emoji_or_synonym(
    typed: str, expected: Picked | None
) -> None:
    ask = _ask(*OPTIONS, *SKIPS)
    assert question_type("single_choice").read_typed(typed, ask, SYNONYMS) == expected


def test_a_multiple_choice_reads_several_numbers_as_ticks() -> None:
    multi = question_type("multi_choice")
    ask = _ask(*OPTIONS, DONE, *SKIPS)
    assert multi.read_typed("1, 3", ask, SYNONYMS) == Toggled(("glad", "angry"))
    assert multi.read_typed("1 en 5", ask, SYNONYMS) == Toggled(("glad",))
    assert multi.read_typed("4", ask, SYNONYMS) == Picked(DONE)


def test_a_multiple_choice_press_ticks_then_done_answers() -> None:
    multi = question_type("multi_choice")
    ticked = (Choice("glad", "😀 Blij", selected=True), OPTIONS[1],
              Choice("angry", "😠 Boos", selected=True), DONE, *SKIPS)
    assert multi.press(_ask(*ticked), OPTIONS[1]) == Toggled(("sad",))
    assert multi.press(_ask(*OPTIONS, DONE), DONE) == NothingPicked()
    assert multi.press(_ask(*ticked), DONE) == Answer(
        ("😀 Blij", "😠 Boos"), "answered", {"options": ["glad", "angry"]})
    assert multi.press(_ask(*ticked), SKIPS[1]) == Answer(("🤐 Liever niet",), "declined")


@pytest.mark.parametrize(("typed", "expected"), [
    ("  Eerder hulp  ", Written("Eerder hulp")), ("🙂🙂", NoWords()), ("x" * 13, TooLong(12)),
    ("⏭️ Sla over", Picked(SKIPS[0])), ("sla over", Picked(SKIPS[0])), ("2", Written("2")),
])
def test_free_text_reads_words_within_its_limit(typed: str, expected: object) -> None:
    ask = _ask(*SKIPS, max_characters=12)
    assert question_type("free_text").read_typed(typed, ask, SYNONYMS) == expected


def test_an_unknown_type_is_reported_at_its_place() -> None:
    text = DEFAULT_FORM.read_text(encoding="utf-8").replace(
        "type: single_choice", "type: stars", 1)
    form, problems = check_form_text(text)
    assert form is None
    [problem] = [p for p in problems if p.path.endswith(".type")]
    assert problem.path == "questions[0].type" and "stars" in problem.message
    assert "single_choice" in problem.message and problem.line > 0


RATING_MODULE = '''
from flows.questions.base import QuestionType


class Rating(QuestionType):
    name = "rating"


QUESTION_TYPE = Rating()
'''


def test_a_new_type_is_found_from_its_module_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "more_questions"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "rating.py").write_text(RATING_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = discover("more_questions", [str(package)])
    assert list(found) == ["rating"] and found["rating"].name == "rating"
    (package / "stars.py").write_text(RATING_MODULE, encoding="utf-8")
    with pytest.raises(TypeError, match="stars"):
        discover("more_questions", [str(package)])


class Stars(QuestionType):
    """A test type: three stars, exported as how many."""

    name = "stars"

    def shape_problem(self, question: Question) -> str | None:
        return None if len(question.options) == 3 else "stars has three options"

    def value_columns(self, question: Question, where: str) -> list[Column]:
        return [column(question, f"{question.id}.stars", "number", "How many stars.")]

    def value_cells(self, question: Question, value: dict[str, Any] | None) -> list[Any]:
        ids = [o.id for o in question.options]
        return [ids.index(value["option"]) + 1 if value else ""]


def _form_with_stars(options: int) -> str:
    data = yaml.safe_load(DEFAULT_FORM.read_text(encoding="utf-8"))
    local = {lang: "⭐ Ster" for lang in data["languages"]}
    data["questions"].insert(0, {
        "id": "stars", "type": "stars", "text": {lang: "Hoeveel?" for lang in data["languages"]},
        "options": [{"id": f"s{n}", "label": local} for n in range(options)],
    })
    return yaml.safe_dump(data, allow_unicode=True)


def test_a_registered_type_is_checked_asked_read_and_exported(
    texts: Texts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(QUESTION_TYPES, "stars", Stars())
    broken, problems = check_form_text(_form_with_stars(2))
    assert broken is None and any("three options" in p.message for p in problems)
    form, problems = check_form_text(_form_with_stars(3))
    assert form is not None and problems == []

    chat = EngineChat(form, texts)
    chat.open()
    for press in ("yes", "age_yes", "needed_help"):
        chat.press(press)
    chat.text("Mijn buurman hielp mij.")
    for press in ("done", "save", "skip"):
        chat.press(press)
    assert chat.question().question == "stars"
    chat.text("2")
    [answer] = [e for e in chat.effects if isinstance(e, SaveAnswer)]
    assert (answer.question_id, answer.value) == ("stars", {"option": "s1"})
    assert chat.state.question_id == form.questions[1].id

    names = [c["name"] for c in codebook(form)["columns"]]
    assert names[names.index("help_lines_shown") + 1:][:3] == [
        "stars.stars", "stars.na", "stars.method"]
    assert answer_cells(form.questions[0], "answered", answer.value) == [2, 0]
    assert answer_cells(form.questions[0], "skipped", None) == ["", ""]


def test_a_triad_corner_without_a_translation_is_reported_at_its_place() -> None:
    data = yaml.safe_load(DEFAULT_FORM.read_text(encoding="utf-8"))
    index = next(i for i, q in enumerate(data["questions"]) if q["type"] == "triad")
    del data["questions"][index]["corners"][1]["label"]["en"]
    form, problems = check_form_text(yaml.safe_dump(data, allow_unicode=True))
    assert form is not None
    assert [(p.path, p.message) for p in problems] == [
        (f"questions[{index}].corners[1].label", "text missing in en")]
