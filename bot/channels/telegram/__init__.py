"""The Telegram channel (python-telegram-bot), by webhook or by long polling.

updates.py reads updates, render.py draws messages and keyboards, sender.py calls the Bot
API, delivery.py sends after commit, channel.py ties them to the conversation service, and
webhook.py / polling.py are the two ways updates arrive.
"""

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.client import TelegramNotConfigured, TelegramOptions
from bot.channels.telegram.updates import CHANNEL
from bot.channels.telegram.webhook import install_telegram

__all__ = ["CHANNEL", "TelegramChannel", "TelegramNotConfigured", "TelegramOptions",
           "install_telegram"]
