"""Single-use login links for the dashboard, made in chat or at the command line."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.staff.tokens import digest, new_secret
from storage import dashboard_access as repo
from storage.roles import ADMIN, active_roles, audit

LINK_MINUTES = 10
SESSION_HOURS = 8
LOGIN_PATH = "/dashboard/login/"
LANGUAGES = ("nl", "en")


class NotAnAdmin(Exception):
    """A login link was asked for someone who is no admin (now)."""


def interface_language(language: str) -> str:
    """The dashboard's language for a chat language: Dutch or English."""
    return language if language in LANGUAGES else "en"


def issue_login_link(
    session: Session, participant_id: str, language: str, public_url: str, actor: str,
    via: str, now: datetime,
) -> str:
    """A new link that opens a dashboard session for an admin once, within LINK_MINUTES."""
    if ADMIN not in active_roles(session, participant_id):
        raise NotAnAdmin
    token = new_secret()
    expires = now + timedelta(minutes=LINK_MINUTES)
    repo.add_link(session, digest(token), participant_id, interface_language(language), now,
                  expires)
    audit(session, actor, "dashboard_link",
          {"participant": participant_id, "via": via, "expires_at": expires.isoformat()}, now)
    return public_url.rstrip("/") + LOGIN_PATH + token
