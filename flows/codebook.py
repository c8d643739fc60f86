"""Export columns of a form and the codebook that describes each of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flows.forms.schema import Form, LocalText, Question

TRIAD_PROPORTIONS: dict[str, tuple[float, float, float]] = {
    "a": (1.0, 0.0, 0.0),
    "b": (0.0, 1.0, 0.0),
    "c": (0.0, 0.0, 1.0),
    "ab": (0.5, 0.5, 0.0),
    "bc": (0.0, 0.5, 0.5),
    "ca": (0.5, 0.0, 0.5),
    "abc": (1 / 3, 1 / 3, 1 / 3),
}

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
]
CHECKIN_FIELDS: list[tuple[str, str, str]] = [
    ("status", "category", "scheduled, queued, sent, answered, expired, unreachable, cancelled."),
    ("due", "datetime", "When the check-in was due (UTC)."),
    ("sent", "datetime", "When it was sent (UTC); empty when not (yet) sent."),
    ("answered_at", "datetime", "When the resident answered (UTC)."),
    ("answer", "category", "How it is going now: better, same, worse, declined."),
]


@dataclass(frozen=True, slots=True)
class Column:
    """One export column and what it means."""

    name: str
    type: str
    description: str
    question: str | None = None
    text: LocalText = field(default_factory=dict)
    options: dict[str, LocalText] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The codebook entry."""
        entry: dict[str, Any] = {"name": self.name, "type": self.type,
                                 "description": self.description}
        if self.question:
            entry["question"] = self.question
            entry["question_text"] = self.text
        if self.options:
            entry["options"] = self.options
        return entry


def _question_columns(q: Question, section: str) -> list[Column]:
    where = "about the resident" if section == "about" else "about the story"

    def col(name: str, kind: str, text: str, options: dict[str, LocalText] | None = None
            ) -> Column:
        return Column(name, kind, text, question=q.id, text=q.text, options=options or {})

    labels = {o.id: o.label for o in q.options}
    match q.type:
        case "single_choice":
            cols = [col(q.id, "category", f"Chosen option id ({where}).", labels)]
        case "scale":
            scale = ", ".join(f"{o.id}={i / 4:g}" for i, o in enumerate(q.options))
            cols = [col(q.id, "number", f"Scale 0 to 1 ({scale}).", labels)]
        case "multi_choice":
            cols = [col(f"{q.id}.{o.id}", "binary", f"1 when '{o.id}' was picked, else 0.",
                        {o.id: o.label}) for o in q.options]
        case "triad":
            cols = [col(f"{q.id}.{c.id}", "proportion",
                        "Share of this corner; the three corners sum to 1.", {c.id: c.label})
                    for c in q.corners]
        case _:
            cols = [col(q.id, "string", f"Free text ({where}), scrubbed.")]
    na = col(f"{q.id}.na", "binary",
             "1 when the resident chose 'rather not say', 0 when answered, empty when skipped.")
    return [*cols, na]


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
        },
        "columns": [c.as_dict() for c in columns(form)],
    }


def answer_cells(q: Question, status: str, value: Any) -> list[Any]:
    """The export cells of one answer, in the order of the question's columns."""
    na = {"answered": 0, "declined": 1}.get(status, "")
    answered = status == "answered" and value is not None
    match q.type:
        case "multi_choice":
            picked = set(value.get("options", [])) if answered else None
            cells: list[Any] = [
                ("" if picked is None else int(o.id in picked)) for o in q.options
            ]
        case "triad":
            shares = TRIAD_PROPORTIONS.get(value.get("option", "") if answered else "",
                                           ("", "", ""))
            cells = list(shares)
        case "scale":
            ids = [o.id for o in q.options]
            option = value.get("option") if answered else None
            cells = [ids.index(option) / (len(ids) - 1) if option in ids else ""]
        case "single_choice":
            cells = [value.get("option", "") if answered else ""]
        case _:
            cells = [value.get("text", "") if answered else ""]
    cells.append(na)
    return cells
