"""All settings of the service, read from the environment and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "development-secret-change-me"
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


class InsecureSettings(Exception):
    """The service would run outside development with a default or weak secret."""


class Settings(BaseSettings):
    """Every setting, each one `VERTELPUNT_<NAME>` in the environment."""

    model_config = SettingsConfigDict(
        env_prefix="VERTELPUNT_", env_file=".env", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/vertelpunt.db"
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    encryption_keys: SecretStr = SecretStr("")
    form: Path = PACKAGE_ROOT / "flows" / "forms" / "default.yaml"
    default_language: str = "nl"
    organisation_name: str = "Gemeente Voorbeeld"
    organisation_contact: str = "14 020"
    log_level: str = "INFO"

    rasa_url: str | None = None
    rasa_timeout: float = 0.3

    telegram_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_bot_username: str | None = None

    whatsapp_phone_id: str | None = None
    whatsapp_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_business_account_id: str | None = None
    whatsapp_api_url: str = "https://graph.facebook.com"
    whatsapp_number: str | None = None
    # A reply a crashed sender may have sent waits this long for Meta's status webhook
    # that says so, before it is sent (again).
    whatsapp_confirm_seconds: float = Field(default=10, ge=0)

    invite_days: int = Field(default=30, ge=1)
    access_code_days: int = Field(default=7, ge=1)

    timezone: str = "Europe/Amsterdam"
    checkin_hours_start: int = Field(default=9, ge=0, le=23)
    checkin_hours_end: int = Field(default=20, ge=1, le=24)
    checkin_max_age_days: int = Field(default=7, ge=1)
    checkin_tick_seconds: float = Field(default=30, gt=0)
    checkin_batch: int = Field(default=200, ge=1)

    # A sender's claim on the replies it sends lasts this long and is renewed while it
    # sends; a sender that died or lost its database leaves them to others after this.
    send_lease_seconds: float = Field(default=30, ge=3)
    # How often a sender looks for replies no one is sending (another process's turns,
    # rows a crash left); its own turns' replies go out at once.
    send_poll_seconds: float = Field(default=1.0, gt=0)

    retention_contact_days: int = Field(default=90, ge=0)
    retention_draft_days: int = Field(default=7, ge=0)
    retention_sent_messages_days: int = Field(default=7, ge=0)
    retention_update_ids_days: int = Field(default=30, ge=1)

    # Empty: voice_workers_per_core for each core of this machine (at least one).
    voice_workers: int | None = Field(default=None, ge=0)
    voice_workers_per_core: float = Field(default=1.0, gt=0)
    voice_cpu_threads: int = Field(default=1, ge=1)
    voice_max_seconds: float = Field(default=300, gt=0)
    voice_busy_after: int = Field(default=2, ge=0)
    voice_claim_seconds: float = Field(default=600, gt=0)

    # The address admins open the dashboard at (https://host, no path), for login links.
    public_url: str | None = None

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)

    @field_validator("voice_workers", mode="before")
    @classmethod
    def _empty_is_per_core(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _refuse_weak_secret_in_production(self) -> Settings:
        if self.environment != "development":
            secret = self.secret_key.get_secret_value()
            if secret == DEFAULT_SECRET or len(secret) < 32:
                raise InsecureSettings(
                    "VERTELPUNT_SECRET_KEY must be a random secret of at least 32 characters"
                )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
