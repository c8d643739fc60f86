"""No token, chat id, phone number or message text in the logs at INFO or above."""

from __future__ import annotations

import logging

import pytest

from tests.channels.telegram.harness import WEBHOOK_SECRET, Harness, Resident
from tests.fakes.telegram_updates import UpdateFactory


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_logs_hold_no_ids_numbers_tokens_or_texts(
    webhook: Harness, updates: UpdateFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    anna = Resident(webhook, updates)
    secret_story = "Mijn geheime verhaal over schulden"
    await anna.command("start")
    await anna.press("yes")
    await anna.press("age_yes")
    await anna.press("needed_help")
    await webhook.deliver(updates.contact("+31612345678"))
    webhook.fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await anna.text(secret_story)
    webhook.fake.fail_next("sendMessage", 400, "Bad Request: chat not found")
    await anna.text(secret_story + " deel twee")
    await webhook.post(updates.text("vals"), secret="wrong")
    webhook.fake.block_chat(anna.chat_id)
    await anna.press("done")

    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert logged  # the failures above were logged...
    for forbidden in (webhook.fake.token, webhook.fake.token.split(":")[1], WEBHOOK_SECRET,
                      str(anna.chat_id), "612345678", secret_story, "Anna"):
        assert forbidden not in logged  # ...without anything that identifies or quotes
