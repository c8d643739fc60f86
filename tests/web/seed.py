"""Stories told with the default form, written in bulk, for the dashboard's tests and bench.

Story i is fully determined by i: its teller, day, language, channel, campaign, answers and
check-in, so a page can be checked against what was written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from flows.forms.schema import Form
from storage.db import Database
from storage.models import (
    Answer,
    CheckIn,
    ConsentRecord,
    ConversationState,
    Participant,
    Story,
)

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
LANGUAGES = ("nl", "nl", "en", "tr", "ar", "pl", "uk")
CHANNELS = ("telegram", "whatsapp", "terminal")
CAMPAIGNS = ("oost-2026", "west-2026", None)
CHECKIN_ANSWERS = ("better", "same", "worse")
TEXTS = (
    "Ik had hulp nodig met mijn schulden. De buurvrouw ging mee naar de gemeente.",
    "In onze straat is een nieuw speelveld. De kinderen spelen nu buiten.",
    "Het gesprek met de wijkcoach ging goed. Ze luisterde echt naar mij.",
    "Mijn moeder woont alleen. Zonder de thuiszorg gaat het niet meer.",
)
BATCH = 5000


def _option(q: Any, k: int) -> str:
    return str(q.options[k % len(q.options)].id)


def about_of(form: Form, teller: int) -> dict[str, Any]:
    """The about-you answers of teller number `teller`."""
    found: dict[str, Any] = {}
    for n, q in enumerate(form.about):
        found[q.id] = {"status": "answered", "value": {"option": _option(q, teller + n)}}
    return found


def answer_of(form: Form, question_index: int, i: int) -> tuple[str, Any]:
    """(status, value) of story i's answer to the form's question at `question_index`."""
    q = form.questions[question_index]
    if (i + question_index) % 13 == 0:
        return "declined", None
    if q.type == "multi_choice":
        return "answered", {"options": sorted({_option(q, i), _option(q, i // 3 + 2)})}
    if q.type == "free_text":
        return "answered", {"text": "Meer tijd voor een gesprek."}
    if q.type == "triad":
        # More stories near the first corner: a pattern to see.
        return "answered", {"option": ("a", "a", "ab", "b", "c", "ca", "abc", "bc")[i % 8]}
    return "answered", {"option": _option(q, i + question_index)}


def story_row(form: Form, i: int, minutes_apart: float) -> dict[str, Any]:
    """Story i as a row of the stories table."""
    at = START + timedelta(minutes=i * minutes_apart)
    home = i % 4 == 0
    return {
        "id": f"s{i:011d}", "participant_id": f"p{i // 2:09d}", "form_id": form.id,
        "form_version": form.version, "prompt_id": form.prompts[i % len(form.prompts)].id,
        "title": f"Verhaal {i}", "text": TEXTS[i % len(TEXTS)],
        "language": LANGUAGES[i % len(LANGUAGES)], "detected_language": None,
        "detected_probability": None, "channel": CHANNELS[i % len(CHANNELS)],
        "parent_story_id": None, "campaign_id": CAMPAIGNS[i % len(CAMPAIGNS)],
        "team": "Wijkteam Oost" if home else None, "theme": "debts" if home else None,
        "after_home_visit": home, "created_at": at, "confirmed_at": at,
    }


def seed_stories(db: Database, form: Form, count: int, minutes_apart: float = 15.0) -> None:
    """Write `count` confirmed stories (two per teller) with answers, consents and, for
    every fifth story, an answered check-in."""
    for first in range(0, count, BATCH):
        numbers = range(first, min(count, first + BATCH))
        stories = [story_row(form, i, minutes_apart) for i in numbers]
        tellers = sorted({i // 2 for i in numbers})
        with db.transaction() as session:
            session.execute(insert(Participant), [
                {"id": f"p{t:09d}", "language": "nl", "about": about_of(form, t),
                 "created_at": START + timedelta(minutes=2 * t * minutes_apart)}
                for t in tellers])
            session.execute(insert(Story), stories)
            session.execute(insert(Answer), [
                {"story_id": s["id"], "question_id": q.id, "status": status, "value": value,
                 "answered_at": s["confirmed_at"]}
                for i, s in zip(numbers, stories, strict=True)
                for n, q in enumerate(form.questions)
                for status, value in [answer_of(form, n, i)]])
            session.execute(insert(ConsentRecord), [
                {"participant_id": f"p{t:09d}", "scope": scope, "text_id": "consent",
                 "text_version": 1, "given": True, "recorded_at": START}
                for t in tellers for scope in (("story", "follow_up") if t % 5 == 0
                                               else ("story",))])
            checkins = [_checkin(s, i) for i, s in zip(numbers, stories, strict=True)
                        if i % 5 == 0]
            if checkins:
                session.execute(insert(CheckIn), checkins)


def _checkin(story: dict[str, Any], i: int) -> dict[str, Any]:
    due = story["confirmed_at"] + timedelta(days=14)
    return {"id": f"c{i:011d}", "participant_id": story["participant_id"],
            "story_id": story["id"], "channel": story["channel"], "sequence": 1,
            "due_at": due, "status": "answered", "attempts": 1, "claimed_at": due,
            "sent_at": due, "answered_at": due + timedelta(hours=2),
            "answer": CHECKIN_ANSWERS[(i // 5 + i // 15) % 3]}


def seed_unconfirmed(db: Database, count: int, now: datetime) -> None:
    """Residents who consented and are telling a story not yet confirmed."""
    with db.transaction() as session:
        for n in range(count):
            pid = f"u{n:09d}"
            session.add(Participant(id=pid, language="nl", about={}, created_at=now))
            session.flush()
            session.add(ConsentRecord(participant_id=pid, scope="story", text_id="consent",
                                      text_version=1, given=True, recorded_at=now))
            session.add(ConversationState(
                participant_id=pid, version=1, updated_at=now,
                data={"step": "story", "draft": {"parts": ["Een begin van een verhaal."]}}))
