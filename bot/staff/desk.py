"""The staff layer: commands of admins and workers, handled before the story engine runs.

Anyone without the role, a wrong code, or a forwarded message gets what any unknown
command gets (the engine answers), so nothing hints that these commands exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from bot.channels.messages import Payload
from bot.staff import access, dashboard, invites, reports
from bot.staff.turn import CHOICE_PREFIX, StaffOptions, StaffState, StaffTurn
from flows.engine import command_name
from flows.events import ChoiceIn, CommandIn, Inbound, TextIn
from flows.forms.schema import Form
from flows.texts import Texts
from storage.roles import ADMIN, WORKER, active_roles

Handler = Callable[[StaffTurn, str], bool]
"""(turn, payload) -> handled; False leaves the command to the engine (an unknown command)."""

# command -> the role it needs (None: anyone may try a code) and what it does.
COMMANDS: dict[str, tuple[str | None, Handler]] = {
    "admin": (None, access.claim_admin),
    "werker": (None, access.claim_worker),
    "werkercode": (ADMIN, access.make_worker_code),
    "intrekken": (ADMIN, access.revoke),
    "export": (ADMIN, reports.export),
    "stats": (ADMIN, reports.stats),
    "dashboard": (ADMIN, dashboard.send_link),
    "uitnodiging": (WORKER, invites.ask_theme),
    "mijnuitnodigingen": (WORKER, invites.my_invites),
}
STATE_KEY = "staff"


@dataclass(frozen=True, slots=True)
class StaffOutput:
    """What a staff command produced: outbox payloads (with a secret flag) and its state."""

    replies: list[tuple[Payload, bool]]
    state: dict[str, Any]


def load_state(saved: dict[str, Any] | None) -> StaffState:
    """The staff state kept in the conversation state; a broken one starts afresh."""
    try:
        return StaffState.model_validate((saved or {}).get(STATE_KEY) or {})
    except ValidationError:
        return StaffState()


class StaffDesk:
    """Answers staff commands inside the turn's transaction, or leaves the turn to the engine."""

    def __init__(self, form: Form, texts: Texts, options: StaffOptions) -> None:
        self.form = form
        self.texts = texts
        self.options = options

    def know_telegram_username(self, username: str) -> None:
        """The bot's Telegram name, for deep links, unless the settings named one."""
        if not self.options.telegram_username:
            self.options = replace(self.options, telegram_username=username)

    def wants(self, event: Inbound) -> bool:
        """Whether the event might be for staff at all: cheap, no database."""
        if isinstance(event, CommandIn):
            return command_name(event.name) in COMMANDS
        return isinstance(event, ChoiceIn) and event.choice_id.startswith(CHOICE_PREFIX)

    def handle(
        self,
        session: Session,
        participant_id: str,
        channel: str,
        event: Inbound,
        language: str,
        saved: dict[str, Any] | None,
        now: datetime,
    ) -> StaffOutput | None:
        """Run a staff command or button, or read a typed reply to a staff question; None when
        the engine should answer instead."""
        state = load_state(saved)
        # A worker choosing an invite's theme answers that question, not the resident form's.
        typed_theme = isinstance(event, TextIn) and state.pending is not None
        if not typed_theme and not self.wants(event):
            return None
        roles = active_roles(session, participant_id)
        turn = StaffTurn(session, participant_id, channel, language, now, roles,
                         state, self.form, self.texts, self.options)
        if isinstance(event, TextIn):
            if WORKER not in roles or not invites.choose_typed_theme(turn, event.text):
                return None
        elif isinstance(event, ChoiceIn):
            if WORKER not in roles:
                return None
            invites.choose_theme(turn, event.choice_id, event.token)
        elif isinstance(event, CommandIn):
            needed, handler = COMMANDS[command_name(event.name)]
            if needed is not None and needed not in roles:
                return None
            if not handler(turn, event.payload):
                return None
        return StaffOutput(turn.replies, turn.state.model_dump(mode="json"))
