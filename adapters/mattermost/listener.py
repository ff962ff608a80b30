"""What the websocket delivers, turned into turns of the core and answered over REST.

Every channel is handled in order (a person's second message waits for the answer to the
first), different channels at once, a few turns at a time: :class:`ChannelTurns`. Every post
is claimed once in the shared store before it is answered, so a replayed event, a REST
catch-up overlapping the websocket and two replicas overlapping during a takeover answer
it once. The turn itself, with its apology when the core fails, is ``MattermostTurn``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Protocol

from adapters.mattermost.events import PostedMessage, from_event, from_post, to_incoming
from adapters.mattermost.locales import LocaleCache
from adapters.mattermost.rest import BotAccount, MattermostApi, MattermostApiError
from adapters.mattermost.turn import MattermostTurn
from adapters.mattermost.turns import ChannelTurns
from bot.core import Channel, Incoming, Kind, language_of

log = logging.getLogger(__name__)

# Events missed while disconnected are looked for this far before the last one seen: clocks
# of the server and its database differ a little, and a takeover takes up to half a minute.
CATCH_UP_MARGIN_MS = 120_000
# A post is remembered (as an HMAC) long enough to outlive any replay or catch-up window.
POST_MEMORY = timedelta(hours=6)
# A catch-up never looks further back than this, however long ago this listener last saw a
# post (a standby may wait days before it takes over): a post answered before the window
# may have had its claim forgotten, and would be answered again. Longer outages lose what
# came before; half the memory leaves room for the clocks of replicas and server.
CATCH_UP_LIMIT_MS = int(POST_MEMORY.total_seconds() * 1000) // 2
DIRECT = "D"

POINTER = {
    "nl": "Ik antwoord alleen in een privébericht, zodat niemand anders meeleest. "
    "Ik heb je daar een bericht gestuurd.",
    "en": "I only answer in a direct message, so nobody else reads along. "
    "I have sent you a message there.",
}


class Claims(Protocol):
    """The shared single-use store (``OnceStore``)."""

    async def claim(self, kind: str, value: str, ttl: timedelta) -> bool: ...


class MattermostListener:
    """The websocket's handler: ``posted`` events in, answers out."""

    def __init__(
        self,
        turn: MattermostTurn,
        api: MattermostApi,
        bot: BotAccount,
        *,
        claims: Claims,
        turns: ChannelTurns | None = None,
        locales: LocaleCache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._turn = turn
        self._api = api
        self._bot = bot
        self._claims = claims
        self._turns = turns or ChannelTurns()
        self._locales = locales or LocaleCache(api.user_locale)
        self._clock = clock
        # Nothing seen yet (None): a catch-up looks back as far as it safely can.
        self._last_seen_ms: int | None = None

    async def on_hello(self, *, first: bool, resumed: bool) -> None:
        """A new connection may have missed events (a resumed one had them replayed).

        Also on the first connection of this process, looking back ``CATCH_UP_LIMIT_MS``:
        when another replica was listening until a moment ago, what was posted during the
        takeover is answered here, and so is what was posted while no replica ran (a
        restart, a deploy); what was answered already is claimed and so skipped.
        """
        if resumed:
            return
        oldest = int(self._clock() * 1000) - CATCH_UP_LIMIT_MS
        seen = self._last_seen_ms
        since = oldest if seen is None else max(seen - CATCH_UP_MARGIN_MS, oldest)
        try:
            channels = await self._api.direct_channels_active_since(since)
            for channel_id in channels:
                posts = await self._api.posts_since(channel_id, since)
                for post in sorted(posts, key=_created):
                    message = from_post(post, DIRECT, self._bot)
                    # ``since`` lists posts *changed* since, and a reply in an old post's
                    # thread moves that post's update_at (the post store's SaveMultiple,
                    # "UPDATE Posts SET UpdateAt … WHERE Id = rootId"): a post created
                    # before the window is left alone, its claim may be gone.
                    if message is not None and message.create_at >= since:
                        await self._schedule(message)
        except MattermostApiError as exc:
            log.warning("mattermost catch-up failed: %s", _described(exc))

    async def on_event(self, event: Mapping[str, Any]) -> None:
        message = from_event(event, self._bot)
        if message is None:
            return
        await self._schedule(message)

    async def wait_idle(self) -> None:
        """Until every post handed over so far is answered (or skipped)."""
        await self._turns.wait_idle()

    async def close(self) -> None:
        await self._turns.close()

    async def _schedule(self, message: PostedMessage) -> None:
        self._last_seen_ms = max(self._last_seen_ms or 0, message.create_at)
        # A DM is one person's; in a shared channel each person who mentions the bot gets
        # their own line, so one of them flooding it cannot use up the others' share.
        key = message.channel_id if message.direct else f"{message.channel_id}/{message.user_id}"
        await self._turns.submit(key, lambda: self._answer_once(message))

    async def _answer_once(self, message: PostedMessage) -> None:
        if not await self._claims.claim("post", message.post_id, POST_MEMORY):
            return
        locale = await self._locales.locale(message.user_id)
        if message.direct:
            await self._turn.run(to_incoming(message, locale))
        elif message.mentioned:
            await self._point_to_direct_message(message, locale)

    async def _point_to_direct_message(self, message: PostedMessage, locale: str | None) -> None:
        """Never an answer in a channel: a short note only the person sees, then the DM."""
        lang = language_of(locale) or "nl"
        try:
            await self._api.ephemeral_post(message.user_id, message.channel_id, POINTER[lang])
        except MattermostApiError as exc:
            # Ephemeral posts need create_post_ephemeral, by default a system admin's
            # permission only (API reference, "Create a ephemeral post"): the DM below is
            # the pointer then.
            log.info("mattermost ephemeral pointer not posted: %s", _described(exc))
        try:
            direct = await self._api.direct_channel(message.user_id)
        except MattermostApiError as exc:
            log.warning("mattermost pointer to a direct message failed: %s", _described(exc))
            return
        welcome = Incoming(
            channel=Channel.MATTERMOST,
            conversation=direct,
            kind=Kind.START,
            sender=message.user_id,
            locale=locale,
        )
        await self._turn.run(welcome)


def _created(post: Mapping[str, Any]) -> int:
    created = post.get("create_at")
    return created if isinstance(created, int) else 0


def _described(exc: MattermostApiError) -> str:
    """Type and status only: a REST error's text may quote the request."""
    status = f"HTTP {exc.status}" if exc.status is not None else "no response"
    return f"{type(exc).__name__} ({status})"
