"""The overview, funnel and check-in pages: counts from storage, drawn as charts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from bot.runtime import Runtime
from bot.web.dashboard.charts import Chart, bars, shown, stacked
from bot.web.dashboard.filters import CHANNELS, Dimension, PageQuery, dimensions, parse_query
from bot.web.dashboard.viewer import Messages, zone
from storage.aggregates import checkin_trend, overview, tune_for_counting
from storage.campaigns import list_campaigns
from storage.funnel import funnel

CHECKIN_ANSWERS = ("better", "same", "worse", "declined")


@dataclass(frozen=True, slots=True)
class Choices:
    """What the filter form offers: campaigns, languages, channels and groups."""

    campaigns: list[tuple[str, str]]
    languages: list[tuple[str, str]]
    channels: list[tuple[str, str]]
    dimensions: list[Dimension]
    themes: dict[str, str]

    def campaign_name(self, campaign_id: str | None, t: Messages) -> str:
        """A campaign's name, or the word for 'none'."""
        if campaign_id is None:
            return t("none")
        return dict(self.campaigns).get(campaign_id, campaign_id)


def page_query(
    session: Session, runtime: Runtime, t: Messages, items: Iterable[tuple[str, str]]
) -> tuple[PageQuery, Choices]:
    """The page's filter and what the filter form offers (and the transaction tuned for
    the page's counts)."""
    tune_for_counting(session)
    form, language = runtime.form, t.language
    dims = dimensions(form, language, (t("home_visit"), t("answer_yes"), t("answer_no")))
    campaigns: list[tuple[str, str]] = []
    themes: dict[str, str] = {}
    for campaign in list_campaigns(session):
        campaigns.append((campaign.id, campaign.name))
        for theme in campaign.themes or []:
            label = dict(theme.get("label") or {})
            themes.setdefault(str(theme["id"]), label.get(language) or label.get("nl")
                              or str(theme["id"]))
    choices = Choices(
        campaigns=campaigns,
        languages=[(code, runtime.texts.language_name(code)) for code in form.languages],
        channels=[(name, t(f"channel_{name}")) for name in CHANNELS],
        dimensions=dims, themes=themes,
    )
    return parse_query(items, form, zone(runtime), dims), choices


def overview_page(
    session: Session, runtime: Runtime, t: Messages, query: PageQuery, choices: Choices
) -> dict[str, Any]:
    """The overview: stories per day and week, and per campaign, theme, language, channel
    and home visit."""
    found = overview(session, query.where, zone(runtime))
    days = sorted(found.per_day)
    weeks = sorted(found.per_week)
    language_names = dict(choices.languages)
    charts: list[Chart] = [
        bars("per-day", t("per_day"), [d.isoformat() for d in days],
             [found.per_day[d] for d in days]),
        bars("per-week", t("per_week"), [_week(t, w) for w in weeks],
             [found.per_week[w] for w in weeks]),
        _counted("per-campaign", t("per_campaign"), found.per_campaign.most_common(),
                 lambda key: choices.campaign_name(key, t)),
        _counted("per-theme", t("per_theme"), found.per_theme.most_common(),
                 lambda key: choices.themes.get(key, key) if key else t("none")),
        _counted("per-language", t("per_language"), found.per_language.most_common(),
                 lambda key: language_names.get(key, key)),
        _counted("per-channel", t("per_channel"), found.per_channel.most_common(),
                 lambda key: t(f"channel_{key}") if key in CHANNELS else key),
        _counted("per-home-visit", t("per_home_visit"),
                 sorted(found.per_home_visit.items(), reverse=True),
                 lambda key: t("after_home_visit") if key else t("not_after_home_visit")),
    ]
    return {"total": shown(found.total), "charts": charts}


def _week(t: Messages, monday: date) -> str:
    return t("week_of", day=monday.isoformat())


def _counted(chart_id: str, title: str, items: Iterable[tuple[Any, int]], name: Any) -> Chart:
    pairs = list(items)
    return bars(chart_id, title, [name(key) for key, _ in pairs], [n for _, n in pairs],
                horizontal=True)


def funnel_page(
    session: Session, runtime: Runtime, t: Messages, query: PageQuery
) -> dict[str, Any]:
    """Residents at each step, and per question how many stories reached it."""
    questions = runtime.form.questions
    found = funnel(session, query.where, [q.id for q in questions])
    steps = found.steps
    names = ["started", "consented", "told", "confirmed", "follow_up", "checkin_answered"]
    counts = [steps.started, steps.consented, steps.told, steps.confirmed, steps.follow_up,
              steps.checkin_answered]
    chart = bars("funnel", t("funnel_title"), [t(f"step_{n}") for n in names], counts)
    rows: list[dict[str, str]] = []
    before: int | None = None
    for question, reach in zip(questions, found.questions, strict=True):
        lost: int | None = before - reach.reached if before is not None else None
        rows.append({
            "question": runtime.texts.local(question.text, t.language),
            "reached": shown(reach.reached), "answered": shown(reach.answered),
            "declined": shown(reach.declined), "skipped": shown(reach.skipped),
            "waiting": shown(reach.waiting), "lost": shown(max(lost, 0)) if lost is not None
            else "",
        })
        before = reach.reached
    return {"chart": chart, "rows": rows}


def checkins_page(
    session: Session, runtime: Runtime, t: Messages, query: PageQuery, choices: Choices
) -> dict[str, Any]:
    """Better, the same or worse over the weeks, one chart per campaign."""
    found = checkin_trend(session, query.where, zone(runtime))
    charts = []
    for index, (campaign, weeks) in enumerate(sorted(found.weeks.items(),
                                                     key=lambda item: item[0] or "")):
        order = sorted(weeks)
        series = [(t(f"checkin_{answer}"), [weeks[w][answer] for w in order])
                  for answer in CHECKIN_ANSWERS]
        charts.append(stacked(f"checkins-{index}", choices.campaign_name(campaign, t),
                              [_week(t, w) for w in order], series))
    return {"charts": charts}
