"""The WhatsApp Cloud API channel: webhook, rendering within WhatsApp's limits, templates."""

from fastapi import FastAPI

from bot.channels.contract import ChannelSpec, InstallOptions
from bot.channels.whatsapp.graph import WhatsAppNotConfigured
from bot.channels.whatsapp.inbound import CHANNEL
from bot.channels.whatsapp.invites import invite_link
from bot.channels.whatsapp.sender import WhatsAppSender
from bot.channels.whatsapp.webhook import install_whatsapp
from bot.runtime import Runtime


def install(app: FastAPI, runtime: Runtime, options: InstallOptions) -> WhatsAppSender:
    """The webhook routes and the channel's start and stop."""
    return install_whatsapp(app, runtime).sender


SPEC = ChannelSpec(
    name=CHANNEL, switch="whatsapp_phone_id", install=install,
    needs=("whatsapp_token", "whatsapp_app_secret"), webhook_needs=("whatsapp_verify_token",),
)

__all__ = ["SPEC", "WhatsAppNotConfigured", "install_whatsapp", "invite_link"]
