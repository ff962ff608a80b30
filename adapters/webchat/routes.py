"""The web chat's routes and ``setup_webchat``, the one call that adds them to an app."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Sequence
from typing import Protocol

from aiohttp import web

from adapters.webchat.boundary import add_security_headers, webchat_error_boundary
from adapters.webchat.problems import WebchatProblem
from adapters.webchat.rate_limit import Admission, TurnLimit, TurnRateLimiter
from adapters.webchat.request_body import (
    DEFAULT_BODY_TIMEOUT_SECONDS,
    body_limit_for,
    read_json_object,
)
from adapters.webchat.static_files import StaticFiles
from adapters.webchat.tokens import ConversationTokens, Standing
from adapters.webchat.wire import message_incoming, replies_json, start_incoming
from bot.core import Incoming, Reply
from bot.errors import ServerBusy
from bot.throttle import TokenBucket

CONVERSATIONS = "/api/webchat/conversations"
MESSAGES = "/api/webchat/conversations/{token}/messages"
HEALTH = "/healthz"
# A new conversation costs a database write and a turn of the core, with nobody to count
# it against; the default bucket, should the app not pass one, is generous for one process.
DEFAULT_NEW_CONVERSATIONS_PER_MINUTE = 300
DEFAULT_NEW_CONVERSATIONS_BURST = 60
# A limit its database could not check: ask again soon, the database may be back.
UNCHECKED_RETRY_SECONDS = 5


class TurnHandler(Protocol):
    """The core as the web chat sees it: one event in, the replies out."""

    async def handle(self, incoming: Incoming) -> Sequence[Reply]: ...


class ConversationApi:
    """``POST`` handlers that turn JSON bodies into turns of the core."""

    def __init__(
        self,
        handler: TurnHandler,
        *,
        max_message_chars: int,
        limiter: TurnLimit,
        new_conversations: Admission,
        body_timeout_seconds: float,
        tokens: ConversationTokens,
    ) -> None:
        self._handler = handler
        self._max_message_chars = max_message_chars
        self._body_limit = body_limit_for(max_message_chars)
        self._limiter = limiter
        self._new_conversations = new_conversations
        self._body_timeout = body_timeout_seconds
        self._tokens = tokens

    async def start(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        # Only starting draws from the bucket: a turn in an existing conversation (and so
        # follow-up with a receipt) never waits for strangers' new conversations.
        await self._draw_a_new_conversation()
        token = self._tokens.issue()
        replies = await self._handler.handle(start_incoming(body, token))
        payload = {
            "conversation": token,
            "replies": replies_json(replies),
            # The page shows how much room is left; the core still answers an
            # over-long message itself.
            "limits": {"max_message_chars": self._max_message_chars},
        }
        return web.json_response(payload, status=201)

    async def message(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        standing = self._tokens.standing(token)
        if standing is Standing.UNKNOWN:
            raise WebchatProblem(404, "not_found")
        if not await self._checked(self._limiter.allow(token)):
            raise WebchatProblem(429, "rate_limited")
        body = await self._body(request)
        if standing is Standing.LAPSED:
            # Its conversation may have expired, and the core would start a fresh one:
            # a token kept from earlier costs what a new conversation costs.
            await self._draw_a_new_conversation()
        replies = await self._handler.handle(message_incoming(body, token))
        return web.json_response({"replies": replies_json(replies)})

    async def _draw_a_new_conversation(self) -> None:
        if not await self._checked(self._new_conversations.take()):
            wait = math.ceil(self._new_conversations.seconds_until_next())
            raise WebchatProblem(503, "busy", retry_after=max(1, wait))

    @staticmethod
    async def _checked(check: Awaitable[bool]) -> bool:
        """A limit that cannot be checked refuses as "busy": no turn happens without it."""
        try:
            return await check
        except ServerBusy:
            raise WebchatProblem(503, "busy", retry_after=UNCHECKED_RETRY_SECONDS) from None

    async def _body(self, request: web.Request) -> dict[str, object]:
        return await read_json_object(request, self._body_limit, self._body_timeout)


async def health(_request: web.Request) -> web.Response:
    """Liveness of the web chat alone; the whole app mounts its own first (bot/health.py)."""
    return web.json_response({"status": "ok"})


def setup_webchat(
    app: web.Application,
    handler: TurnHandler,
    *,
    max_message_chars: int,
    limiter: TurnLimit | None = None,
    new_conversations: Admission | None = None,
    body_timeout_seconds: float = DEFAULT_BODY_TIMEOUT_SECONDS,
    tokens: ConversationTokens | None = None,
) -> None:
    """Add the page, its files, the conversation API and ``/healthz`` (unless present).

    ``limiter`` counts turns per conversation and ``new_conversations`` is the bucket that
    starting a conversation draws from (in this process unless given: ``bot.app`` passes
    the ones all replicas share); ``body_timeout_seconds`` bounds reading one request body.
    ``tokens`` issues and recognises conversation tokens: replicas must share one made from
    the server secret.
    """
    api = ConversationApi(
        handler,
        max_message_chars=max_message_chars,
        limiter=limiter or TurnRateLimiter(),
        new_conversations=new_conversations
        or TokenBucket(DEFAULT_NEW_CONVERSATIONS_PER_MINUTE, DEFAULT_NEW_CONVERSATIONS_BURST),
        body_timeout_seconds=body_timeout_seconds,
        tokens=tokens or ConversationTokens.for_this_process(),
    )
    files = StaticFiles.from_package()
    app.router.add_get("/", files.page)
    app.router.add_get("/static/{name}", files.file)
    app.router.add_post(CONVERSATIONS, api.start)
    app.router.add_post(MESSAGES, api.message)
    if not _has_route(app, HEALTH):
        app.router.add_get(HEALTH, health)
    app.middlewares.append(webchat_error_boundary)
    app.on_response_prepare.append(add_security_headers)


def _has_route(app: web.Application, path: str) -> bool:
    return any(resource.canonical == path for resource in app.router.resources())
