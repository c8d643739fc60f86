"""Export columns of a form and the codebook that describes each of them.

Each question type (flows/questions) says its own columns and cells; this module puts them
in the export's order, between the story's columns and the check-ins'.
"""

from __future__ import annotations

from typing import Any

from flows.forms.schema import Form, Question
from flows.questions import question_type
from flows.questions.base import Column, column

__all__ = ["Column", "answer_cells", "codebook", "columns"]

STORY_COLUMNS: list[tuple[str, str, str]] = [
    ("participant_id", "string", "Pseudonym of the resident (HMAC-SHA256, not reversible)."),
    ("story_id", "string", "Random id of the story."),
    ("collected_at", "datetime", "When the resident confirmed the story (UTC, ISO 8601)."),
    ("language", "string", "Language of the conversation (ISO 639-1)."),
    ("detected_language", "string", "Language detected in the story text, when sure enough."),
    ("channel", "string", "terminal, telegram or whatsapp."),
    ("form_id", "string", "Id of the story form."),
    ("form_version", "integer", "Version of the story form."),
    ("prompt", "string", "Id of the prompting question the resident chose; empty when skipped."),
    ("title", "string", "Title the resident gave, scrubbed; empty when skipped."),
    ("text", "string", "The story, scrubbed of names, addresses and numbers."),
    ("parent_story_id", "string",
     "For a story told at a check-in: the story it follows up on; else empty."),
    ("campaign", "string", "Id of the campaign the resident came through (an invite or a "
     "campaign link); empty when none."),
    ("team", "string", "The team of the social worker whose invite the resident used; "
     "never the worker or the resident."),
    ("theme", "string", "Theme of the home visit the invite was made for (the campaign's "
     "theme id); empty when none."),
    ("after_home_visit", "binary", "1 when the resident came through a worker's personal "
     "invite after a home visit, else 0."),
    ("help_lines_shown", "binary", "1 when help lines were shown in the conversation that "
     "led to the story (since the resident's previous story was stored) or while its "
     "questions were asked, else 0; empty for stories stored before this was recorded."),
]
METHODS = ("tapped", "typed", "confirmed")
METHOD_DESCRIPTION = (
    "How the answer was given: tapped (a button pressed), typed (typed or said, and read as "
    "an answer), confirmed (typed with a small typo, and confirmed after the bot asked back "
    "whether that answer was meant). For a multiple choice ticked over several replies, "
    "the least direct of these; a skip or 'rather not say' is given the same ways. Empty "
    "when the question was not reached, or for answers stored before this was recorded."
)
CHECKIN_FIELDS: list[tuple[str, str, str]] = [
    ("status", "category", "scheduled, queued, sent, answered, expired, unreachable, cancelled."),
    ("due", "datetime", "When the check-in was due (UTC)."),
    ("sent", "datetime", "When it was sent (UTC); empty when not (yet) sent."),
    ("answered_at", "datetime", "When the resident answered (UTC)."),
    ("answer", "category", "How it is going now: better, same, worse, declined."),
]


def _question_columns(q: Question, section: str) -> list[Column]:
    where = "about the resident" if section == "about" else "about the story"
    na = column(q, f"{q.id}.na", "binary",
                "1 when the resident chose 'rather not say', 0 when answered, empty when "
                "skipped.")
    method = column(q, f"{q.id}.method", "category", METHOD_DESCRIPTION)
    return [*question_type(q.type).value_columns(q, where), na, method]


def columns(form: Form) -> list[Column]:
    """Every export column for stories told with this form, in order."""
    cols = [Column(name, kind, desc) for name, kind, desc in STORY_COLUMNS]
    for q in form.questions:
        cols.extend(_question_columns(q, "story"))
    for q in form.about:
        cols.extend(_question_columns(q, "about"))
    for number, days in enumerate(form.follow_up.days, start=1):
        cols.extend(
            Column(f"checkin{number}.{name}", kind, f"Check-in {number} ({days} days): {text}")
            for name, kind, text in CHECKIN_FIELDS
        )
    return cols


def codebook(form: Form) -> dict[str, Any]:
    """The codebook: the form and every column with its question texts and option labels."""
    return {
        "form": {"id": form.id, "version": form.version, "languages": form.languages},
        "missing_values": {
            "empty": "not answered (skipped or not reached)",
            "<question>.na = 1": "the resident chose 'rather not say'",
            "<question>.method empty": "not reached, or stored before the way of "
                                       "answering was recorded",
        },
        "answer_methods": list(METHODS),
        "columns": [c.as_dict() for c in columns(form)],
    }


def answer_cells(q: Question, status: str, value: Any) -> list[Any]:
    """The export cells of one answer, in the order of the question's columns."""
    na = {"answered": 0, "declined": 1}.get(status, "")
    answered = status == "answered" and value is not None
    return [*question_type(q.type).value_cells(q, value if answered else None), na]
