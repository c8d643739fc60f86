"""The filter and the two groups of a dashboard page, read from its query string."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flows.forms.schema import Form
from storage.aggregates import HOME_VISIT, DashboardFilter, Group

CHANNELS = ("telegram", "whatsapp", "terminal")
FILTER_KEYS = ("campaign", "from", "to", "language", "channel", "g", "a", "b")
HOME_VISIT_VALUES = ("yes", "no")
MAX_VALUE = 64


@dataclass(frozen=True, slots=True)
class Dimension:
    """Something to group tellers by: an about-you question, or the home visit."""

    id: str
    label: str
    options: tuple[tuple[str, str], ...]
    """(value, label) pairs."""


@dataclass(frozen=True, slots=True)
class PageQuery:
    """A page's filter and comparison, and the cleaned parameters to link with."""

    where: DashboardFilter
    side_a: Group
    side_b: Group
    params: tuple[tuple[str, str], ...]

    @property
    def comparing(self) -> bool:
        """Whether two groups are compared side by side."""
        return bool(self.side_a) or bool(self.side_b)

    @property
    def groups(self) -> tuple[Group, ...]:
        """The groups to count: both sides when comparing, else everything."""
        return (self.side_a, self.side_b) if self.comparing else (Group(),)

    def selected(self, key: str) -> set[str]:
        """The values of one parameter, to mark what a form shows as chosen."""
        return {value for name, value in self.params if name == key}

    def value(self, key: str) -> str:
        """The first value of one parameter, or ''."""
        return next((value for name, value in self.params if name == key), "")

    @property
    def encoded(self) -> str:
        """The filter as a query string."""
        return urlencode(self.params)

    def link(self, path: str, *extra: tuple[str, str]) -> str:
        """A dashboard address with this filter and the extra parameters."""
        query = urlencode([*self.params, *extra])
        return f"{path}?{query}" if query else path


def dimensions(form: Form, language: str, home_visit: tuple[str, str, str]) -> list[Dimension]:
    """Every way to group tellers: the form's about-you questions, then the home visit
    (`home_visit`: the labels of that dimension, of yes and of no)."""
    found = [
        Dimension(q.id, _local(q.text, language),
                  tuple((o.id, _local(o.label, language)) for o in q.options))
        for q in form.about if q.type == "single_choice"
    ]
    label, yes, no = home_visit
    found.append(Dimension(HOME_VISIT, label, (("yes", yes), ("no", no))))
    return found


def _local(text: dict[str, str], language: str) -> str:
    return text.get(language) or text.get("en") or next(iter(text.values()), "")


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _group(pairs: Iterable[str], known: dict[str, set[str]]) -> Group:
    chosen: dict[str, list[str]] = {}
    for pair in pairs:
        name, _, value = pair.partition(":")
        if value in known.get(name, set()) and value not in chosen.get(name, []):
            chosen.setdefault(name, []).append(value)
    return Group(tuple((name, tuple(values)) for name, values in chosen.items()))


def parse_query(
    items: Iterable[tuple[str, str]], form: Form, zone: ZoneInfo, dims: list[Dimension]
) -> PageQuery:
    """The page's filter from its query parameters; anything unknown is left out."""
    known = {d.id: {value for value, _ in d.options} for d in dims}
    kept = [(k, v.strip()) for k, v in items
            if k in FILTER_KEYS and 0 < len(v.strip()) <= MAX_VALUE]
    values: dict[str, list[str]] = {}
    for key, value in kept:
        values.setdefault(key, []).append(value)

    def first(key: str) -> str | None:
        return values.get(key, [None])[0]

    since, to = _day(first("from") or ""), _day(first("to") or "")
    language = first("language")
    channel = first("channel")
    where = DashboardFilter(
        campaign_id=first("campaign"),
        since=_midnight(since, zone) if since else None,
        until=_midnight(to + timedelta(days=1), zone) if to else None,
        language=language if language in form.languages else None,
        channel=channel if channel in CHANNELS else None,
        group=_group(values.get("g", []), known),
    )
    params = tuple((k, v) for k, v in kept if _still_meant(k, v, where, known))
    return PageQuery(where, _group(values.get("a", []), known),
                     _group(values.get("b", []), known), params)


def _still_meant(key: str, value: str, where: DashboardFilter, known: dict[str, set[str]]) -> bool:
    if key in ("g", "a", "b"):
        name, _, option = value.partition(":")
        return option in known.get(name, set())
    if key in ("from", "to"):
        return _day(value) is not None
    if key == "language":
        return where.language == value
    if key == "channel":
        return where.channel == value
    return True


def with_side(where: DashboardFilter, side: Group) -> DashboardFilter:
    """The filter narrowed to one side of a comparison."""
    return DashboardFilter(where.campaign_id, where.since, where.until, where.language,
                           where.channel, Group(where.group.parts + side.parts))
