"""The Telegram channel (python-telegram-bot), by webhook or by long polling.

updates.py reads updates, render.py draws messages and keyboards, sender.py calls the Bot
API (paced), channel.py ties them to the conversation service and to the send loop
(bot/send_loop.py), and webhook.py / polling.py are the two ways updates arrive.
"""

from fastapi import FastAPI

from bot.channels.contract import ChannelSpec, InstallOptions
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.client import TelegramNotConfigured, TelegramOptions, build_bot
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.updates import CHANNEL
from bot.channels.telegram.webhook import install_telegram
from bot.runtime import Runtime
from bot.server import add_lifecycle, add_send_loop


def install(app: FastAPI, runtime: Runtime, options: InstallOptions) -> TelegramSender:
    """The webhook route (or long polling) and the channel's start and stop; only the start
    and stop when it only sends."""
    if not options.receive:
        channel = TelegramChannel(runtime, build_bot(runtime.settings))
        add_send_loop(app, CHANNEL, channel.sending)
        add_lifecycle(app, channel.start, channel.stop)
        return channel.sender
    return install_telegram(app, runtime, polling=options.polling).sender


SPEC = ChannelSpec(name=CHANNEL, switch="telegram_token", install=install,
                   webhook_needs=("telegram_webhook_secret",), polls=True)

__all__ = ["CHANNEL", "SPEC", "TelegramChannel", "TelegramNotConfigured", "TelegramOptions",
           "install_telegram"]
