"""One typed settings object, read from the environment (prefix BILLWATCH_) and `.env`."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """billwatch settings; secrets are SecretStr so they never show in logs or reprs."""

    model_config = SettingsConfigDict(env_prefix="BILLWATCH_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///billwatch.db"
    smtp_url: str = "file://./outbox"
    mail_from: str = "billwatch <alerts@billwatch.invalid>"
    public_url: str = "http://127.0.0.1:8025"  # where the unsubscribe endpoint is reachable
    unsubscribe_mailto: str = "unsubscribe@billwatch.invalid"
    # No default: a known key lets anyone forge unsubscribe links (see `signing_key`).
    secret_key: SecretStr | None = None
    timezone: str = "America/New_York"
    contact_email: str = "billwatch@example.org"  # put in the crawlers' user agent
    states: list[str] = Field(default_factory=list)  # states to crawl; empty means all
    digest_daily_time: str = "07:00"
    digest_weekly_day: str = "mon"
    digest_weekly_time: str = "07:00"
    # Scheduler: sources to crawl (spider names), minutes between crawls per source, and base
    # URLs per source (the demo points them at a local replay server). JSON in the environment:
    # BILLWATCH_CRAWL_SOURCES='["legiscan"]' BILLWATCH_CRAWL_INTERVALS='{"legiscan": 120}'.
    crawl_sources: list[str] = Field(default_factory=list)
    crawl_intervals: dict[str, int] = Field(default_factory=dict)
    crawl_interval_minutes: int = 60  # for sources without their own interval
    source_base_urls: dict[str, str] = Field(default_factory=dict)
    # Rapid response: actions dated this many days back still raise an alert (late crawls).
    alert_lookback_days: int = 3
    send_max_attempts: int = 8  # 4xx replies are retried with backoff this many times
    send_retry_base_s: int = 60  # first retry after a minute, then doubling

    # API keys use the names the sources document, without our prefix.
    legiscan_api_key: SecretStr | None = Field(default=None, alias="LEGISCAN_API_KEY")
    openstates_api_key: SecretStr | None = Field(default=None, alias="OPENSTATES_API_KEY")
    nysenate_api_key: SecretStr | None = Field(default=None, alias="NYSENATE_API_KEY")
    congress_api_key: SecretStr | None = Field(default=None, alias="CONGRESS_API_KEY")

    def signing_key(self) -> str:
        """The secret key for signing unsubscribe tokens, or WeakSecretKey saying how to set one."""
        value = self.secret_key.get_secret_value() if self.secret_key else ""
        if not value:
            problem = "BILLWATCH_SECRET_KEY is not set"
        elif value in KNOWN_KEYS:
            problem = "BILLWATCH_SECRET_KEY is a published example value"
        elif len(value) < MIN_SECRET_LENGTH:
            problem = f"BILLWATCH_SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters"
        else:
            return value
        raise WeakSecretKey(f"{problem}; create one with {MAKE_KEY} and keep it unchanged")


# Anything shorter is within reach of guessing; token_urlsafe(32) gives 43 characters.
MIN_SECRET_LENGTH = 32
KNOWN_KEYS = frozenset(
    {"change-me-in-production", "demo-only-secret", "test-secret", "a-long-random-string"}
)
MAKE_KEY = '`python -c "import secrets; print(secrets.token_urlsafe(32))"`'


class WeakSecretKey(ValueError):
    """The configured secret key is missing, a known example, or too short to trust."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cleared in tests with `get_settings.cache_clear()`)."""
    return Settings()
