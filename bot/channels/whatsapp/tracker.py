"""Which outbox row a WhatsApp message was sent for, carried by the message itself.

Every message we send carries a tracker (the Cloud API's `biz_opaque_callback_data`), and
Meta echoes it in that message's status webhooks. So a "sent" status tells which outbox row
went out, even when the process that sent it died before it recorded the send: the row is
then recorded as sent and not sent again by whoever takes it over.

An outbox row can become several messages (a long text, a question after its text); only
the last one's status means the whole row went out, since they are sent one after the other.
"""

from __future__ import annotations

import re
from typing import Final

_TRACKER: Final = re.compile(r"outbox:(\d{1,18}):(\d{1,3})/(\d{1,3})")


def tracker_for(outbox_id: int, part: int, parts: int) -> str:
    """The tracker of message `part` (1-based) of the `parts` an outbox row was sent as."""
    return f"outbox:{outbox_id}:{part}/{parts}"


def row_sent(tracker: str | None) -> int | None:
    """The outbox row whose last message this tracker belongs to (so the row went out);
    None for an earlier part, another tracker or none."""
    found = _TRACKER.fullmatch(tracker or "")
    if found is None:
        return None
    outbox_id, part, parts = (int(group) for group in found.groups())
    return outbox_id if 0 < part == parts else None
