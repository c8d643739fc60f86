"""Admins in chat: /export (the CSV and codebook as files) and /stats (counts), with filters."""

from __future__ import annotations

import io
import logging
import zipfile
from datetime import UTC, date, datetime, time

from bot.export import write_codebook, write_export
from bot.staff.invites import local_label
from bot.staff.turn import StaffTurn
from storage.campaigns import get_campaign, list_campaigns
from storage.export import iter_story_records
from storage.roles import audit
from storage.stats import StoryFilter, story_counts

log = logging.getLogger(__name__)
CAMPAIGN_KEYS = frozenset({"campagne", "campaign"})
SINCE_KEYS = frozenset({"sinds", "since"})
DAYS_SHOWN = 14


class BadFilter(ValueError):
    """A filter an admin typed that is not `campagne=ID` or `sinds=YYYY-MM-DD`."""


def parse_filter(turn: StaffTurn, payload: str) -> StoryFilter:
    """`campagne=ID sinds=2026-01-01` (either, both or none); `sinds` is a local midnight."""
    campaign_id: str | None = None
    since: datetime | None = None
    for word in payload.split():
        key, sep, value = word.partition("=")
        key = key.casefold()
        if not sep or not value:
            raise BadFilter
        if key in CAMPAIGN_KEYS:
            campaign_id = value
        elif key in SINCE_KEYS:
            try:
                day = date.fromisoformat(value)
            except ValueError as error:
                raise BadFilter from error
            since = datetime.combine(day, time(0), tzinfo=turn.options.zone).astimezone(UTC)
        else:
            raise BadFilter
    return StoryFilter(campaign_id, since)


def _filter_or_reply(turn: StaffTurn, payload: str) -> StoryFilter | None:
    """The filter, or None after telling the admin what is wrong with it."""
    try:
        where = parse_filter(turn, payload)
    except BadFilter:
        turn.say("filter_usage")
        return None
    if where.campaign_id is not None and get_campaign(turn.session, where.campaign_id) is None:
        turn.say("unknown_campaign", campaign=where.campaign_id)
        return None
    return where


def describe(turn: StaffTurn, where: StoryFilter) -> str:
    """The filter as the admin typed it, or 'every story'."""
    parts = []
    if where.campaign_id:
        parts.append(f"campagne={where.campaign_id}")
    if where.since:
        parts.append(f"sinds={where.since.astimezone(turn.options.zone).date().isoformat()}")
    return " ".join(parts) or turn.text("filter_none")


def export(turn: StaffTurn, payload: str) -> bool:
    """`/export [campagne=ID] [sinds=DATE]`: the stories as CSV and the codebook, as files."""
    where = _filter_or_reply(turn, payload)
    if where is None:
        return True
    rows = io.StringIO(newline="")
    records = iter_story_records(turn.session, where.since, where.campaign_id)
    count = write_export(turn.form, records, rows, "csv")
    stamp = turn.now.astimezone(turn.options.zone).strftime("%Y%m%d-%H%M")
    name, mime, data = f"vertelpunt-{stamp}.csv", "text/csv", rows.getvalue().encode("utf-8")
    if len(data) > ZIP_ABOVE:
        name, mime, data = name + ".zip", "application/zip", _zipped(name, data)
    if len(data) > CHAT_FILE_LIMIT:
        turn.say("export_too_big", count=count)
        return True
    book = io.StringIO()
    write_codebook(turn.form, book, turn.now)
    audit(turn.session, turn.participant_id, "export",
          {"via": "chat", "format": "csv", "campaign": where.campaign_id,
           "since": where.since.isoformat() if where.since else None, "stories": count},
          turn.now)
    log.info("staff: an export of %d stories was made in chat", count)
    caption = turn.text("export_caption", count=count, filter=describe(turn, where))
    turn.send_file("document", name, mime, data, caption, fallback=turn.text("files_elsewhere"))
    turn.send_file("document", f"vertelpunt-{stamp}-codebook.json", "application/json",
                   book.getvalue().encode("utf-8"), turn.text("codebook_caption"))
    return True


# Telegram takes files of up to 50 MB from a bot. A large CSV goes zipped (stories compress
# several times over); one still too large is refused with a word on how to get it.
ZIP_ABOVE = 10 * 1024 * 1024
CHAT_FILE_LIMIT = 48 * 1024 * 1024


def _zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def stats(turn: StaffTurn, payload: str) -> bool:
    """`/stats [campagne=ID] [sinds=DATE]`: stories per day, per theme and per language."""
    where = _filter_or_reply(turn, payload)
    if where is None:
        return True
    counts = story_counts(turn.session, where, turn.options.zone)
    lines = [turn.text("stats_total", total=counts.total, filter=describe(turn, where))]
    if counts.total:
        lines.append(turn.text("stats_days", days=DAYS_SHOWN))
        for day, number in sorted(counts.per_day.items(), reverse=True)[:DAYS_SHOWN]:
            lines.append(turn.text("stats_line", name=day.strftime("%d-%m-%Y"), count=number))
        lines.append(turn.text("stats_themes"))
        labels = _theme_labels(turn)
        for theme, number in counts.per_theme.most_common():
            name = labels.get(theme, theme) if theme else turn.text("stats_no_theme")
            lines.append(turn.text("stats_line", name=name, count=number))
        lines.append(turn.text("stats_languages"))
        for language, number in counts.per_language.most_common():
            name = turn.texts.language_name(language)
            lines.append(turn.text("stats_line", name=name, count=number))
    turn.say_text("\n".join(lines))
    return True


def _theme_labels(turn: StaffTurn) -> dict[str, str]:
    labels: dict[str, str] = {}
    for campaign in list_campaigns(turn.session):
        for theme in campaign.themes or []:
            theme_id = str(theme["id"])
            labels.setdefault(theme_id, local_label(dict(theme.get("label") or {}),
                                                    turn.language, theme_id))
    return labels
