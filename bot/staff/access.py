"""Getting and losing a role: /admin CODE, /werker CODE, /werkercode TEAM, /intrekken."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

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
# Codes are long and random; these limits stop guessing, not typos of honest staff.
CODE_TRIES = 5
LOCKOUT = timedelta(hours=1)
CODE_REFUSED = "code_refused"
CODE_TRIES_LOCKED = "code_tries_locked"


def claim_admin(turn: StaffTurn, payload: str) -> bool:
    """`/admin CODE`: become an admin; False (an unknown command) for any wrong code."""
    return _claim(turn, payload, ADMIN)


def claim_worker(turn: StaffTurn, payload: str) -> bool:
    """`/werker CODE`: become a worker of the code's team; False for any wrong code."""
    return _claim(turn, payload, WORKER)


def _claim(turn: StaffTurn, payload: str, role: str) -> bool:
    code = payload.strip()
    if not code:
        return False
    if _locked_out(turn):
        # Not even looked up: a right code now would tell a guesser it was right.
        log.debug("staff: a code was not tried (too many wrong ones)")
        return False
    grant = None if " " in code else repo.redeem_code(turn.session, digest(code), role, turn.now)
    if grant is None:
        # Wrong, used, expired or for another role: all look like an unknown command.
        log.debug("staff: a code was refused")
        _count_refusal(turn, role)
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


def _locked_out(turn: StaffTurn) -> bool:
    locked_at = repo.last_audited(turn.session, turn.participant_id, CODE_TRIES_LOCKED)
    return locked_at is not None and turn.now - locked_at < LOCKOUT


def _count_refusal(turn: StaffTurn, role: str) -> None:
    """Audit a wrong code; the CODE_TRIES-th within an hour locks further tries for an hour."""
    session, actor, now = turn.session, turn.participant_id, turn.now
    repo.audit(session, actor, CODE_REFUSED, {"role": role, "channel": turn.channel}, now)
    # Tries before the last lockout were paid for by it; they do not count again.
    locked_at = repo.last_audited(session, actor, CODE_TRIES_LOCKED)
    window_start = max(now - LOCKOUT, locked_at) if locked_at else now - LOCKOUT
    if repo.count_audited(session, actor, CODE_REFUSED, window_start) >= CODE_TRIES:
        repo.audit(session, actor, CODE_TRIES_LOCKED,
                   {"tries": CODE_TRIES, "until": (now + LOCKOUT).isoformat(),
                    "channel": turn.channel}, now)
        log.info("staff: code tries locked for an hour after %d wrong codes", CODE_TRIES)


def clean_team(name: str) -> str:
    """A team name with its spaces tidied, at most TEAM_MAX characters."""
    return SPACES.sub(" ", name).strip()[:TEAM_MAX]


def split_team(payload: str) -> tuple[str, str | None]:
    """`Wijkteam Oost campagne=oost-2026` as the team name and the campaign id."""
    found = CAMPAIGN_OPTION.search(payload)
    campaign = found.group(1) if found else None
    return clean_team(CAMPAIGN_OPTION.sub(" ", payload)), campaign


def issue_code(
    session: Session, grant: Grant, actor: str, via: str, now: datetime, days: int
) -> tuple[str, datetime]:
    """A new one-time code for `grant`, stored hashed and audited; the code and its expiry."""
    code = new_secret()
    expires = now + timedelta(days=days)
    repo.add_access_code(session, digest(code), grant, actor, now, expires)
    repo.audit(session, actor, "code_created",
               {"role": grant.role, "team": grant.team, "campaign": grant.campaign_id,
                "expires_at": expires.isoformat(), "via": via}, now)
    return code, expires


def revoke_roles(
    session: Session,
    actor: str,
    via: str,
    role: str,
    now: datetime,
    *,
    team: str | None = None,
    participant_id: str | None = None,
) -> tuple[list[HeldRole], int]:
    """Revoke the role of one participant or of a whole team (a team's unused worker codes
    are voided too), audited; the revoked roles and the number of voided codes."""
    revoked = repo.revoke_roles(session, role, now, team=team, participant_id=participant_id)
    voided = repo.void_codes(session, team, now) if team and role == WORKER else 0
    for held in revoked:
        repo.audit(session, actor, "role_revoked",
                   {"participant": held.participant_id, "role": role, "team": held.team,
                    "via": via}, now)
    if voided:
        repo.audit(session, actor, "codes_voided",
                   {"team": team, "codes": voided, "via": via}, now)
    return revoked, voided


def make_worker_code(turn: StaffTurn, payload: str) -> bool:
    """`/werkercode TEAM [campagne=ID]`: a one-time code for a worker of that team."""
    team, campaign_id = split_team(payload)
    if not team:
        turn.say("worker_code_usage")
        return True
    if campaign_id is not None and get_campaign(turn.session, campaign_id) is None:
        turn.say("unknown_campaign", campaign=campaign_id)
        return True
    code, expires = issue_code(turn.session, Grant(WORKER, team, campaign_id),
                               turn.participant_id, "chat", turn.now, turn.options.code_days)
    turn.say("worker_code", team=team, expires=turn.local_date(expires))
    turn.say_text(WORKER_COMMAND.format(code=code), secret=True)
    return True


def revoke(turn: StaffTurn, payload: str) -> bool:
    """`/intrekken TEAM` or `/intrekken ID`: workers lose their role; without either, a list."""
    target = SPACES.sub(" ", payload).strip()
    if not target:
        _list_workers(turn)
        return True
    session, now, actor = turn.session, turn.now, turn.participant_id
    revoked, voided = revoke_roles(session, actor, "chat", WORKER, now, participant_id=target)
    if not revoked:
        revoked, voided = revoke_roles(session, actor, "chat", WORKER, now, team=target)
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
