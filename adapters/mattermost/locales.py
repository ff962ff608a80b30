"""The person's locale from their Mattermost profile, remembered briefly in memory only.

Every message would otherwise cost a ``GET /api/v4/users/{id}``; a few minutes of memory
means a person who changes their language in Mattermost sees it within minutes. Bounded,
so strangers writing to the bot cannot grow it; nothing of it is ever stored.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from adapters.mattermost.rest import MattermostApiError

log = logging.getLogger(__name__)

LOCALE_SECONDS = 300.0
LOCALES_KEPT = 1024


class LocaleCache:
    def __init__(
        self,
        fetch: Callable[[str], Awaitable[str | None]],
        *,
        ttl_seconds: float = LOCALE_SECONDS,
        size: int = LOCALES_KEPT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl_seconds
        self._size = size
        self._clock = clock
        self._kept: OrderedDict[str, tuple[float, str | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._kept)

    async def locale(self, user_id: str) -> str | None:
        """The user's locale, or None (unknown, or the server could not say just now)."""
        now = self._clock()
        kept = self._kept.get(user_id)
        if kept is not None and now - kept[0] < self._ttl:
            self._kept.move_to_end(user_id)
            return kept[1]
        try:
            locale = await self._fetch(user_id)
        except MattermostApiError as exc:
            # The core then uses the language already chosen, or Dutch; not remembered.
            log.warning("mattermost locale not read: %s", type(exc).__name__)
            return None
        self._kept[user_id] = (now, locale)
        self._kept.move_to_end(user_id)
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)
        return locale
