"""The signifiers page (triads, scales, choices; two groups side by side) and the stories
behind one of its patterns."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.runtime import Runtime
from bot.web.dashboard.charts import SMALL, Chart, bars, shown, triad
from bot.web.dashboard.filters import PageQuery, with_side
from bot.web.dashboard.pages import Choices
from bot.web.dashboard.viewer import Messages
from flows.forms.schema import Question
from flows.questions.triad import POSITIONS as TRIAD_POSITIONS
from storage.aggregates import Group, QuestionCounts, answer_counts
from storage.pattern_stories import Pattern, StoryPage, pattern_stories

STORIES_PATH = "/dashboard/stories"
SIDES = ("a", "b")


def charted_questions(runtime: Runtime) -> list[Question]:
    """The story questions the signifiers page draws (every one but free text)."""
    return [q for q in runtime.form.questions if q.type != "free_text"]


def signifiers_page(
    session: Session, runtime: Runtime, t: Messages, query: PageQuery, choices: Choices
) -> dict[str, Any]:
    """Per question, one chart per group (both groups side by side when comparing)."""
    questions = charted_questions(runtime)
    counted = answer_counts(session, query.where, [q.id for q in questions], query.groups)
    sides = SIDES if query.comparing else ("",)
    rows = []
    for question in questions:
        charts = [
            _chart(runtime, t, query, question, counts[question.id], side, index)
            for index, (side, counts) in enumerate(zip(sides, counted, strict=True))
        ]
        rows.append({"title": runtime.texts.local(question.text, t.language),
                     "charts": charts})
    headings = ([_describe(t, query.side_a, choices), _describe(t, query.side_b, choices)]
                if query.comparing else [])
    return {"rows": rows, "headings": headings}


def _describe(t: Messages, group: Group, choices: Choices) -> str:
    if not group:
        return t("everyone")
    labels = {d.id: (d.label, dict(d.options)) for d in choices.dimensions}
    parts = []
    for name, values in group.parts:
        label, options = labels[name]
        parts.append(f"{label}: " + ", ".join(options.get(v, v) for v in values))
    return "; ".join(parts)


def _chart(
    runtime: Runtime, t: Messages, query: PageQuery, question: Question,
    counts: QuestionCounts, side: str, index: int,
) -> Chart:
    chart_id = f"{question.id}-{side or 'all'}"
    options = [o for o in question.options if o.id in TRIAD_POSITIONS or question.type != "triad"]
    labels = [runtime.texts.local(o.label, t.language) for o in options]
    numbers = [counts.options[o.id] for o in options]
    links = [_stories_link(query, question.id, o.id, side) for o in options]
    if question.type == "triad":
        corners = tuple(runtime.texts.local(c.label, t.language) for c in question.corners)
        chart = triad(chart_id, "", (corners[0], corners[1], corners[2]),
                      [o.id for o in options], labels, numbers, links, colour=index)
    else:
        chart = bars(chart_id, "", labels, numbers, links,
                     horizontal=question.type != "scale", colour=index)
    chart.note = t("answer_note", answered=shown(counts.answered),
                   declined=shown(counts.declined), skipped=shown(counts.skipped))
    return chart


def _stories_link(query: PageQuery, question_id: str, option: str, side: str) -> str:
    extra = [("q", question_id), ("o", option)]
    if side:
        extra.append(("side", side))
    return query.link(STORIES_PATH, *extra)


def read_pattern(
    runtime: Runtime, items: list[tuple[str, str]]
) -> tuple[Pattern, Question, str] | None:
    """The pattern a stories link asks for (question, options, side), or None."""
    values = dict(items)
    question = runtime.form.question(values.get("q", ""))
    if question is None or question not in runtime.form.questions:
        return None
    known = {o.id for o in question.options}
    options = tuple(dict.fromkeys(v for k, v in items if k == "o" and v in known))
    if not options:
        return None
    side = values.get("side", "")
    return (Pattern(question.id, options, multiple=question.type == "multi_choice"), question,
            side if side in SIDES else "")


def stories_page(
    session: Session, runtime: Runtime, t: Messages, query: PageQuery,
    found: tuple[Pattern, Question, str], page: int,
) -> tuple[dict[str, Any], StoryPage | None]:
    """The stories behind a pattern, a page at a time; none when fewer than SMALL match."""
    pattern, question, side = found
    group = {"a": query.side_a, "b": query.side_b}.get(side, Group())
    where = with_side(query.where, group)
    result = pattern_stories(session, where, pattern, page)
    labels = {o.id: runtime.texts.local(o.label, t.language) for o in question.options}
    context: dict[str, Any] = {
        "question": runtime.texts.local(question.text, t.language),
        "options": [labels[o] for o in pattern.options],
        "total": shown(result.total), "page": page, "small": result.total < SMALL,
        "stories": [] if result.total < SMALL else [_story(runtime, t, s) for s in
                                                      result.stories],
        "has_next": result.total > (page + 1) * 20 and result.total >= SMALL,
    }
    return context, (None if result.total < SMALL else result)


def _story(runtime: Runtime, t: Messages, story: Any) -> dict[str, Any]:
    answers = []
    for q in runtime.form.questions:
        status, value = story.answers.get(q.id, ("", None))
        answers.append((runtime.texts.local(q.text, t.language),
                        _answer_text(runtime, t, q, status, value)))
    return {"title": story.title or "", "text": story.text, "language": story.language,
            "channel": story.channel, "day": story.confirmed_at.date().isoformat()
            if story.confirmed_at else "", "answers": answers,
            "home_visit": story.after_home_visit}


def _answer_text(runtime: Runtime, t: Messages, q: Question, status: str, value: Any) -> str:
    if status == "declined":
        return t("declined")
    if status != "answered" or not isinstance(value, dict):
        return t("skipped")
    labels = {o.id: runtime.texts.local(o.label, t.language) for o in q.options}
    if "option" in value:
        return labels.get(str(value["option"]), str(value["option"]))
    if "options" in value:
        return ", ".join(labels.get(str(o), str(o)) for o in value["options"])
    return str(value.get("text", ""))
