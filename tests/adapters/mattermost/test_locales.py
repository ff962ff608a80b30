"""The locale cache: asked once per person for a while, bounded, failures not remembered."""

from __future__ import annotations

from adapters.mattermost.locales import LocaleCache
from adapters.mattermost.rest import MattermostApiError


class Profiles:
    """The far side: what ``GET /api/v4/users/{id}`` would answer, and how often it was asked."""

    def __init__(self) -> None:
        self.locales = {"u1": "en", "u2": "nl"}
        self.asked: list[str] = []
        self.down = False

    async def locale(self, user_id: str) -> str | None:
        self.asked.append(user_id)
        if self.down:
            raise MattermostApiError("mattermost user: unreachable", status=None, retryable=True)
        return self.locales.get(user_id)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_asked_once_until_the_time_is_up() -> None:
    profiles, clock = Profiles(), Clock()
    cache = LocaleCache(profiles.locale, ttl_seconds=300, clock=clock)
    assert await cache.locale("u1") == "en"
    profiles.locales["u1"] = "nl"
    assert await cache.locale("u1") == "en"
    clock.now += 301
    assert await cache.locale("u1") == "nl"
    assert profiles.asked == ["u1", "u1"]


async def test_bounded_oldest_first() -> None:
    profiles = Profiles()
    cache = LocaleCache(profiles.locale, size=2)
    for user in ("u1", "u2", "u3"):
        await cache.locale(user)
    assert len(cache) == 2
    await cache.locale("u1")
    assert profiles.asked == ["u1", "u2", "u3", "u1"]


async def test_a_server_that_cannot_answer_gives_none_and_is_asked_again() -> None:
    profiles = Profiles()
    profiles.down = True
    cache = LocaleCache(profiles.locale)
    assert await cache.locale("u1") is None
    profiles.down = False
    assert await cache.locale("u1") == "en"
