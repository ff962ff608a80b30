"""The web chat's routes and ``setup_webchat``, the one call that adds them to an app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from aiohttp import web

from adapters.webchat.boundary import add_security_headers, webchat_error_boundary
from adapters.webchat.problems import WebchatProblem
from adapters.webchat.rate_limit import TurnRateLimiter
from adapters.webchat.request_body import body_limit_for, read_json_object
from adapters.webchat.static_files import StaticFiles
from adapters.webchat.tokens import is_well_formed, issue_token
from adapters.webchat.wire import message_incoming, replies_json, start_incoming
from bot.core import Incoming, Reply

CONVERSATIONS = "/api/webchat/conversations"
MESSAGES = "/api/webchat/conversations/{token}/messages"
HEALTH = "/healthz"


class TurnHandler(Protocol):
    """The core as the web chat sees it: one event in, the replies out."""

    async def handle(self, incoming: Incoming) -> Sequence[Reply]: ...


class ConversationApi:
    """``POST`` handlers that turn JSON bodies into turns of the core."""

    def __init__(
        self, handler: TurnHandler, *, max_message_chars: int, limiter: TurnRateLimiter
    ) -> None:
        self._handler = handler
        self._max_message_chars = max_message_chars
        self._body_limit = body_limit_for(max_message_chars)
        self._limiter = limiter

    async def start(self, request: web.Request) -> web.Response:
        body = await read_json_object(request, self._body_limit)
        token = issue_token()
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
        if not is_well_formed(token):
            raise WebchatProblem(404, "not_found")
        if not self._limiter.allow(token):
            raise WebchatProblem(429, "rate_limited")
        body = await read_json_object(request, self._body_limit)
        replies = await self._handler.handle(message_incoming(body, token))
        return web.json_response({"replies": replies_json(replies)})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def setup_webchat(
    app: web.Application,
    handler: TurnHandler,
    *,
    max_message_chars: int,
    limiter: TurnRateLimiter | None = None,
) -> None:
    """Add the page, its files, the conversation API and ``/healthz`` (unless present)."""
    api = ConversationApi(
        handler, max_message_chars=max_message_chars, limiter=limiter or TurnRateLimiter()
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
