"""Getting and losing a role: /admin CODE, /werker CODE, /werkercode TEAM, /intrekken."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from bot.staff.tokens import digest, new_secret
from bot.staff.turn import StaffTurn
from storage import roles as repo
from storage.campaigns import get_campaign
from storage.roles import ADMIN, WORKER, Grant, HeldRole

log = logging.getLogger(__name__)
SPACES = re.compile(r"\s+")
CAMPAIGN_OPTION = re.compile(r"(?:^|\s)(?:campagne|campaign)=(\S+)", re.IGNORECASE)
TEAM_MAX = 100
# A command to copy, the same in every language: the code is what matters, not prose.
WORKER_COMMAND = "/werker {code}"


def claim_admin(turn: StaffTurn, payload: str) -> bool:
    """`/admin CODE`: become an admin; False (an unknown command) for any wrong code."""
    return _claim(turn, payload, ADMIN)


def claim_worker(turn: StaffTurn, payload: str) -> bool:
    """`/werker CODE`: become a worker of the code's team; False for any wrong code."""
    return _claim(turn, payload, WORKER)


def _claim(turn: StaffTurn, payload: str, role: str) -> bool:
    code = payload.strip()
    if not code or " " in code:
        return False
    grant = repo.redeem_code(turn.session, digest(code), role, turn.now)
    if grant is None:
        # Wrong, used, expired or for another role: all look like an unknown command.
        log.debug("staff: a code was refused")
        return False
    repo.grant_role(turn.session, turn.participant_id, grant, turn.now)
    repo.audit(turn.session, turn.participant_id, "role_granted",
               {"role": role, "team": grant.team, "campaign": grant.campaign_id,
                "via": "code", "channel": turn.channel}, turn.now)
    log.info("staff: a %s role was granted", role)
    if role == ADMIN:
        turn.say("admin_welcome")
    else:
        turn.say("worker_welcome", team=grant.team or "")
    return True


def split_team(payload: str) -> tuple[str, str | None]:
    """`Wijkteam Oost campagne=oost-2026` as the team name and the campaign id."""
    found = CAMPAIGN_OPTION.search(payload)
    campaign = found.group(1) if found else None
    team = CAMPAIGN_OPTION.sub(" ", payload)
    return SPACES.sub(" ", team).strip()[:TEAM_MAX], campaign


def make_worker_code(turn: StaffTurn, payload: str) -> bool:
    """`/werkercode TEAM [campagne=ID]`: a one-time code for a worker of that team."""
    team, campaign_id = split_team(payload)
    if not team:
        turn.say("worker_code_usage")
        return True
    if campaign_id is not None and get_campaign(turn.session, campaign_id) is None:
        turn.say("unknown_campaign", campaign=campaign_id)
        return True
    code = new_secret()
    expires = turn.now + timedelta(days=turn.options.code_days)
    grant = Grant(WORKER, team, campaign_id)
    repo.add_access_code(turn.session, digest(code), grant, turn.participant_id, turn.now,
                         expires)
    repo.audit(turn.session, turn.participant_id, "code_created",
               {"role": WORKER, "team": team, "campaign": campaign_id,
                "expires_at": expires.isoformat(), "via": "chat"}, turn.now)
    turn.say("worker_code", team=team, expires=turn.local_date(expires))
    turn.say_text(WORKER_COMMAND.format(code=code), secret=True)
    return True


def revoke(turn: StaffTurn, payload: str) -> bool:
    """`/intrekken TEAM` or `/intrekken ID`: workers lose their role; without either, a list."""
    target = SPACES.sub(" ", payload).strip()
    if not target:
        _list_workers(turn)
        return True
    session, now = turn.session, turn.now
    revoked = repo.revoke_roles(session, WORKER, now, participant_id=target)
    voided = 0
    if not revoked:
        revoked = repo.revoke_roles(session, WORKER, now, team=target)
        voided = repo.void_codes(session, target, now)
    for held in revoked:
        repo.audit(session, turn.participant_id, "role_revoked",
                   {"participant": held.participant_id, "role": WORKER, "team": held.team,
                    "via": "chat"}, now)
    if voided:
        repo.audit(session, turn.participant_id, "codes_voided",
                   {"team": target, "codes": voided, "via": "chat"}, now)
    if revoked or voided:
        log.info("staff: %d worker role(s) revoked", len(revoked))
        turn.say("revoked", count=len(revoked), codes=voided)
    else:
        turn.say("revoke_nothing")
    return True


def _list_workers(turn: StaffTurn) -> None:
    workers = [h for h in repo.list_roles(turn.session) if h.role == WORKER]
    lines = [turn.text("revoke_usage")]
    lines.extend(_worker_line(turn, held) for held in workers)
    if not workers:
        lines.append(turn.text("no_workers"))
    turn.say_text("\n".join(lines))


def _worker_line(turn: StaffTurn, held: HeldRole) -> str:
    return turn.text("worker_line", team=held.team or "", id=held.participant_id,
                     since=turn.local_date(held.granted_at))
