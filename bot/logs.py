"""What the service writes to its log: our own lines as they are, other libraries' without what
they quote.

Libraries log what passes through them: python-telegram-bot an update it cannot parse (ids,
names, text) at CRITICAL and every Bot API call with its parameters at DEBUG, httpx each URL
(Bot API URLs hold the token), uvicorn each path with its query string (the WhatsApp verify
token), and any exception's message may quote its input. The formatter below writes a copy of
each record with those parts hidden; the records themselves are left alone.
"""

from __future__ import annotations

import logging
import re
import traceback
from types import TracebackType
from typing import Final, TextIO

FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Our packages log types, counts and pseudonyms, never content: their lines are kept whole.
OWN_LOGGERS: Final = ("bot", "flows", "storage", "nlu", "__main__")
# Libraries whose arguments are the service's own facts (the address it listens on, its
# process id, migration revisions, its job names), never a resident's.
PLAIN_LOGGERS: Final = ("uvicorn.error", "alembic", "apscheduler")
# Libraries whose lines are worth their URLs, once the token and query are out.
URL_LOGGERS: Final = ("httpx", "httpcore")
ACCESS_LOGGER: Final = "uvicorn.access"
HIDDEN: Final = "[hidden]"
BOT_TOKEN: Final = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
QUERY: Final = re.compile(r"\?[^\s\"'`]*")
PLACEHOLDER: Final = re.compile(r"%(\([^)]*\))?[#0 +-]*(\*|\d+)?(\.(\*|\d+))?[diouxXeEfFgGcrsa]")
_MARK: Final = "_vertelpunt_private"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _is(name: str, families: tuple[str, ...]) -> bool:
    return any(name == family or name.startswith(family + ".") for family in families)


def private_copy(record: logging.LogRecord) -> logging.LogRecord:
    """The record as it may be written: other libraries' arguments hidden or cleaned."""
    safe = logging.makeLogRecord(record.__dict__)
    safe.exc_text = None  # another handler may have cached the full text, message and all
    name = record.name
    if _is(name, OWN_LOGGERS) or _is(name, PLAIN_LOGGERS):
        return safe
    if name == ACCESS_LOGGER and isinstance(record.args, tuple) and len(record.args) == 5:
        client, method, path, version, status = record.args
        safe.args = (client, method, QUERY.sub("", str(path)), version, status)
        return safe
    if _is(name, URL_LOGGERS):
        safe.msg, safe.args = QUERY.sub("", record.getMessage()), None
        return safe
    # Anything else (python-telegram-bot, pywa, ...): the sentence without what it quotes.
    safe.msg, safe.args = PLACEHOLDER.sub(HIDDEN, str(record.msg)), None
    return safe


class PrivateFormatter(logging.Formatter):
    """Writes the private copy of a record; exceptions as their frames and type, no message."""

    def format(self, record: logging.LogRecord) -> str:
        """The line as written, bot tokens hidden wherever they turn up."""
        return BOT_TOKEN.sub(HIDDEN, super().format(private_copy(record)))

    def formatException(self, ei: ExcInfo | tuple[None, None, None]) -> str:
        """Where it happened and what kind of error: an exception's message may quote input."""
        kind, _, trace = ei
        if kind is None:
            return ""
        frames = "".join(traceback.format_tb(trace)) if trace is not None else ""
        return f"Traceback (most recent call last):\n{frames}{kind.__qualname__} (message hidden)"


def configure_logging(level: str | int, stream: TextIO | None = None) -> logging.Handler:
    """Write every log record at `level` and above through the private formatter (stderr by
    default); called again, it replaces its own handler and leaves others alone."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(PrivateFormatter(FORMAT))
    setattr(handler, _MARK, True)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    return handler


def ensure_private_logging(level: str) -> None:
    """For commands other than `serve`: warnings and worse (or `level`, when higher) go
    through the private formatter, unless private logging is configured already."""
    if any(getattr(handler, _MARK, False) for handler in logging.getLogger().handlers):
        return
    configure_logging(max(logging.WARNING, logging.getLevelNamesMapping().get(level.upper(), 0)))
