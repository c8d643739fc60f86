"""Update delivery: the getUpdates queue and the webhook settings.

getUpdates follows the documented offset rules: an update is confirmed, and
forgotten, once getUpdates is called with an offset higher than its
update_id; a negative offset keeps only the last -offset updates. Like the
real queue, updates come out ordered by update_id (pushing ids out of order
or twice is allowed; webhook deliveries are where order is up to the test).
"""

from __future__ import annotations

import bisect
import re
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from tests.fakes.telegram_wire import ApiError, JsonDict, UploadedFile, bad_request

# Documented default: every update type except these three.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


@dataclass(frozen=True)
class WebhookConfig:
    """What setWebhook last recorded; url "" means no webhook."""

    url: str = ""
    secret_token: str | None = None
    allowed_updates: tuple[str, ...] | None = None
    drop_pending_updates: bool = False
    max_connections: int | None = None
    ip_address: str | None = None
    has_custom_certificate: bool = False


@dataclass(frozen=True)
class Described:
    """A successful result that Telegram answers with a description as well."""

    result: Any
    description: str


def update_type(update: JsonDict) -> str:
    """The name of the one optional field an Update carries, e.g. "message"."""
    return next((key for key in update if key != "update_id"), "")


class UpdateQueue:
    """Pending updates and webhook settings, guarded by the fake's condition."""

    def __init__(self, condition: threading.Condition) -> None:
        self._condition = condition
        self._updates: list[JsonDict] = []
        self._allowed: tuple[str, ...] | None = None
        self._poll_generation = 0
        self.webhook = WebhookConfig()
        self.stopping = False

    @property
    def pending_count(self) -> int:
        return len(self._updates)

    def push(self, update: JsonDict) -> None:
        """Queue an update; the caller holds the condition and notifies."""
        ids = [queued["update_id"] for queued in self._updates]
        self._updates.insert(bisect.bisect_right(ids, update["update_id"]), update)

    def get_updates(self, params: JsonDict, _files: dict[str, UploadedFile]) -> list[JsonDict]:
        """getUpdates: confirm by offset, then long-poll up to `timeout` seconds."""
        if self.webhook.url:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        if "allowed_updates" in params:
            self._allowed = tuple(params["allowed_updates"] or ()) or None
        self._confirm(params.get("offset"))
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + max(float(params.get("timeout") or 0), 0.0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._condition.notify_all()  # an older long poll ends with 409, as on Telegram
        while True:
            batch = self._deliverable(limit)
            if batch or self.stopping:
                return batch
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._condition.wait(remaining)
            if generation != self._poll_generation:
                raise ApiError(409, _POLL_CONFLICT)

    def set_webhook(self, params: JsonDict, files: dict[str, UploadedFile]) -> Described:
        """setWebhook: record the settings; an empty url removes the webhook."""
        url = params.get("url")
        if not isinstance(url, str):
            raise bad_request("bad webhook: url is required")
        if url == "":
            return self.delete_webhook(params, files)
        if not url.lower().startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.match(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        config = WebhookConfig(
            url=url,
            secret_token=secret,
            allowed_updates=tuple(allowed) if allowed is not None else None,
            drop_pending_updates=bool(params.get("drop_pending_updates")),
            max_connections=params.get("max_connections"),
            ip_address=params.get("ip_address"),
            has_custom_certificate="certificate" in files,
        )
        if config.drop_pending_updates:
            self._updates.clear()
        unchanged = replace(config, drop_pending_updates=False) == replace(
            self.webhook, drop_pending_updates=False
        )
        self.webhook = config
        return Described(True, "Webhook is already set" if unchanged else "Webhook was set")

    def delete_webhook(self, params: JsonDict, _files: dict[str, UploadedFile]) -> Described:
        """deleteWebhook, optionally dropping pending updates."""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        had_webhook = bool(self.webhook.url)
        self.webhook = WebhookConfig()
        return Described(
            True, "Webhook was deleted" if had_webhook else "Webhook is already deleted"
        )

    def get_webhook_info(self, _params: JsonDict, _files: dict[str, UploadedFile]) -> JsonDict:
        """getWebhookInfo in the documented WebhookInfo shape."""
        info: JsonDict = {
            "url": self.webhook.url,
            "has_custom_certificate": self.webhook.has_custom_certificate,
            "pending_update_count": len(self._updates),
        }
        if self.webhook.url:
            info["max_connections"] = self.webhook.max_connections or 40
            if self.webhook.allowed_updates is not None:
                info["allowed_updates"] = list(self.webhook.allowed_updates)
            if self.webhook.ip_address:
                info["ip_address"] = self.webhook.ip_address
        return info

    def _confirm(self, offset: Any) -> None:
        if not isinstance(offset, int) or offset == 0:
            return
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        else:
            self._updates = self._updates[offset:]

    def _deliverable(self, limit: int) -> list[JsonDict]:
        if self._allowed:
            wanted = [u for u in self._updates if update_type(u) in self._allowed]
        else:
            wanted = [u for u in self._updates if update_type(u) not in DEFAULT_EXCLUDED_UPDATES]
        return wanted[:limit]
