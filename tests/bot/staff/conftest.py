"""The service with start links configured, for staff tests."""

from __future__ import annotations

import pytest

from bot.service import ConversationService
from bot.staff import StaffDesk, StaffOptions

BOT_USERNAME = "VertelpuntTestBot"
BUSINESS_NUMBER = "+31 (0)20 123 4567"
STAFF = StaffOptions(telegram_username=BOT_USERNAME, whatsapp_number=BUSINESS_NUMBER)


@pytest.fixture
def staffed(service: ConversationService) -> ConversationService:
    """The test service, making Telegram and WhatsApp links for invites."""
    service.staff = StaffDesk(service.form, service.texts, STAFF)
    return service
