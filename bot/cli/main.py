"""`vertelpunt`: the command line of the service."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

# The commands and command groups kept in other modules, in the order help lists them
# (with chat and scrub, below, in between): name -> (module, attribute). A module is
# imported when its command runs, so a command does not wait for what only others need
# (the export not for the web service and the chat platforms' libraries).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("bot.cli.serve", "serve"),
    "worker": ("bot.cli.worker", "worker_command"),
    "erase": ("bot.cli.privacy", "erase"),
    "purge": ("bot.cli.privacy", "purge_command"),
    "export": ("bot.cli.export", "export_command"),
    "audit": ("bot.cli.staff", "audit_command"),
}
LAZY_GROUPS: dict[str, tuple[str, str]] = {
    "db": ("bot.cli.db", "app"),
    "forms": ("bot.cli.forms", "app"),
    "keys": ("bot.cli.privacy", "keys_app"),
    "nlu": ("bot.cli.nlu", "app"),
    "whatsapp": ("bot.cli.whatsapp", "app"),
    "telegram": ("bot.cli.telegram", "app"),
    "checkins": ("bot.cli.checkins", "app"),
    "admins": ("bot.cli.staff", "admins_app"),
    "workers": ("bot.cli.staff", "workers_app"),
    "campaigns": ("bot.cli.campaigns", "app"),
}


def _load(name: str, module: str, attribute: str) -> Any:
    """The click command (or group) of a command function or a Typer app."""
    found = getattr(importlib.import_module(module), attribute)
    if isinstance(found, typer.Typer):
        group = typer.main.get_group(found)
        group.name = name
        return group
    single = typer.Typer(add_completion=False)
    single.command(name)(found)
    return typer.main.get_command(single)


class _Commands(MutableMapping[str, Any]):
    """A group's commands by name, each loaded when first looked up."""

    def __init__(self, loaded: MutableMapping[str, Any]) -> None:
        self._loaded = dict(loaded)
        self._lazy = {**LAZY_COMMANDS, **LAZY_GROUPS}

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            module, attribute = self._lazy[name]
            self._loaded[name] = _load(name, module, attribute)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if self._loaded.pop(name, None) is None:
            del self._lazy[name]
        self._lazy.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._loaded or name in self._lazy

    def __iter__(self) -> Iterator[str]:
        names = [*LAZY_COMMANDS, *self._loaded, *LAZY_GROUPS]
        return iter([n for n in dict.fromkeys(names) if n in self])

    def __len__(self) -> int:
        return len(self._loaded.keys() | self._lazy.keys())


class LazyGroup(TyperGroup):
    """The top-level group: commands from other modules load when they are used."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands(self.commands)


app = typer.Typer(
    help="Vertelpunt: residents tell a story and give it meaning themselves.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
)
err = Console(stderr=True)


@app.command()
def chat(
    user: Annotated[str, typer.Option(help="Who the resident is; each name is a resident.")] = "me",
    jsonl: Annotated[bool, typer.Option(help="Machine interface: JSON lines in and out.")] = False,
) -> None:
    """Talk to the bot in the terminal as one resident."""
    from bot.channels.terminal import TerminalChat
    from bot.cli.common import load_settings, runtime_or_exit
    from storage.scrub import ready

    if not ready():
        err.print("Preparing the scrubber that takes names and numbers out of stories "
                  "(first start only, about two minutes)...")
    runtime = runtime_or_exit(load_settings())
    chat_ = TerminalChat(runtime.service, user, sys.stdout, jsonl=jsonl)
    try:
        chat_.run(sys.stdin)
    except KeyboardInterrupt:
        sys.stdout.write("\n")
    finally:
        runtime.db.dispose()


@app.command()
def scrub(
    language: Annotated[
        str, typer.Option(help="Language of the texts: nl, en, tr, ar, pl, uk or ru.")
    ] = "nl",
) -> None:
    """Read texts on stdin (one per line) and write them scrubbed, line for line."""
    from storage.scrub import LANGUAGES, UnknownLanguage, language_code, scrub_lines

    try:
        code = language_code(language)
    except UnknownLanguage:
        err.print(f"Unknown language {language!r}. Choose one of: {', '.join(LANGUAGES)}.")
        raise typer.Exit(2) from None
    for line in scrub_lines((raw.rstrip("\n") for raw in sys.stdin), code):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def main() -> None:
    """Entry point for `python -m bot.cli.main`."""
    app()


if __name__ == "__main__":
    main()
