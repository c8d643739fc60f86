"""`vertelpunt whatsapp templates`: the message templates we ship, listed and submitted to Meta."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from bot.cli.common import EXIT_CONFIG, fail, load_settings

if TYPE_CHECKING:  # pywa is imported only by the commands that use it: the CLI starts fast
    from pywa_async.client import WhatsApp

app = typer.Typer(help="The WhatsApp channel.", no_args_is_help=True)
templates_app = typer.Typer(
    help="Message templates: the only messages WhatsApp allows outside the 24-hour window.",
    no_args_is_help=True,
)
app.add_typer(templates_app, name="templates")
out = Console(soft_wrap=True)


@app.command()
def invite(
    token: Annotated[str, typer.Argument(help="The code: 1-64 of A-Z a-z 0-9 _ -.")],
    number: Annotated[str, typer.Option(help="The business number, with country code.")],
    language: Annotated[str, typer.Option(help="Language of the code phrase.")] = "nl",
) -> None:
    """Print a wa.me link that opens a chat with the code phrase filled in."""
    from bot.channels.whatsapp.invites import BadInvite, invite_link

    try:
        typer.echo(invite_link(number, token, language))
    except BadInvite as error:
        fail(str(error), 2)


@templates_app.command("list")
def list_templates(
    remote: Annotated[bool, typer.Option(
        help="Also show Meta's review status (needs the token and business account id)."
    )] = False,
) -> None:
    """Show every template in every language, with its body and button."""
    from bot.channels.whatsapp.templates import load_templates

    statuses = asyncio.run(_remote_statuses()) if remote else {}
    for key, definition in load_templates().items():
        out.print(f"{definition.name} ({definition.category}, file templates/{key}.yaml)",
                  markup=False)
        for language, text in definition.texts.items():
            status = f" [{statuses.get((definition.name, language), 'not submitted')}]"
            out.print(f"  {language}{status if remote else ''}: {text.body} "
                      f"<{text.button}>", markup=False)


@templates_app.command("submit")
def submit(
    only: Annotated[str | None, typer.Option(
        help="Submit only this template (its file name, e.g. checkin)."
    )] = None,
) -> None:
    """Create every template language at Meta for review; existing ones are reported."""
    from bot.channels.whatsapp.templates import load_templates

    definitions = load_templates()
    if only is not None and only not in definitions:
        fail(f"no template {only!r}; there are: {', '.join(definitions)}", 2)
    keys = [only] if only else list(definitions)
    failed = asyncio.run(_submit(keys))
    if failed:
        fail(f"{failed} template language(s) not submitted", 1)


async def _submit(keys: list[str]) -> int:
    from pywa_async.errors import WhatsAppError

    from bot.channels.whatsapp.templates import template

    failed = 0
    async with _client() as wa:
        for key in keys:
            definition = template(key)
            for language in definition.texts:
                try:
                    created = await wa.create_template(definition.as_pywa(language))
                except WhatsAppError as error:
                    failed += 1
                    out.print(f"{definition.name} {language}: refused ({error.code}): "
                              f"{error.details or error.message}")
                    continue
                out.print(f"{definition.name} {language}: {created.status} (id {created.id})")
    return failed


async def _remote_statuses() -> dict[tuple[str, str], str]:
    from bot.channels.whatsapp.templates import load_templates

    names = {definition.name for definition in load_templates().values()}
    found: dict[tuple[str, str], str] = {}
    async with _client() as wa:
        for name in sorted(names):
            for details in await wa.get_templates(name=name):
                if details.name == name:
                    found[(name, str(details.language))] = str(details.status)
    return found


@asynccontextmanager
async def _client() -> AsyncIterator[WhatsApp]:
    """A pywa client for the business account, closed afterwards."""
    from pywa_async.client import WhatsApp

    from bot.channels.whatsapp.graph import WhatsAppNotConfigured, graph_session, required

    settings = load_settings()
    try:
        needed = required(settings, "token", "business_account_id")
    except WhatsAppNotConfigured as error:
        fail(str(error), EXIT_CONFIG)
    async with graph_session(settings.whatsapp_api_url) as session:
        yield WhatsApp(phone_id=settings.whatsapp_phone_id, token=needed["token"],
                       waba_id=needed["business_account_id"], session=session)
