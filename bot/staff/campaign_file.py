"""Campaigns as configured in a YAML file (campaigns/example.yaml), checked before they load."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.staff.tokens import CAMPAIGN_ID

THEME_ID = r"^[a-z0-9][a-z0-9_]{0,63}$"


class CampaignFileError(ValueError):
    """A campaign file that cannot be loaded; the message lists every problem."""


class ThemeSpec(BaseModel):
    """A theme of home visits, with a button label per language."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=THEME_ID)
    label: dict[str, str] = Field(min_length=1)


class CampaignSpec(BaseModel):
    """One campaign: which form, which themes and neighbourhoods, from when until when."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str = Field(min_length=1, max_length=200)
    municipality: str = Field(min_length=1, max_length=200)
    form: str = Field(min_length=1, max_length=64)
    themes: list[ThemeSpec] = Field(default_factory=list)
    neighbourhoods: list[str] = Field(default_factory=list)
    starts: date | None = None
    ends: date | None = None

    @field_validator("id")
    @classmethod
    def _id_fits_a_start_link(cls, value: str) -> str:
        if not CAMPAIGN_ID.fullmatch(value):
            raise ValueError("1-40 of a-z, 0-9, _ and -, starting with a letter or digit")
        return value

    @model_validator(mode="after")
    def _themes_unique_and_dates_in_order(self) -> CampaignSpec:
        ids = [theme.id for theme in self.themes]
        if len(ids) != len(set(ids)):
            raise ValueError("theme ids must be unique")
        if self.starts and self.ends and self.ends < self.starts:
            raise ValueError("ends is before starts")
        return self

    def values(self, zone: ZoneInfo) -> dict[str, Any]:
        """The campaign's columns; `ends` is the last day, so it runs until that midnight."""
        return {
            "id": self.id,
            "name": self.name,
            "municipality": self.municipality,
            "form_id": self.form,
            "themes": [theme.model_dump() for theme in self.themes],
            "neighbourhoods": list(self.neighbourhoods),
            "starts_at": _midnight(self.starts, zone),
            "ends_at": _midnight(self.ends + timedelta(days=1), zone) if self.ends else None,
        }


class CampaignFile(BaseModel):
    """The whole file: a list of campaigns."""

    model_config = ConfigDict(extra="forbid")

    campaigns: list[CampaignSpec] = Field(min_length=1)


def _midnight(day: date | None, zone: ZoneInfo) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def load_campaign_file(path: Path) -> list[CampaignSpec]:
    """The campaigns in a file; raises CampaignFileError naming every problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CampaignFileError(f"{path}: {error}") from error
    try:
        parsed = CampaignFile.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{path}: {'.'.join(str(p) for p in problem['loc']) or '(top)'}: {problem['msg']}"
            for problem in error.errors()
        ]
        raise CampaignFileError("\n".join(problems)) from error
    ids = [campaign.id for campaign in parsed.campaigns]
    if len(ids) != len(set(ids)):
        raise CampaignFileError(f"{path}: campaign ids must be unique")
    return parsed.campaigns
