"""`/dashboard`: an admin gets a single-use link that opens the dashboard in a browser."""

from __future__ import annotations

import logging

from bot.staff.turn import StaffTurn
from bot.web.dashboard.login_links import LINK_MINUTES, NotAnAdmin, issue_login_link

log = logging.getLogger(__name__)


def send_link(turn: StaffTurn, payload: str) -> bool:
    """Reply with a login link (secret: deleted once sent), or say the dashboard is off."""
    if not turn.options.public_url:
        turn.say("dashboard_off")
        return True
    try:
        link = issue_login_link(turn.session, turn.participant_id, turn.language,
                                turn.options.public_url, turn.participant_id, "chat", turn.now)
    except NotAnAdmin:
        return False
    log.info("staff: a dashboard link was made in chat")
    turn.say("dashboard_link", minutes=LINK_MINUTES)
    turn.say_text(link, secret=True)
    return True
