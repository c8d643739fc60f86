"""Pseudonymous participant ids: HMAC-SHA256 with a server secret, never a plain hash."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(secret: str, channel: str, platform_user_id: str) -> str:
    """The participant id for a platform user; irreversible without the secret."""
    message = f"{channel}\x1f{platform_user_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]
