"""The dashboard's counts, on SQLite and PostgreSQL, against a small world counted by hand.

Three confirmed stories: two by a young resident (one on 2 March, one at 23:30 UTC that is
already 3 March in Amsterdam), one by an older resident a week later. A third resident is
still telling, a fourth only said hello, a fifth waits at the topics question.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from storage.aggregates import (
    COUNTING_WORK_MEM,
    DashboardFilter,
    Group,
    Selection,
    answer_counts,
    checkin_trend,
    overview,
    tune_for_counting,
)
from storage.db import Database
from storage.funnel import funnel_steps, question_reach
from storage.models import (
    Answer,
    CheckIn,
    ConsentRecord,
    ConversationState,
    Participant,
    Role,
    Story,
)
from storage.pattern_stories import Pattern, count_pattern, pattern_stories

ZONE = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
YOUNG = Group((("age_group", ("a16_25",)),))
OLD = Group((("age_group", ("a65_80",)),))


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def _about(option: str) -> dict[str, object]:
    return {"age_group": {"status": "answered", "value": {"option": option}}}


def _story(sid: str, pid: str, at: datetime, language: str, channel: str,
           campaign: str | None, home: bool) -> Story:
    return Story(id=sid, participant_id=pid, form_id="f", form_version=1, prompt_id=None,
                 title=f"Titel {sid}", text=f"Tekst van {sid}", language=language,
                 channel=channel, campaign_id=campaign, team=None,
                 theme="debts" if home else None, after_home_visit=home, created_at=at,
                 confirmed_at=at)


def _answer(sid: str, question: str, status: str, value: object) -> Answer:
    return Answer(story_id=sid, question_id=question, status=status, value=value,
                  answered_at=T0)


@pytest.fixture
def world(db: Database) -> Database:
    with db.transaction() as s:
        for pid, about in (("p1", _about("a16_25")), ("p2", _about("a65_80")), ("p3", {}),
                           ("p4", {}), ("p5", {}), ("admin", {})):
            s.add(Participant(id=pid, language="nl", about=about, created_at=T0))
        s.add(Role(participant_id="admin", role="admin", granted_at=T0))
        s.flush()
        s.add_all([
            _story("s1", "p1", _at(2, 10), "nl", "telegram", "oost", True),
            _story("s2", "p1", _at(2, 23, 30), "en", "whatsapp", "oost", False),
            _story("s3", "p2", _at(9, 12), "nl", "telegram", None, False),
        ])
        s.flush()
        s.add_all([
            _answer("s1", "feeling", "answered", {"option": "glad"}),
            _answer("s1", "helped", "answered", {"option": "a"}),
            _answer("s1", "topics", "answered", {"options": ["money", "housing"]}),
            _answer("s1", "influence", "declined", None),
            _answer("s2", "feeling", "answered", {"option": "sad"}),
            _answer("s2", "helped", "answered", {"option": "ab"}),
            _answer("s2", "topics", "answered", {"options": ["money"]}),
            _answer("s3", "feeling", "answered", {"option": "glad"}),
            _answer("s3", "helped", "answered", {"option": "a"}),
            _answer("s3", "topics", "skipped", None),
        ])
        for pid, scope in (("p1", "story"), ("p2", "story"), ("p2", "follow_up"),
                           ("p3", "story"), ("p5", "story")):
            s.add(ConsentRecord(participant_id=pid, scope=scope, text_id="c", text_version=1,
                                given=True, recorded_at=T0))
        s.add(ConversationState(participant_id="p3", version=1, updated_at=T0,
                                data={"step": "story", "draft": {"parts": ["Het begon"]}}))
        s.add(ConversationState(participant_id="p5", version=1, updated_at=T0,
                                data={"step": "question", "question_id": "topics"}))
        for cid, sid, pid, answered, answer in (("c1", "s1", "p1", _at(16, 10), "worse"),
                                                ("c3", "s3", "p2", _at(23, 14), "better")):
            s.add(CheckIn(id=cid, participant_id=pid, story_id=sid, channel="telegram",
                          sequence=1, due_at=answered, status="answered", attempts=1,
                          answered_at=answered, answer=answer))
    return db


def test_overview_counts_local_days_weeks_and_each_dimension(world: Database) -> None:
    with world.transaction() as s:
        found = overview(s, DashboardFilter(), ZONE)
    assert found.total == 3
    assert dict(found.per_day) == {date(2026, 3, 2): 1, date(2026, 3, 3): 1,
                                   date(2026, 3, 9): 1}
    assert dict(found.per_week) == {date(2026, 3, 2): 2, date(2026, 3, 9): 1}
    assert dict(found.per_campaign) == {"oost": 2, None: 1}
    assert dict(found.per_theme) == {"debts": 1, None: 2}
    assert dict(found.per_language) == {"nl": 2, "en": 1}
    assert dict(found.per_channel) == {"telegram": 2, "whatsapp": 1}
    assert dict(found.per_home_visit) == {True: 1, False: 2}


@pytest.mark.parametrize(("where", "total"), [
    (DashboardFilter(language="nl"), 2),
    (DashboardFilter(channel="whatsapp"), 1),
    (DashboardFilter(campaign_id="oost"), 2),
    (DashboardFilter(since=_at(3, 0)), 1),
    (DashboardFilter(until=_at(2, 23)), 1),
    (DashboardFilter(group=YOUNG), 2),
    (DashboardFilter(group=Group((("home_visit", ("yes",)),))), 1),
    (DashboardFilter(group=Group((("age_group", ("a16_25", "a65_80")),
                                  ("home_visit", ("no",))))), 2),
])
def test_each_filter_narrows_the_stories(
    world: Database, where: DashboardFilter, total: int
) -> None:
    with world.transaction() as s:
        assert overview(s, where, ZONE).total == total


def test_answers_per_option_for_two_groups_side_by_side(world: Database) -> None:
    with world.transaction() as s:
        young, old = answer_counts(s, DashboardFilter(), ["feeling", "helped", "topics",
                                                          "influence"], (YOUNG, OLD))
    assert dict(young["feeling"].options) == {"glad": 1, "sad": 1}
    assert dict(young["helped"].options) == {"a": 1, "ab": 1}
    assert dict(young["topics"].options) == {"money": 2, "housing": 1}
    assert young["topics"].answered == 2
    assert (young["influence"].declined, young["influence"].answered) == (1, 0)
    assert dict(old["feeling"].options) == {"glad": 1}
    assert (old["topics"].skipped, old["topics"].answered) == (1, 0)


def test_a_story_in_both_groups_counts_in_the_first_and_the_filter_narrows_both(
    world: Database,
) -> None:
    home = Group((("home_visit", ("yes",)),))
    with world.transaction() as s:
        # s1 is young and after a home visit, s2 young without one.
        visited, young = answer_counts(s, DashboardFilter(), ["feeling"], (home, YOUNG))
        [only_young] = answer_counts(s, DashboardFilter(group=YOUNG), ["feeling"])
        none_young, old = answer_counts(s, DashboardFilter(group=OLD), ["feeling"],
                                        (YOUNG, OLD))
    assert dict(visited["feeling"].options) == {"glad": 1}
    assert dict(young["feeling"].options) == {"sad": 1}
    assert dict(only_young["feeling"].options) == {"glad": 1, "sad": 1}
    assert (none_young["feeling"].answered, dict(old["feeling"].options)) == (0, {"glad": 1})


def test_the_funnel_counts_residents_and_the_drop_off_per_question(world: Database) -> None:
    with world.transaction() as s:
        steps = funnel_steps(s, None, None)
        reach = question_reach(s, DashboardFilter(), ["feeling", "topics", "influence"])
    # The admin is not a resident; p3's story is told but not confirmed.
    assert (steps.started, steps.consented, steps.told, steps.confirmed, steps.follow_up,
            steps.checkin_answered) == (5, 4, 3, 2, 1, 2)
    feeling, topics, influence = reach
    assert (feeling.reached, feeling.answered) == (3, 3)
    assert (topics.reached, topics.answered, topics.skipped, topics.waiting) == (3, 2, 1, 1)
    assert (influence.reached, influence.declined) == (1, 1)


@pytest.mark.parametrize(("since", "until", "expected"), [
    (None, _at(1, 10), (5, 4, 3, 2, 1, 2)),
    (_at(1, 10), None, (0, 0, 0, 0, 0, 0)),
    (None, _at(1, 8), (0, 0, 0, 0, 0, 0)),
])
def test_the_funnel_counts_only_residents_who_started_in_the_period(
    world: Database, since: datetime | None, until: datetime | None,
    expected: tuple[int, ...],
) -> None:
    # Everyone in the world started on 1 March at 09:00.
    with world.transaction() as s:
        steps = funnel_steps(s, since, until)
    assert (steps.started, steps.consented, steps.told, steps.confirmed, steps.follow_up,
            steps.checkin_answered) == expected


def _setting(s: Session, name: str) -> str:
    return str(s.execute(text(f"SHOW {name}")).scalar_one())


def test_counting_settings_last_only_as_long_as_the_page(world: Database) -> None:
    with world.transaction() as s:
        tune_for_counting(s)
        # The stories behind a pattern turn nested loops off for their one query only.
        corner = pattern_stories(s, DashboardFilter(), Pattern("helped", ("a",)), 0)
        tuned = None if world.is_sqlite else (_setting(s, "work_mem"),
                                              _setting(s, "enable_nestloop"))
    assert corner.total == 2
    if tuned is not None:
        with world.transaction() as s:
            untouched = _setting(s, "work_mem")
        assert tuned == (COUNTING_WORK_MEM, "on")
        assert untouched != COUNTING_WORK_MEM


def test_the_stories_behind_a_triad_corner_and_a_topic(world: Database) -> None:
    with world.transaction() as s:
        corner = pattern_stories(s, DashboardFilter(), Pattern("helped", ("a",)), 0)
        young_corner = count_pattern(s, DashboardFilter(group=YOUNG), Pattern("helped", ("a",)))
        money = count_pattern(s, DashboardFilter(), Pattern("topics", ("money",), True))
        housing = count_pattern(s, DashboardFilter(), Pattern("topics", ("housing",), True))
        second_page = pattern_stories(s, DashboardFilter(), Pattern("helped", ("a",)), 1,
                                      size=1)
    assert corner.total == 2
    assert [story.story_id for story in corner.stories] == ["s3", "s1"]
    assert corner.stories[1].answers["topics"] == ("answered",
                                                   {"options": ["money", "housing"]})
    assert (young_corner, money, housing) == (1, 2, 1)
    assert [story.story_id for story in second_page.stories] == ["s1"]


def test_check_ins_per_campaign_and_local_week(world: Database) -> None:
    with world.transaction() as s:
        found = checkin_trend(s, DashboardFilter(), ZONE)
        only_oost = checkin_trend(s, DashboardFilter(campaign_id="oost"), ZONE)
    assert {c: {w: dict(n) for w, n in weeks.items()} for c, weeks in found.weeks.items()} == {
        "oost": {date(2026, 3, 16): {"worse": 1}},
        None: {date(2026, 3, 23): {"better": 1}},
    }
    assert list(only_oost.weeks) == ["oost"]


@pytest.fixture
def wider(world: Database) -> Database:
    """The world, with a confirmed story by p3 (who gave no age) and an unconfirmed one by
    p5, both with answers."""
    with world.transaction() as s:
        unconfirmed = _story("s5", "p5", _at(11, 9), "nl", "telegram", "oost", False)
        unconfirmed.confirmed_at = None
        s.add_all([_story("s4", "p3", _at(10, 9), "pl", "terminal", None, False), unconfirmed])
        s.flush()
        s.add_all([
            _answer("s4", "feeling", "answered", {"option": "angry"}),
            _answer("s4", "topics", "answered", {"options": ["work"]}),
            _answer("s5", "feeling", "answered", {"option": "glad"}),
            _answer("s5", "topics", "declined", None),
        ])
    return world


@pytest.mark.parametrize(("where", "most", "feeling", "topics"), [
    # Four of five stories: every answer counted, those of s5 (unconfirmed) taken away.
    (DashboardFilter(), True, {"glad": 2, "sad": 1, "angry": 1},
     ({"money": 2, "housing": 1, "work": 1}, 3, 0, 1)),
    # Three of five: s4's teller gave no age (NULL), s5 is unconfirmed; both taken away.
    (DashboardFilter(group=Group((("age_group", ("a16_25", "a65_80")),))), True,
     {"glad": 2, "sad": 1}, ({"money": 2, "housing": 1}, 2, 0, 1)),
    # Two of five: the answers of those two joined to their stories.
    (DashboardFilter(language="nl"), False, {"glad": 2},
     ({"money": 1, "housing": 1}, 1, 0, 1)),
])
def test_counting_all_answers_less_those_left_out_equals_counting_those_kept(
    wider: Database, where: DashboardFilter, most: bool, feeling: dict[str, int],
    topics: tuple[dict[str, int], int, int, int],
) -> None:
    with wider.transaction() as s:
        keeps_most = Selection(where).keeps_most(s, Group())
        [counts] = answer_counts(s, where, ["feeling", "topics"])
        reach = question_reach(s, where, ["feeling", "topics"])
    assert keeps_most is most
    assert dict(counts["feeling"].options) == feeling
    found = counts["topics"]
    assert (dict(found.options), found.answered, found.declined, found.skipped) == topics
    assert [(r.reached, r.answered, r.declined, r.skipped) for r in reach] == [
        (sum(feeling.values()), sum(feeling.values()), 0, 0),
        (sum(topics[1:]), *topics[1:]),
    ]


def test_a_resident_telling_again_after_a_confirmed_story_counts_once(wider: Database) -> None:
    # p3 has a confirmed story (s4) and is telling another one; p5's story is unconfirmed
    # and p5 waits at a question, so p5 has not told.
    with wider.transaction() as s:
        steps = funnel_steps(s, None, None)
    assert (steps.started, steps.consented, steps.told, steps.confirmed, steps.follow_up,
            steps.checkin_answered) == (5, 4, 3, 3, 1, 2)
