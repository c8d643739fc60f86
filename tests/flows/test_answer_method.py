"""How each answer was given (tapped, typed, typed and confirmed) and whether help lines were
shown, from a whole conversation through the service to the export and its codebook."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from bot.channels.messages import InboundMessage
from bot.export import write_codebook, write_export
from bot.service import Collaborators, ConversationService
from flows.events import ChoiceIn, Inbound, OpenedIn, SaveAnswer, TextIn
from flows.forms.schema import Form
from flows.texts import Texts
from nlu import answers
from nlu.factory import build_intent_parser
from nlu.safety import mentions_danger
from storage.db import Database
from storage.export import iter_story_records
from tests.scripts import EngineChat

PARSER = build_intent_parser(None)
STORY = "Ik had schulden en de buurvrouw hielp me met bellen naar de gemeente."
DANGER = "ik wil dood"

# Each question answered one way: pressed, typed and read, or typed with a typo and
# confirmed with "ja" when the bot asked back.
QUESTIONS: list[Inbound] = [
    ChoiceIn("sad"),                      # feeling: tapped
    TextIn("mensen"),                     # helped: typed
    TextIn("een beetej"), TextIn("ja"),   # influence: a typo, asked back, confirmed
    TextIn("geld"), ChoiceIn("done"),     # topics: ticked by typing, done pressed
    ChoiceIn("often"),                    # frequency: tapped
    TextIn("zeg ik liever niet"),         # belonging: typed, "rather not say"
    TextIn("Eerder hulp"),                # wish: typed
    TextIn("45"),                         # age group: typed
    TextIn("centrun"), TextIn("ja"),      # neighbourhood: a typo, confirmed
    ChoiceIn("skip"),                     # gender: tapped
]
METHODS = {
    "feeling": "tapped", "helped": "typed", "influence": "confirmed", "topics": "typed",
    "frequency": "tapped", "belonging": "typed", "wish": "typed", "age_group": "typed",
    "neighbourhood": "confirmed", "gender": "tapped",
}


def _story(*, at_prompt: list[Inbound], during_questions: list[Inbound]) -> list[Inbound]:
    return [
        *at_prompt, ChoiceIn("needed_help"), TextIn(STORY), ChoiceIn("done"),
        ChoiceIn("save"), ChoiceIn("skip"), *during_questions,
    ]


def _tell(service: ConversationService, user: str, events: list[Inbound]) -> None:
    service.collaborators = Collaborators(nlu=PARSER, answers=answers,
                                          mentions_danger=mentions_danger)
    for event in events:
        service.handle(InboundMessage("terminal", user, user, event))


def _rows(db: Database, form: Form) -> list[dict[str, str]]:
    out = io.StringIO()
    with db.transaction() as session:
        write_export(form, iter_story_records(session), out, "csv")
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_each_way_of_answering_is_stored_and_exported(
    service: ConversationService, db: Database, form: Form
) -> None:
    first = [OpenedIn(), ChoiceIn("yes"), ChoiceIn("age_yes")]
    _tell(service, "anna", first + _story(at_prompt=[], during_questions=QUESTIONS)
          + [ChoiceIn("no"), ChoiceIn("no")])
    [row] = _rows(db, form)
    assert {q: row[f"{q}.method"] for q in METHODS} == METHODS
    assert (row["influence"], row["neighbourhood"]) == ("0.25", "centrum")
    assert row["belonging.na"] == "1" and row["topics.money"] == "1"
    assert row["help_lines_shown"] == "0"


def test_help_lines_are_exported_for_the_story_they_were_shown_for(
    service: ConversationService, db: Database, form: Form
) -> None:
    skips = [ChoiceIn("skip")] * 10
    start = [OpenedIn(), ChoiceIn("yes"), ChoiceIn("age_yes")]
    _tell(service, "anna", [
        # Help lines at the prompt question: for the story told next.
        *start, *_story(at_prompt=[TextIn(DANGER)], during_questions=skips), ChoiceIn("no"),
        # None at all.
        ChoiceIn("yes"), *_story(at_prompt=[], during_questions=skips), ChoiceIn("no"),
        # Help lines while the stored story's questions are asked.
        ChoiceIn("yes"), *_story(at_prompt=[], during_questions=[TextIn(DANGER), *skips]),
    ])
    rows = _rows(db, form)
    with db.transaction() as session:
        order = [r.story_id for r in iter_story_records(session)]
    assert len(rows) == 3
    by_story = {row["story_id"]: row["help_lines_shown"] for row in rows}
    # Story ids are issued in order of telling.
    assert [by_story[story_id] for story_id in sorted(order)] == ["1", "0", "1"]


def test_a_typo_is_asked_back_and_no_keeps_the_question(form: Form, texts: Texts) -> None:
    chat = EngineChat(form, texts, nlu=PARSER)
    chat.open()
    for press in ("yes", "age_yes", "needed_help"):
        chat.press(press)
    chat.text(STORY)
    for press in ("done", "save", "skip"):
        chat.press(press)
    chat.text("verdrietg")
    sad = next(o for o in form.questions[0].options if o.id == "sad")
    assert chat.question().text == texts.get(
        "check_meant", "nl", label=texts.local(sad.label, "nl"))
    assert not [e for e in chat.effects if isinstance(e, SaveAnswer)]
    chat.text("nee")
    assert chat.state.step == "question" and chat.state.question_id == "feeling"
    chat.text("blij")
    [saved] = [e for e in chat.effects if isinstance(e, SaveAnswer)]
    assert (saved.question_id, saved.value, saved.method) == (
        "feeling", {"option": "glad"}, "typed")


def test_another_answer_at_the_question_back_answers_the_question(
    form: Form, texts: Texts
) -> None:
    chat = EngineChat(form, texts, nlu=PARSER)
    chat.open()
    for press in ("yes", "age_yes", "needed_help"):
        chat.press(press)
    chat.text(STORY)
    for press in ("done", "save", "skip"):
        chat.press(press)
    chat.text("verdrietg")
    assert chat.state.step == "check"
    chat.text("boos")
    [saved] = [e for e in chat.effects if isinstance(e, SaveAnswer)]
    assert (saved.question_id, saved.value, saved.method) == (
        "feeling", {"option": "angry"}, "typed")
    assert chat.state.question_id == "helped"


def test_the_codebook_describes_the_new_columns(form: Form) -> None:
    out = io.StringIO()
    write_codebook(form, out, datetime(2026, 3, 2, tzinfo=UTC))
    book = json.loads(out.getvalue())
    described = {c["name"]: c for c in book["columns"]}
    assert described["help_lines_shown"]["type"] == "binary"
    for question in [*form.questions, *form.about]:
        entry = described[f"{question.id}.method"]
        assert entry["type"] == "category" and "confirmed" in entry["description"]
    assert book["answer_methods"] == ["tapped", "typed", "confirmed"]
