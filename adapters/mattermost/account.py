"""Who the bot is on the Mattermost server (from ``GET /api/v4/users/me``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BotAccount:
    user_id: str
    username: str
