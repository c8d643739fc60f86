"""The WhatsApp Cloud API channel: webhook, rendering within WhatsApp's limits, templates."""

from bot.channels.whatsapp.graph import WhatsAppNotConfigured
from bot.channels.whatsapp.invites import invite_link
from bot.channels.whatsapp.webhook import install_whatsapp

__all__ = ["WhatsAppNotConfigured", "install_whatsapp", "invite_link"]
