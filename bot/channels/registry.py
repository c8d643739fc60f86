"""Every channel the web service can run. Adding one: a new folder under bot/channels whose
package declares a `SPEC` (see contract.py), and its entry here."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fastapi import FastAPI

from bot.channels import telegram, whatsapp
from bot.channels.contract import ChannelNotConfigured, ChannelSpec, InstallOptions, env_name
from bot.outbox import ChannelSender
from bot.runtime import Runtime
from bot.settings import Settings

log = logging.getLogger(__name__)

CHANNELS: tuple[ChannelSpec, ...] = (telegram.SPEC, whatsapp.SPEC)


def configured_channels(
    settings: Settings, channels: Sequence[ChannelSpec] = CHANNELS
) -> list[ChannelSpec]:
    """The channels the settings turn on."""
    return [spec for spec in channels if spec.configured(settings)]


def install_channels(
    app: FastAPI,
    runtime: Runtime,
    options: InstallOptions,
    channels: Sequence[ChannelSpec] = CHANNELS,
) -> dict[str, ChannelSender]:
    """Install every configured channel into the app; returns their senders by channel.
    Refuses (ChannelNotConfigured) half a configuration, or polling without a channel to poll."""
    settings = runtime.settings
    pollers = [spec for spec in channels if spec.polls]
    if (options.receive and options.polling
            and not any(spec.configured(settings) for spec in pollers)):
        raise ChannelNotConfigured(
            f"--polling needs {' or '.join(env_name(spec.switch) for spec in pollers)}")
    senders: dict[str, ChannelSender] = {}
    for spec in channels:
        if not spec.configured(settings):
            log.info("%s: %s not set, channel not installed", spec.name, env_name(spec.switch))
            continue
        missing = spec.missing(settings, options)
        if missing:
            polling_helps = spec.polls and options.receive and not options.polling
            also = " (or use --polling)" if polling_helps else ""
            verb = "is" if len(missing) == 1 else "are"
            raise ChannelNotConfigured(f"{', '.join(missing)} {verb} not set{also}")
        senders[spec.name] = spec.install(app, runtime, options)
        if spec.name not in getattr(app.state, "send_loops", {}):
            _give_send_loop(app, runtime, spec.name, senders[spec.name])
    return senders


def _give_send_loop(app: FastAPI, runtime: Runtime, name: str, sender: ChannelSender) -> None:
    """A channel that brings no send loop of its own gets one: its replies (and check-ins)
    go out through its sender in order per chat, started and stopped with the app."""
    # Imported here: bot.send_loop imports the service, which imports the channels' types.
    from bot.send_loop import SendLoop, loop_options
    from bot.server import add_lifecycle, add_send_loop

    loop = SendLoop(runtime.service, {name: sender}, loop_options(runtime.settings))
    add_send_loop(app, name, loop)
    add_lifecycle(app, loop.start, loop.stop)
