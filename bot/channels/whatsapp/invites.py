"""Invite links: a wa.me link that fills in a code phrase, and recognising that phrase."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from bot.channels.whatsapp.phrases import load_phrases

# The same alphabet and length as a Telegram deep-link payload, so one token works on both.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
DIRECTION_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u2066\u2067\u2068\u2069"))
SPACES = re.compile(r"\s+")


class BadInvite(ValueError):
    """An invite link cannot be built from this number or token."""


@dataclass(frozen=True, slots=True)
class Invite:
    """A code phrase found in a message: the token and the language of the phrase."""

    token: str
    language: str


def invite_link(business_number: str, token: str, language: str = "nl") -> str:
    """`https://wa.me/<number>?text=<code phrase>`: opens a chat with the phrase filled in."""
    # "+31 (0)20 ..." is written for people; the (0) is not dialled from abroad, nor by wa.me.
    digits = "".join(ch for ch in business_number.replace("(0)", "") if ch.isdigit())
    if not 8 <= len(digits) <= 15:
        raise BadInvite("the business number needs 8 to 15 digits, with the country code")
    if not TOKEN.fullmatch(token):
        raise BadInvite("a token is 1 to 64 characters of A-Z, a-z, 0-9, _ and -")
    phrases = load_phrases()
    if language not in phrases:
        raise BadInvite(f"no invite phrase in {language!r}")
    text = phrases[language]["invite"].replace("{code}", token)
    return f"https://wa.me/{digits}?text={quote(text, safe='')}"


def find_invite(text: str) -> Invite | None:
    """The invite in a message that is exactly a code phrase (any language), else None."""
    cleaned = SPACES.sub(" ", text.translate(DIRECTION_MARKS)).strip().rstrip(".!").strip()
    for language, pattern in _patterns():
        found = pattern.fullmatch(cleaned)
        if found:
            return Invite(found.group("token"), language)
    return None


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    # Only a whole phrase counts: a story that happens to mention a code must stay a story.
    patterns = []
    for language, texts in load_phrases().items():
        before, _, after = texts["invite"].partition("{code}")
        parts = [r"\s+".join(map(re.escape, piece.split())) for piece in (before, after)]
        regex = parts[0] + r"\s*(?P<token>" + TOKEN.pattern + r")\s*" + parts[1]
        patterns.append((language, re.compile(regex, re.IGNORECASE)))
    return tuple(patterns)
