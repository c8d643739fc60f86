"""Secret codes and invite tokens: random enough not to be guessed, stored only as a hash."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Literal

# 16 random bytes are 128 bits: guessing one of even a million live codes stays hopeless.
SECRET_BYTES = 16
INVITE_PREFIX = "i_"
CAMPAIGN_PREFIX = "c_"
# Telegram start payloads and WhatsApp code phrases allow 1-64 of these characters; the
# prefix takes two, so campaign ids are kept well below the rest.
CAMPAIGN_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


@dataclass(frozen=True, slots=True)
class StartPayload:
    """What a /start payload is: a personal invite, a public campaign link, or something else."""

    kind: Literal["invite", "campaign", "other"]
    value: str


def new_secret() -> str:
    """A fresh random code (URL-safe, 22 characters)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def digest(secret: str) -> str:
    """The stored form of a code or invite token: SHA-256, hex."""
    # A plain hash is enough: the codes are random, so there is no dictionary to try.
    return hashlib.sha256(secret.strip().encode()).hexdigest()


def new_invite_payload() -> str:
    """A fresh invite token, as it goes into a deep link or code phrase."""
    return INVITE_PREFIX + new_secret()


def campaign_payload(campaign_id: str) -> str:
    """The public start payload of a campaign."""
    return CAMPAIGN_PREFIX + campaign_id


def read_payload(payload: str) -> StartPayload:
    """What a /start payload is."""
    if payload.startswith(INVITE_PREFIX) and len(payload) > len(INVITE_PREFIX):
        return StartPayload("invite", payload)
    rest = payload[len(CAMPAIGN_PREFIX):]
    if payload.startswith(CAMPAIGN_PREFIX) and CAMPAIGN_ID.fullmatch(rest):
        return StartPayload("campaign", rest)
    return StartPayload("other", payload)
