"""People talking to the service in tests: residents, workers and admins, and their codes."""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta
from typing import Any

from bot.channels.messages import InboundMessage
from bot.service import ConversationService
from bot.staff.tokens import digest, new_secret
from flows.events import ChoiceIn, CommandIn, Inbound, OpenedIn, TextIn
from storage import roles
from storage.campaigns import save_campaign
from storage.db import Database
from storage.roles import ADMIN, Grant
from tests.scripts import FULL_CONVERSATION, event_of

Payload = dict[str, Any]
LINK = re.compile(r"https://\S+")
THEMES = [
    {"id": "support_at_home", "label": {"nl": "🏠 Hulp thuis", "en": "🏠 Help at home"}},
    {"id": "debts", "label": {"nl": "💶 Geld en schulden", "en": "💶 Money and debts"}},
]


class Person:
    """Someone in a private chat with the bot on one channel; keeps every reply."""

    def __init__(self, service: ConversationService, name: str, channel: str = "terminal",
                 forwarded: bool = False) -> None:
        self.service = service
        self.name = name
        self.channel = channel
        self.forwarded = forwarded
        self.inbox: list[Payload] = []

    @property
    def participant_id(self) -> str:
        return self.service.participant_id(self.channel, self.name)

    def send(self, event: Inbound, forwarded: bool = False) -> list[Payload]:
        """One turn; the replies are marked sent, as a channel would."""
        queued = self.service.handle(InboundMessage(
            self.channel, self.name, self.name, event, forwarded=forwarded))
        assert queued is not None
        self.service.mark_sent([(q.outbox_id, None) for q in queued])
        replies = [q.payload.to_dict() for q in queued]
        self.inbox.extend(replies)
        return replies

    def command(self, text: str, forwarded: bool = False) -> list[Payload]:
        """`/name payload`, typed (or forwarded from someone else)."""
        name, _, payload = text.lstrip("/").partition(" ")
        return self.send(CommandIn(name, payload.strip()), forwarded)

    def press(self, choice_id: str, token: str | None = None) -> list[Payload]:
        return self.send(ChoiceIn(choice_id, token))

    def say(self, text: str) -> list[Payload]:
        return self.send(TextIn(text))

    def tell_story(self, start: str | None = None) -> list[Payload]:
        """The whole default conversation, opened with `/start PAYLOAD` when given."""
        replies = self.command(f"/start {start}") if start else self.send(OpenedIn())
        for kind, value in FULL_CONVERSATION:
            replies.extend(self.send(event_of(kind, value)))
        return replies


def texts_of(replies: list[Payload]) -> list[str]:
    """The texts of replies, in order."""
    return [str(r["text"]) for r in replies]


def files_of(replies: list[Payload], kind: str) -> list[tuple[Payload, bytes]]:
    """File replies of a kind, with their decoded content."""
    return [(r, base64.b64decode(r["data"])) for r in replies if r["kind"] == kind]


def add_code(db: Database, now: datetime, grant: Grant, days: int = 7) -> str:
    """A one-time code as the command line makes it; returns the code."""
    code = new_secret()
    with db.transaction() as session:
        roles.add_access_code(session, digest(code), grant, "operator", now,
                              now + timedelta(days=days))
    return code


def add_campaign(db: Database, now: datetime, campaign_id: str = "oost-2026",
                 themes: list[dict[str, Any]] | None = None, **values: Any) -> None:
    """A running campaign with two themes."""
    with db.transaction() as session:
        save_campaign(session, {
            "id": campaign_id, "name": f"Campagne {campaign_id}",
            "municipality": "Gemeente Voorbeeld", "form_id": "vertelpunt-default",
            "themes": THEMES if themes is None else themes, "neighbourhoods": ["Oost"],
            "starts_at": None, "ends_at": None, **values,
        }, now)


def become_admin(service: ConversationService, db: Database, now: datetime,
                 name: str = "admin-ada") -> Person:
    """Someone who redeemed an operator's admin code."""
    admin = Person(service, name)
    admin.command(f"/admin {add_code(db, now, Grant(ADMIN, None, None))}")
    return admin


def worker_code_of(replies: list[Payload]) -> str:
    """The code in the reply to /werkercode (the `/werker CODE` message)."""
    [line] = [t for t in texts_of(replies) if t.startswith("/werker ")]
    return line.split(" ", 1)[1]


def become_worker(service: ConversationService, admin: Person, name: str = "worker-wim",
                  team: str = "Wijkteam Oost") -> Person:
    """A worker who redeemed the code an admin made in chat."""
    worker = Person(service, name)
    worker.command(f"/werker {worker_code_of(admin.command(f'/werkercode {team}'))}")
    return worker


def theme_question(replies: list[Payload]) -> Payload:
    """The reply with the theme buttons."""
    [question] = [r for r in replies if r["choices"]]
    return question


def make_invite(worker: Person, theme: str = "support_at_home", language: str = "") -> str:
    """Ask for an invite, press the theme, return the card text (with the links)."""
    question = theme_question(worker.command(f"/uitnodiging {language}".strip()))
    labels = {c["label"]: c["id"] for c in question["choices"]}
    wanted = next(cid for label, cid in labels.items() if label == _label(theme))
    replies = worker.press(wanted, question["token"])
    return texts_of(replies)[-1]


def _label(theme: str) -> str:
    return next(str(t["label"]["nl"]) for t in THEMES if t["id"] == theme)


def invite_token(card: str, app: str = "telegram") -> str:
    """The start payload in a card's link for an app."""
    for link in LINK.findall(card):
        if app == "telegram" and link.startswith("https://t.me/"):
            return link.split("start=", 1)[1]
        if app == "whatsapp" and link.startswith("https://wa.me/"):
            from urllib.parse import parse_qs, urlsplit

            phrase = parse_qs(urlsplit(link).query)["text"][0]
            return phrase.rsplit(" ", 1)[1]
    raise AssertionError(f"no {app} link in the card")
