"""Privacy commands: erase a participant, purge what has expired, manage encryption keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy import select, update

from bot.cli.common import fail, load_settings, runtime_or_exit
from bot.scheduler import retention_policy
from storage import repositories as repo
from storage.crypto import AddressCipher, new_key
from storage.models import ContactAddress, Participant
from storage.pseudonyms import pseudonym
from storage.retention import purge

keys_app = typer.Typer(help="Encryption keys for contact addresses.", no_args_is_help=True)


def erase(
    participant: Annotated[str | None, typer.Option(help="The pseudonymous id.")] = None,
    telegram_user: Annotated[str | None, typer.Option(help="A Telegram user id.")] = None,
    whatsapp_number: Annotated[str | None, typer.Option(
        help="A WhatsApp number in international form without +, e.g. 31612345678.")] = None,
) -> None:
    """Erase every row of one participant (a request by mail or phone)."""
    settings = load_settings()
    secret = settings.secret_key.get_secret_value()
    given = [v for v in (participant, telegram_user, whatsapp_number) if v]
    if len(given) != 1:
        fail("give exactly one of --participant, --telegram-user, --whatsapp-number", 2)
    pid = participant or (
        pseudonym(secret, "telegram", telegram_user) if telegram_user
        else pseudonym(secret, "whatsapp", (whatsapp_number or "").lstrip("+"))
    )
    runtime = runtime_or_exit(settings, conversations=False)
    with runtime.db.transaction() as session:
        if session.get(Participant, pid) is None:
            fail(f"no participant {pid}: nothing to erase", 1)
        repo.erase_participant(session, pid, datetime.now(UTC), requested_by="admin")
    typer.echo(f"erased participant {pid}")


def purge_command(
    dry_run: Annotated[bool, typer.Option(help="Only show what would go.")] = False,
) -> None:
    """Remove what is past its retention period (the service also does this daily)."""
    settings = load_settings()
    runtime = runtime_or_exit(settings, conversations=False)
    with runtime.db.transaction() as session:
        report = purge(session, datetime.now(UTC), retention_policy(settings), dry_run)
        if dry_run:
            session.rollback()
    verb = "would remove" if dry_run else "removed"
    for line in report.lines():
        typer.echo(f"{verb} {line}")


@keys_app.command("new")
def keys_new() -> None:
    """Print a fresh key; put it first in VERTELPUNT_ENCRYPTION_KEYS, keep the old ones after."""
    typer.echo(new_key())


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every contact address with the newest key, so old keys can be retired."""
    settings = load_settings()
    runtime = runtime_or_exit(settings, conversations=False)
    cipher: AddressCipher = runtime.cipher
    count = 0
    with runtime.db.transaction() as session:
        rows = session.execute(
            select(ContactAddress.participant_id, ContactAddress.channel, ContactAddress.address)
        ).all()
        for pid, channel, token in rows:
            session.execute(
                update(ContactAddress)
                .where(ContactAddress.participant_id == pid, ContactAddress.channel == channel)
                .values(address=cipher.rotate(token))
            )
            count += 1
    typer.echo(f"re-encrypted {count} contact addresses with the newest key")
