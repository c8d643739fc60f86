"""A resident starting with an invite or campaign link, and the tags their stories get.

An invite is used once. The invite row never learns who used it; the resident's own
conversation state keeps the payload, which is how the same resident is known again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.staff.tokens import digest, read_payload
from storage.campaigns import count_invite_story, get_campaign, is_active, start_invite

log = logging.getLogger(__name__)
# Why an invite could not be used, as the catalogue text the resident gets.
REFUSALS = {"used": "invite_used", "expired": "invite_expired", "unknown": "invite_unknown"}


@dataclass(frozen=True, slots=True)
class Admission:
    """The payload the engine may keep (empty: none), and a text key to say first, if any."""

    payload: str
    notice: str | None = None


@dataclass(frozen=True, slots=True)
class StoryTags:
    """What a story records about how the resident came: never the worker, never the resident."""

    campaign_id: str | None = None
    team: str | None = None
    theme: str | None = None
    after_home_visit: bool = False


def admit(session: Session, payload: str, kept: str | None, now: datetime) -> Admission:
    """Whether a /start payload counts for this resident, who kept `kept` from before."""
    if not payload or payload == kept:
        return Admission(payload)
    found = read_payload(payload)
    if found.kind == "invite":
        outcome = start_invite(session, digest(payload), now)
        log.info("invite start: %s", outcome)
        return Admission(payload) if outcome == "started" else Admission("", REFUSALS[outcome])
    if found.kind == "campaign":
        campaign = get_campaign(session, found.value)
        if campaign is None or not is_active(campaign, now):
            return Admission("", "campaign_closed")
    return Admission(payload)


def story_tags(session: Session, payload: str | None) -> StoryTags:
    """The tags of a story told after starting with `payload`; counts it for an invite."""
    if not payload:
        return StoryTags()
    found = read_payload(payload)
    if found.kind == "invite":
        tags = count_invite_story(session, digest(payload))
        if tags is None:
            return StoryTags()
        return StoryTags(tags.campaign_id, tags.team, tags.theme, after_home_visit=True)
    if found.kind == "campaign" and get_campaign(session, found.value) is not None:
        return StoryTags(campaign_id=found.value)
    return StoryTags()
