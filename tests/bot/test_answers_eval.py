"""The typed-answer corpus: read as meant through real turns, and never a derailment."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from bot.answers_eval import NOTHING, Case, evaluate_answers, load_cases, read_case, split_cases
from bot.cli.nlu import app
from flows.context import Context
from flows.forms.schema import Form
from flows.texts import Texts
from nlu import answers
from nlu.factory import build_intent_parser
from nlu.first_words import language_named

CASES = load_cases()
LANGUAGES = ("nl", "en", "tr", "ar", "pl", "uk", "ru")


@pytest.fixture(scope="module")
def ctx(form: Form, texts: Texts) -> Context:
    return Context(form=form, texts=texts, now=datetime(2026, 3, 2, tzinfo=UTC),
                   new_id=lambda: "t", nlu=build_intent_parser(None), answers=answers,
                   language_named=language_named)


def test_the_corpus_covers_every_language_with_traps() -> None:
    assert {case.language for case in CASES} == set(LANGUAGES)
    for language in LANGUAGES:
        mine = [case for case in CASES if case.language == language]
        assert len({case.question for case in mine}) >= 5
        assert any(case.meant == NOTHING for case in mine)


def test_no_reply_of_the_corpus_derails(ctx: Context) -> None:
    report = evaluate_answers(CASES, ctx)
    assert report.derailments == 0
    assert report.accuracy >= 0.95


def test_the_split_holds_out_every_third_case_per_question() -> None:
    split = split_cases(CASES)
    assert len(split.tuned) + len(split.held_out) == len(CASES)
    assert set(split.held_out).isdisjoint(split.tuned)
    assert abs(len(split.held_out) - len(CASES) / 3) < 40


@pytest.mark.parametrize(("question", "reply", "meant"), [
    ("_confirm", "nee hoor", "withdraw"), ("_confirm", "-1", NOTHING),
    ("feeling", "tweede", "satisfied"), ("_prompt", "hulp", "needed_help"),
    ("topics", "geld, wonen", "money+housing"), ("age_group", "45", "a45_65"),
])
def test_a_case_is_read_through_a_real_turn(
    ctx: Context, question: str, reply: str, meant: str
) -> None:
    outcome = read_case(Case("nl", question, reply, meant), ctx)
    assert outcome.read_as == meant and not outcome.derailed


def test_a_derailing_reader_is_counted(form: Form, texts: Texts) -> None:
    # Without the answer words and language names, typed replies fall through to intents.
    bare = Context(form=form, texts=texts, now=datetime(2026, 3, 2, tzinfo=UTC),
                   new_id=lambda: "t", nlu=build_intent_parser(None))
    report = evaluate_answers(CASES, bare)
    assert report.accuracy < evaluate_answers(CASES, Context(
        form=form, texts=texts, now=datetime(2026, 3, 2, tzinfo=UTC), new_id=lambda: "t",
        nlu=build_intent_parser(None), answers=answers)).accuracy


def test_eval_answers_prints_accuracy_per_language_and_type() -> None:
    result = CliRunner().invoke(app, ["eval", "--answers"])
    assert result.exit_code == 0, result.output
    assert re.search(r"accuracy [01]\.\d{3} \(\d+/\d+\), derailments 0", result.output)
    for language in LANGUAGES:
        assert re.search(rf"\b{language} \d\.\d{{3}}", result.output)
    assert "scale" in result.output and "multi_choice" in result.output
