"""The one typed settings object, read from the ``MELDWIJZER_*`` environment variables."""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError, InputError
from bot.signals.email_address import checked_email

MAX_MESSAGE_CHARS = 2000
WEEK_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CA_ALIASES = ("MELDWIJZER_MATTERMOST_CA_FILE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")
_CLOCK = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")
_BASE_URL = re.compile(r"https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~\-/]*)?")
# Mattermost's tokens are 26 characters of [a-z0-9] (model.NewId); accept a little more so
# an unusual server still works, but never a space, quote or line break in a header.
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{8,128}")


class Settings(BaseSettings):
    """Everything the app needs to start; secrets are ``SecretStr`` so they never print."""

    model_config = SettingsConfigDict(
        env_prefix="MELDWIJZER_", extra="ignore", frozen=True, populate_by_name=True
    )

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str | None = None
    secret: SecretStr | None = None
    knowledge_dir: Path | None = None
    public_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=3978, ge=0, le=65535)
    conversation_ttl_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    max_message_chars: int = Field(default=MAX_MESSAGE_CHARS, ge=100, le=20000)
    # Argon2id cost for receipts and adviser keys; tests lower it, production refuses that.
    kdf_memory_kib: int = Field(default=47104, ge=8)
    kdf_iterations: int = Field(default=1, ge=1)
    adviser_session_minutes: int = Field(default=30, ge=1, le=8 * 60)
    retention_days: int = Field(default=180, ge=1, le=3650)
    recovery_public_key: str | None = None  # base64url X25519 key of the offline recovery pair
    demo_adviser: bool = True  # development only: a clearly marked demo adviser to try things
    teams_enabled: bool = True  # mount /api/messages for Microsoft Teams
    teams_app_id: str = ""
    teams_app_password: SecretStr = SecretStr("")
    teams_tenant_id: str = ""
    # -- Mattermost (adapters/mattermost): the server, the bot account's access token, where
    # the server reaches our buttons, dialogs and slash command, and that command's token.
    mattermost_url: str | None = None
    mattermost_token: SecretStr | None = None
    mattermost_callback_url: str | None = None  # default: MELDWIJZER_PUBLIC_URL
    mattermost_command_token: SecretStr | None = None
    # A private CA for the server's certificate, for REST and websocket alike; also read from
    # the variables requests and OpenSSL already honour, so one setting covers both.
    mattermost_ca_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices(*_CA_ALIASES),
    )
    # -- The HTTP edge: slow clients, open connections, new conversations. Safe defaults for
    # one process; a reverse proxy in front may be stricter. Read by bot/server.py and
    # adapters/webchat (see its README).
    http_header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    http_body_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    http_keepalive_seconds: float = Field(default=15.0, gt=0, le=3600)
    http_max_connections: int = Field(default=512, ge=1, le=100_000)
    # On SIGTERM, how long /healthz says "stopping" while requests are still served, so a
    # load balancer that polls it stops sending first (docs/deploy.md); 0 behind nginx,
    # which moves on to the next replica as soon as this one's port is closed.
    http_drain_seconds: float = Field(default=0.0, ge=0, le=300)
    new_conversations_per_minute: int = Field(default=300, ge=1, le=100_000)
    new_conversations_burst: int = Field(default=60, ge=1, le=100_000)
    # -- end of the HTTP edge
    # -- Advisers: how long a disabled adviser's key wraps are kept.
    # Days after `adviser disable` before that adviser's key wraps of signals are removed.
    disabled_wrap_grace_days: int = Field(default=30, ge=0, le=3650)
    # -- Receipts: secret rotation, bounded Argon2id work, per-signal and submission limits.
    previous_secret: SecretStr | None = None  # the secret being rotated away from
    kdf_workers: int = Field(default=0, ge=0, le=64)  # Argon2id runs at once; 0 = one per CPU
    # Runs that may wait, quietest conversation first (bot/seal/kdf_pool.py); waiting costs
    # a coroutine, not Argon2id memory, so the queue is long and bounded by time instead.
    kdf_queue: int = Field(default=256, ge=0, le=10000)
    kdf_wait_seconds: float = Field(default=5.0, gt=0, le=60)  # then "busy, try again"
    receipt_attempts_per_conversation: int = Field(default=5, ge=1, le=1000)  # per 15 minutes
    # Per hour. A reporter reads, adds and reads again a handful of times an hour; every
    # open a stranger may buy per own signal is an Argon2id run, so few (was 20).
    receipt_opens_per_signal: int = Field(default=10, ge=1, le=100000)
    # New signals per process. 130,000 employees leave a few signals a week, so 6 a minute
    # sustained (8,640 a day) with a burst of 20 is ample for them; each new signal is also
    # 10 more opens an hour a stranger could spend on the KDF pool (was 30 a minute).
    signals_per_minute: float = Field(default=6.0, gt=0, le=100000)
    signals_burst: int = Field(default=20, ge=1, le=100000)
    # -- Notices to advisers (docs: README "How advisers hear of signals"; ROUTING.md).
    # Fixed local times and days at which new-signal and new-message notices go out, never
    # right after the reporter acted; the daily digest's hour; the zone they are read in.
    notice_times: str = "09:00,14:00"
    notice_days: str = "mon,tue,wed,thu,fri"
    timezone: str = "Europe/Amsterdam"
    digest_time: str = "08:00"
    digest_when_empty: bool = False  # a digest every notice day, even with nothing in it
    # Development only (production refuses it): notices every N seconds instead of at the
    # notice times, so a newcomer sees one without waiting for 14:00.
    notice_every_seconds: int | None = Field(default=None, ge=1, le=86400)
    # An absence at least this long hands the adviser's open signals to a backup.
    long_absence_days: int = Field(default=14, ge=1, le=3650)
    admin_email: str | None = None  # the admin's digest (waiting signals, dead notices)
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_from: str | None = None
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    smtp_ca_file: Path | None = None  # a private CA for the SMTP server's certificate
    # The outbox: attempts before a notice is dead, backoff between them (full jitter), how
    # long a worker may hold a claimed notice, how often it looks for due ones.
    outbox_max_attempts: int = Field(default=10, ge=1, le=100)
    outbox_backoff_base_seconds: float = Field(default=30.0, gt=0, le=86400)
    outbox_backoff_max_seconds: float = Field(default=3600.0, gt=0, le=7 * 86400)
    outbox_lease_seconds: float = Field(default=120.0, gt=0, le=86400)
    outbox_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    outbox_sent_keep_days: int = Field(default=14, ge=1, le=3650)
    # -- The yearly picture (docs/report.md) and operations metrics.
    # The organisation the counters belong to and the report's title; one database may hold
    # the counters of several deployments that share it.
    organisation: str = Field(default="", max_length=64)
    # Cells below this are never published; the floor follows the statistical practice the
    # report cites (docs/report.md), so no setting can publish a count of 1 to 4.
    report_threshold: int = Field(default=10, ge=5, le=1000)
    # How often counts kept in memory are written: 0 = at the end of the turn that made them;
    # unset = 0 in development, once a day (1440) in production, so that the moment a count
    # moves in the database does not mark the moment someone spoke up.
    stats_flush_minutes: int | None = Field(default=None, ge=0, le=7 * 24 * 60)
    # Prometheus metrics on a port of their own (never the bot's public port), optionally
    # behind a bearer token; unset = no metrics endpoint.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    metrics_token: SecretStr | None = None

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator("mattermost_url", "mattermost_callback_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        """The server's (or our) base address: scheme and host, no query, no trailing slash."""
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not _BASE_URL.fullmatch(value):
            raise ValueError("give an http:// or https:// address, like https://chat.example.org")
        return value

    @field_validator("mattermost_token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not _TOKEN.fullmatch(value.get_secret_value().strip()):
            raise ValueError("a Mattermost token is 8 to 128 letters, digits, - or _ (no spaces)")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("mattermost_command_token")
    @classmethod
    def _command_tokens(cls, value: SecretStr | None) -> SecretStr | None:
        """One token per team: Mattermost gives every team's slash command its own."""
        if value is None or not value.get_secret_value().strip():
            return None
        tokens = [part.strip() for part in value.get_secret_value().split(",") if part.strip()]
        if not tokens or any(not _TOKEN.fullmatch(token) for token in tokens):
            raise ValueError(
                "give the slash commands' tokens, comma-separated; each is 8 to 128 letters, "
                "digits, - or _"
            )
        return SecretStr(",".join(dict.fromkeys(tokens)))

    @field_validator("mattermost_ca_file")
    @classmethod
    def _ca_file(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None or not str(value).strip():
            return None
        # REQUESTS_CA_BUNDLE and SSL_CERT_FILE are the machine's, set for other programs: a
        # stale one must not stop a bot that does not talk to Mattermost (the URL and token
        # are validated before this field, in declaration order).
        if not (info.data.get("mattermost_url") and info.data.get("mattermost_token")):
            return value if value.is_file() else None
        if not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @field_validator("admin_email", "smtp_from")
    @classmethod
    def _one_address(cls, value: str | None) -> str | None:
        """One plain address: it goes into the From/To header and the SMTP envelope, where a
        comma, a display name or a line break would add recipients or break the message."""
        if value is None or not value.strip():
            return None
        try:
            return checked_email(value)
        except InputError:
            raise ValueError("give one plain address, like meldwijzer@example.org") from None

    @field_validator("notice_times", "digest_time")
    @classmethod
    def _clock_times(cls, value: str) -> str:
        times = [part.strip() for part in value.split(",") if part.strip()]
        if not times or any(not _CLOCK.fullmatch(t) for t in times):
            raise ValueError("give times as HH:MM (24-hour), comma-separated")
        return ",".join(sorted(set(times)))

    @field_validator("digest_time")
    @classmethod
    def _one_time(cls, value: str) -> str:
        if "," in value:
            raise ValueError("the digest has one time, HH:MM")
        return value

    @field_validator("notice_days")
    @classmethod
    def _week_days(cls, value: str) -> str:
        days = [part.strip().lower() for part in value.split(",") if part.strip()]
        if not days or any(d not in WEEK_DAYS for d in days):
            raise ValueError(f"give days as {','.join(WEEK_DAYS)}, comma-separated")
        return ",".join(sorted(set(days), key=WEEK_DAYS.index))

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Amsterdam)") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def notice_clock(self) -> tuple[time, ...]:
        return tuple(time.fromisoformat(t) for t in self.notice_times.split(","))

    @property
    def digest_clock(self) -> time:
        return time.fromisoformat(self.digest_time)

    @property
    def notice_weekdays(self) -> frozenset[int]:
        """Monday is 0, as in ``date.weekday()``."""
        return frozenset(WEEK_DAYS.index(d) for d in self.notice_days.split(","))

    @property
    def mattermost_command_tokens(self) -> tuple[str, ...]:
        """The slash commands' tokens (one per team); empty when there is no command."""
        if self.mattermost_command_token is None:
            return ()
        return tuple(self.mattermost_command_token.get_secret_value().split(","))

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def mattermost_enabled(self) -> bool:
        return bool(self.mattermost_url and self.mattermost_token)

    @property
    def mattermost_callbacks(self) -> str:
        """Where the Mattermost server reaches our callbacks (no trailing slash)."""
        return self.mattermost_callback_url or self.webchat_url.rstrip("/")

    @property
    def webchat_url(self) -> str:
        if self.public_url:
            return self.public_url + "/"
        return f"http://{self.host}:{self.port}/"


def load_settings(**overrides: object) -> Settings:
    """Read the environment (and overrides); turn every validation problem into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(f"{_variable(err['loc'])}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"invalid settings: {problems}") from None


def _variable(loc: tuple[int | str, ...]) -> str:
    """The environment variable a validation error is about.

    pydantic names the first alias whichever one was read, so for the CA file the variable
    actually set (in the aliases' order) is named: the admin must know which one to fix.
    """
    name = "_".join(str(p) for p in loc).upper()
    if name == _CA_ALIASES[0]:
        return next((alias for alias in _CA_ALIASES if os.environ.get(alias)), name)
    return name if name.startswith("MELDWIJZER_") else f"MELDWIJZER_{name}"
