"""The signing keys the SDK checks Teams tokens with, kept fresh off the request path.

Why: the SDK's own cache, ``_OpenIdMetadata`` (``botframework/connector/auth/
jwt_token_extractor.py``, botframework-connector 4.17.1, archived), refreshes inside the
request with ``requests.get``: synchronous and without a timeout, so one forged token held the
whole event loop for as long as the key endpoint took, and a failing endpoint was asked again
on every request (``last_updated`` is only set on success).

The hook, in that file: ``JwtTokenExtractor.get_open_id_metadata(url)`` returns the object the
class dict ``JwtTokenExtractor.metadataCache`` holds for the metadata URL, and
``_validate_token`` only calls ``await metadata.get(key_id)`` on it, then reads
``public_key`` and ``endorsements`` of the result. :class:`SigningKeyCache` is such an object
and :class:`SigningKeys` puts one per metadata URL into that dict while the channel lives;
signature, issuer, audience, expiry and endorsement checks stay the SDK's
(``tests/adapters/teams/test_signing_keys.py`` pins the hook).

Rules: one fetch at a time per URL (aiohttp, bounded by ``timeout``), at startup and then
in the background every ``refresh_after`` (a request that finds the keys missing or due
starts one and does not wait for it); a request waits only when its key id is unknown, for
the one refresh allowed per ``unknown_key_interval`` (as the SDK: hourly); after a failure
nothing is fetched before a backoff (doubling up to ``max_backoff``); with no keys at all a
token is refused at once (a 401).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiohttp
from botframework.connector.auth import JwtTokenExtractor

from adapters.teams.signing_keys import VerificationKey, fetch_signing_keys

log = logging.getLogger(__name__)

HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class KeyRefreshPolicy:
    """How often the keys are fetched; ``clock`` is monotonic seconds (tests move it)."""

    timeout: float = 5.0
    # The SDK refreshes keys older than a day; we start half-way there, in the background.
    refresh_after: float = 12 * HOUR
    # "The list of keys is relatively stable and may be cached for long periods of time (by
    # default, 5 days within the Bot Framework SDK)" ("Authentication with the Bot Connector
    # API", step 3); past that, keys a failing endpoint could not renew are dropped.
    max_age: float = 5 * 24 * HOUR
    unknown_key_interval: float = HOUR
    first_backoff: float = 30.0
    max_backoff: float = 15 * 60.0
    clock: Callable[[], float] = time.monotonic

    def backoff(self, failures: int) -> float:
        return float(min(self.first_backoff * 2 ** min(failures - 1, 30), self.max_backoff))


class SigningKeyCache:
    """The keys of one OpenID metadata URL, with the one method the SDK calls."""

    def __init__(self, metadata_url: str, policy: KeyRefreshPolicy) -> None:
        self.url = metadata_url
        self._policy = policy
        self._keys: dict[str, VerificationKey] = {}
        self._fetched_at = -math.inf
        self._not_before = -math.inf
        self._failures = 0
        self._refresh: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    async def get(self, key_id: object) -> VerificationKey:
        """The SDK's call: the key for ``key_id``, or PermissionError (the request gets a 401)."""
        self.start()
        now = self._policy.clock()
        if now - self._fetched_at >= self._policy.max_age:
            self._keys = {}
        if not self._keys or now - self._fetched_at >= self._policy.refresh_after:
            self._refresh_soon(now)
        if not self._keys:
            raise PermissionError("no signing keys yet")
        if not isinstance(key_id, str):
            raise PermissionError("the token names no signing key")
        key = self._keys.get(key_id)
        if key is None:
            pending = self._refresh_soon(now)
            if pending is not None:
                # Shielded: a caller that goes away must not cancel the fetch others share.
                await asyncio.shield(pending)
                key = self._keys.get(key_id)
        if key is None:
            raise PermissionError("unknown signing key")
        return key

    def start(self) -> None:
        """Keep the keys fresh in the background (idempotent; needs the running loop)."""
        if self._closed or (self._keeper is not None and not self._keeper.done()):
            return
        self._keeper = asyncio.get_running_loop().create_task(self._keep_fresh())

    async def first_fetch(self) -> None:
        """Wait for the fetch the start began (it is bounded by the timeout)."""
        self.start()
        pending = self._refresh_soon(self._policy.clock())
        if pending is not None:
            await asyncio.shield(pending)

    async def close(self) -> None:
        self._closed = True
        tasks = [task for task in (self._keeper, self._refresh) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _refresh_soon(self, now: float) -> asyncio.Task[None] | None:
        """The one fetch in flight, a new one if allowed now, else None."""
        if self._refresh is not None and not self._refresh.done():
            return self._refresh
        if now < self._not_before or self._closed:
            return None
        self._refresh = asyncio.get_running_loop().create_task(self._fetch())
        return self._refresh

    async def _keep_fresh(self) -> None:
        while True:
            pending = self._refresh_soon(self._policy.clock())
            if pending is not None:
                await asyncio.shield(pending)
            await asyncio.sleep(self._next_fetch_in())

    def _next_fetch_in(self) -> float:
        now = self._policy.clock()
        due = self._not_before if self._failures else self._fetched_at + self._policy.refresh_after
        return max(due - now, 1.0)

    async def _fetch(self) -> None:
        started = self._policy.clock()
        keys = None
        try:
            async with asyncio.timeout(self._policy.timeout):
                keys = await fetch_signing_keys(self._client(), self.url)
        except TimeoutError:
            log.warning("teams signing keys not refreshed: timed out")
        except Exception as exc:  # a background task: whatever fails, back off and go on
            log.warning("teams signing keys not refreshed: %s", type(exc).__name__)
        now = self._policy.clock()
        if keys is None:
            self._failures += 1
            self._not_before = now + self._policy.backoff(self._failures)
            return
        self._keys, self._fetched_at, self._failures = keys, started, 0
        self._not_before = now + self._policy.unknown_key_interval

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self._policy.timeout)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session


# Every live cache per URL, newest last: the SDK's dict holds the newest, and closing one
# channel hands the URL back to another that still runs.
_INSTALLED: dict[str, list[SigningKeyCache]] = {}


class SigningKeys:
    """One cache per metadata URL of a channel, placed where the SDK looks them up.

    The first URL is the channel's own (Teams tokens); the others (the emulator's, which the
    SDK also uses for skill tokens) are fetched in the background only.
    """

    def __init__(self, metadata_urls: Sequence[str], policy: KeyRefreshPolicy) -> None:
        self._caches = [SigningKeyCache(url, policy) for url in dict.fromkeys(metadata_urls)]
        for cache in self._caches:
            _INSTALLED.setdefault(cache.url, []).append(cache)
            JwtTokenExtractor.metadataCache[cache.url] = cache

    async def start(self) -> None:
        """Start every refresh; wait (bounded by the timeout) for the channel's first one.

        Waiting at startup means the listener opens with keys in hand, so the first Teams
        messages after a (rolling) restart are not refused; a failure is logged and retried
        in the background, and until then tokens get a 401.
        """
        for cache in self._caches:
            cache.start()
        await self._caches[0].first_fetch()

    async def close(self) -> None:
        for cache in self._caches:
            await cache.close()
            live = [other for other in _INSTALLED.pop(cache.url, []) if other is not cache]
            if live:
                _INSTALLED[cache.url] = live
                JwtTokenExtractor.metadataCache[cache.url] = live[-1]
            else:
                JwtTokenExtractor.metadataCache.pop(cache.url, None)
