"""Counts of confirmed stories for admins: per day, per theme and per language."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from storage.models import Story

BATCH = 2000


@dataclass(frozen=True, slots=True)
class StoryFilter:
    """Which confirmed stories: of one campaign, from a moment on; None means all."""

    campaign_id: str | None = None
    since: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE conditions on stories for this filter."""
        found: list[ColumnElement[bool]] = [Story.confirmed_at.is_not(None)]
        if self.campaign_id is not None:
            found.append(Story.campaign_id == self.campaign_id)
        if self.since is not None:
            found.append(Story.confirmed_at >= self.since)
        return found


@dataclass(slots=True)
class StoryCounts:
    """How many stories, per local day, per theme (None: no theme) and per language."""

    total: int = 0
    per_day: Counter[date] = field(default_factory=Counter)
    per_theme: Counter[str | None] = field(default_factory=Counter)
    per_language: Counter[str] = field(default_factory=Counter)


def story_counts(session: Session, where: StoryFilter, zone: tzinfo) -> StoryCounts:
    """Count confirmed stories; days are local days in `zone`."""
    # Counted here, not with SQL date functions: those differ per database and know no zone.
    query = select(Story.confirmed_at, Story.theme, Story.language).where(*where.conditions())
    counts = StoryCounts()
    for confirmed_at, theme, language in session.execute(
        query.execution_options(yield_per=BATCH)
    ):
        counts.total += 1
        if confirmed_at is not None:
            counts.per_day[confirmed_at.astimezone(zone).date()] += 1
        counts.per_theme[theme] += 1
        counts.per_language[language] += 1
    return counts
