"""Refuses unsafe production setups, one clear line per problem."""

from __future__ import annotations

from bot.errors import ConfigError
from bot.metrics.site import metrics_problems
from bot.seal.kdf import KdfParams, meets_owasp_minimum
from bot.secret import MIN_SECRET_CHARS
from bot.settings import Settings

# Production writes the counts of statistics at most once an hour (default once a day).
MIN_FLUSH = 60


def production_problems(settings: Settings) -> list[str]:
    """Every reason why these settings are not safe for production (empty if they are)."""
    problems = []
    secret = settings.secret.get_secret_value() if settings.secret else ""
    if len(secret) < MIN_SECRET_CHARS:
        problems.append(
            f"MELDWIJZER_SECRET is missing or shorter than {MIN_SECRET_CHARS} characters"
        )
    if not settings.public_url or not settings.public_url.startswith("https://"):
        problems.append("MELDWIJZER_PUBLIC_URL must be an https:// address")
    if settings.teams_enabled and not settings.teams_app_id:
        problems.append("MELDWIJZER_TEAMS_APP_ID is empty, which turns Teams authentication off")
    if settings.teams_enabled and settings.teams_app_id and not settings.teams_tenant_id:
        problems.append(
            "MELDWIJZER_TEAMS_TENANT_ID is empty, so no notice can reach an adviser in Teams"
        )
    if settings.smtp_security == "none":
        problems.append(
            "MELDWIJZER_SMTP_SECURITY=none would send notices and the SMTP password unencrypted"
        )
    if not kdf_meets_owasp(settings.kdf_memory_kib, settings.kdf_iterations):
        problems.append("MELDWIJZER_KDF_* are below OWASP's Argon2id minimum")
    if settings.notice_every_seconds is not None:
        problems.append(
            "MELDWIJZER_NOTICE_EVERY_SECONDS is for trying things out: a notice soon after a "
            "signal tells the platform when the reporter was active; use MELDWIJZER_NOTICE_TIMES"
        )
    if settings.stats_flush_minutes is not None and settings.stats_flush_minutes < MIN_FLUSH:
        problems.append(
            f"MELDWIJZER_STATS_FLUSH_MINUTES below {MIN_FLUSH}: counts written soon after a "
            "signal group its kinds and role in the database (docs/security.md, Statistics)"
        )
    return problems + mattermost_problems(settings) + metrics_problems(settings)


def mattermost_problems(settings: Settings) -> list[str]:
    """A bot token sent over plain HTTP is the bot; so are callbacks anyone on the path reads."""
    problems = []
    if settings.mattermost_url and not settings.mattermost_url.startswith("https://"):
        problems.append("MELDWIJZER_MATTERMOST_URL must be an https:// address")
    if settings.mattermost_url and not settings.mattermost_token:
        problems.append("MELDWIJZER_MATTERMOST_URL is set but MELDWIJZER_MATTERMOST_TOKEN is empty")
    if settings.mattermost_token and not settings.mattermost_url:
        problems.append("MELDWIJZER_MATTERMOST_TOKEN is set but MELDWIJZER_MATTERMOST_URL is empty")
    if settings.mattermost_enabled and not settings.mattermost_callbacks.startswith("https://"):
        problems.append("MELDWIJZER_MATTERMOST_CALLBACK_URL must be an https:// address")
    return problems


def kdf_meets_owasp(memory_kib: int, iterations: int) -> bool:
    """The settings' Argon2id cost against OWASP's minimum (one table, in bot.seal.kdf)."""
    try:
        return meets_owasp_minimum(KdfParams(memory_kib, iterations))
    except ConfigError:
        return False


def check_production(settings: Settings, extra: list[str] | None = None) -> None:
    if not settings.production:
        return
    problems = production_problems(settings) + (extra or [])
    if problems:
        raise ConfigError("refusing to start in production:\n  - " + "\n  - ".join(problems))
