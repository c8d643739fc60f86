"""Status webhooks: sent, delivered, read and failed, recorded on the sent message once each."""

from __future__ import annotations

import logging

from bot.channel_records import ChannelRecords, Recipient, StatusReport
from bot.channels.whatsapp.inbound import CHANNEL, update_key
from bot.channels.whatsapp.tracker import row_sent
from bot.channels.whatsapp.updates import StatusUpdate
from bot.channels.whatsapp.window import classify

log = logging.getLogger(__name__)
DELIVERIES: dict[str, StatusReport] = {
    "sent": "sent", "delivered": "delivered", "read": "read", "played": "played",
}


def report_of(update: StatusUpdate) -> StatusReport | None:
    """What the status means for the sent message; None for one we do not act on."""
    delivery = DELIVERIES.get(update.status)
    if delivery is not None:
        return delivery
    if update.status != "failed":
        return None
    code = update.error_codes[0] if update.error_codes else None
    log.warning("whatsapp: a sent message failed afterwards: code %s", code)
    return classify(code)


class StatusRecorder:
    """Applies one status update in its own transaction; duplicates change nothing."""

    def __init__(self, records: ChannelRecords) -> None:
        self._records = records

    def record(self, update: StatusUpdate) -> Recipient | None:
        """Record the status; returns whom to ask back by template (their window closed)."""
        report = report_of(update)
        if report is None:
            return None
        key = update_key("status", update.status, update.wamid)
        return self._records.record_status(CHANNEL, key, update.wamid, report,
                                           row_sent(update.tracker))
