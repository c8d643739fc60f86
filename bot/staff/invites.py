"""A worker's invites: /uitnodiging (theme buttons, then links, QR codes and a card text) and
/mijnuitnodigingen (counts only; a worker never sees who told a story, nor the story)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.staff.links import StartLink, qr_png, start_links
from bot.staff.tokens import digest, new_invite_payload
from bot.staff.turn import CHOICE_PREFIX, PendingInvite, StaffTurn, ThemeOption
from flows.events import Choice
from flows.matching import match_label, match_number
from storage.campaigns import (
    InviteTags,
    active_campaigns,
    add_invite,
    get_campaign,
    is_active,
    worker_counts,
)
from storage.models import Campaign
from storage.roles import WORKER

log = logging.getLogger(__name__)
THEME_CHOICE = CHOICE_PREFIX + "theme:"


def local_label(label: dict[str, str], language: str, fallback: str) -> str:
    """A label from a campaign file in `language`, else Dutch, else any, else `fallback`."""
    return label.get(language) or label.get("nl") or next(iter(label.values()), fallback)


def theme_options(campaigns: Sequence[Campaign], language: str) -> list[ThemeOption]:
    """One option per theme of each campaign; a campaign without themes is one option."""
    options = []
    for campaign in campaigns:
        themes: list[dict[str, Any]] = list(campaign.themes or [])
        if not themes:
            options.append(ThemeOption(campaign_id=campaign.id, label=campaign.name))
        for theme in themes:
            label = local_label(dict(theme.get("label") or {}), language, str(theme["id"]))
            options.append(ThemeOption(campaign_id=campaign.id, theme=str(theme["id"]),
                                       label=label))
    return options


def _campaigns(turn: StaffTurn) -> list[Campaign]:
    """The worker's own campaign when their code named one, else every running campaign."""
    role = turn.roles[WORKER]
    if role.campaign_id is None:
        return active_campaigns(turn.session, turn.now)
    campaign = get_campaign(turn.session, role.campaign_id)
    return [campaign] if campaign is not None and is_active(campaign, turn.now) else []


def ask_theme(turn: StaffTurn, payload: str) -> bool:
    """`/uitnodiging [language]`: which theme was the home visit about?"""
    wanted = payload.strip().lower()
    card_language = wanted if wanted in turn.texts.languages else turn.language
    campaigns = _campaigns(turn)
    if not campaigns:
        turn.say("no_campaign")
        return True
    options = theme_options(campaigns, turn.language)
    names = {c.id: c.name for c in campaigns}
    several = len(campaigns) > 1
    token = turn.state.next_token()
    turn.state.pending = PendingInvite(token=token, options=options, card_language=card_language)
    choices = [
        Choice(id=f"{THEME_CHOICE}{number}", label=option.label,
               description=names[option.campaign_id] if several else None)
        for number, option in enumerate(options)
    ]
    turn.ask(turn.text("pick_theme"), choices, token)
    return True


def choose_typed_theme(turn: StaffTurn, text: str) -> bool:
    """A typed reply to the pending theme question ("1", "geld en schulden"): True when it
    names a theme, which then makes the invite; False leaves the reply to the engine."""
    pending = turn.state.pending
    if pending is None:
        return False
    choices = [Choice(id=f"{THEME_CHOICE}{number}", label=option.label)
               for number, option in enumerate(pending.options)]
    choice = match_number(text, choices) or match_label(text, choices)
    if choice is None:
        return False
    choose_theme(turn, choice.id, pending.token)
    return True


def choose_theme(turn: StaffTurn, choice_id: str, token: str | None) -> None:
    """A theme button: make the invite; an old button gets a gentle reply."""
    pending = turn.state.pending
    number = choice_id.removeprefix(THEME_CHOICE)
    fresh = pending is not None and token in (None, pending.token)
    if pending is None or not fresh or not number.isdigit() or int(number) >= len(
        pending.options
    ):
        turn.say("stale_button")
        return
    option = pending.options[int(number)]
    turn.state.pending = None
    turn.answered(pending.token, option.label)
    _make_invite(turn, option, pending.card_language)


def _make_invite(turn: StaffTurn, option: ThemeOption, card_language: str) -> None:
    campaign = get_campaign(turn.session, option.campaign_id)
    if campaign is None or not is_active(campaign, turn.now):
        turn.say("no_campaign")
        return
    payload = new_invite_payload()
    expires = turn.now + timedelta(days=turn.options.invite_days)
    tags = InviteTags(campaign.id, turn.roles[WORKER].team, option.theme)
    add_invite(turn.session, digest(payload), tags, turn.participant_id, turn.now, expires)
    log.info("staff: an invite was made")
    links = start_links(turn.options, payload, card_language)
    turn.say("invite_ready", theme=option.label, expires=turn.local_date(expires))
    for link in links:
        caption = turn.text(f"qr_{link.app}", link=link.url)
        turn.send_file("photo", f"vertelpunt-{link.app}.png", "image/png", qr_png(link.url),
                       caption)
    turn.say("card_intro")
    turn.say_text(card_text(turn, links, payload, card_language), secret=True)


def card_text(turn: StaffTurn, links: Sequence[StartLink], payload: str, language: str) -> str:
    """The text for the resident, to forward or print: what it is, and how to start."""
    lines = [turn.text("card", language)]
    lines.extend(turn.text(f"card_{link.app}", language, link=link.url) for link in links)
    if not links:
        lines.append(turn.text("card_code", language, code=payload))
    return "\n".join(lines)


def my_invites(turn: StaffTurn, payload: str) -> bool:
    """`/mijnuitnodigingen`: how many invites were made, used, and stories told; no more."""
    counts = worker_counts(turn.session, turn.participant_id)
    turn.say("my_invites", sent=counts.sent, started=counts.started, stories=counts.stories)
    return True
