"""The command menu, per language, with the descriptions from the message catalogues."""

from __future__ import annotations

import logging
from typing import Final

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from flows.texts import Texts

log = logging.getLogger(__name__)

# The engine's command names; the same in every language, only the descriptions differ.
COMMANDS: Final = ("start", "nieuw", "help", "taal", "privacy", "verwijder", "stop")


def command_menu(texts: Texts, language: str) -> list[BotCommand]:
    """The menu in one language."""
    return [BotCommand(name, texts.get(f"commands.{name}", language)) for name in COMMANDS]


async def set_command_menus(bot: Bot, texts: Texts, default_language: str) -> bool:
    """One menu per language, and the default language's for every other; False on failure."""
    try:
        await bot.set_my_commands(command_menu(texts, default_language))
        for language in texts.languages:
            await bot.set_my_commands(command_menu(texts, language), language_code=language)
    except TelegramError as error:
        # The conversation works without a menu; it is set again on the next start.
        log.warning("telegram: command menu not set (%s)", type(error).__name__)
        return False
    return True
