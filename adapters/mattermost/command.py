"""``POST /api/mattermost/command``: the ``/meldwijzer`` slash command.

The server POSTs the command form-encoded (``channel_id``, ``team_id``, ``text``,
``token``, ``trigger_id``, ``user_id``, ``user_name``, …) with the token also in
``Authorization: Token …``, and waits ``OutgoingIntegrationRequestsTimeout`` for the JSON
answer (``DoCommandRequest``, server/channels/app/command.go); ``response_type:
"ephemeral"`` shows it to the person who typed it only
(developers.mattermost.com/integrate/slash-commands/custom). We answer well inside the 3 s
Slack-compatible commands are held to, and the real work (opening the DM, the core's
welcome) runs afterwards in a background task this object tracks, bounds and ends at
cleanup.

Whatever the command was typed in (a channel, a group), the conversation happens in the
bot's direct message with that person: nothing of it is ever posted where others can read.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Sequence

from aiohttp import web

from adapters.mattermost.request_body import (
    CallbackRejected,
    problem_response,
    read_form,
    text_field,
)
from adapters.mattermost.rest import MattermostApi, MattermostApiError
from adapters.mattermost.turn import MattermostTurn
from bot.core import Channel, Incoming, Kind

log = logging.getLogger(__name__)

COMMAND_PATH = "/api/mattermost/command"
# Welcomes being prepared at once; more are refused politely, never queued without bound.
MAX_PENDING = 32
CLOSE_GRACE_SECONDS = 5.0

ANSWERS = {
    "started": "Ik heb je een direct bericht gestuurd. / I have sent you a direct message.",
    "busy": "Het is nu erg druk. Probeer het over een minuut opnieuw. / "
    "It is very busy right now. Please try again in a minute.",
}


class SlashCommand:
    """Answers the command ephemerally and posts the welcome to the DM in the background."""

    def __init__(
        self,
        turn: MattermostTurn,
        api: MattermostApi,
        tokens: str | Sequence[str],
        *,
        max_pending: int = MAX_PENDING,
    ) -> None:
        """``tokens``: one per team (each team's slash command has its own)."""
        tokens = (tokens,) if isinstance(tokens, str) else tuple(tokens)
        if not tokens or not all(tokens):
            raise ValueError("the slash command needs its token")
        self._turn = turn
        self._api = api
        self._tokens = tuple(token.encode() for token in tokens)
        self._max_pending = max_pending
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def on_command(self, request: web.Request) -> web.Response:
        try:
            fields = await read_form(request)
            given = fields.get("token") or _header_token(request)
            # Constant time, and every token compared, so the answer's timing tells
            # nothing about any of them.
            if not _any_matches(given.encode(), self._tokens):
                raise CallbackRejected(401, "unauthorized")
            user = text_field(fields, "user_id")
        except CallbackRejected as rejected:
            return problem_response(rejected.status, rejected.code)
        if len(self._tasks) >= self._max_pending:
            return _ephemeral(ANSWERS["busy"])
        task = asyncio.create_task(self._welcome(user))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return _ephemeral(ANSWERS["started"])

    async def wait_idle(self) -> None:
        """Until every welcome started so far has been posted (tests, a graceful stop)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def close(self, grace_seconds: float = CLOSE_GRACE_SECONDS) -> None:
        """Give running welcomes a moment, then cancel what is left and wait for it."""
        if self._tasks and grace_seconds > 0:
            await asyncio.wait(set(self._tasks), timeout=grace_seconds)
        for task in set(self._tasks):
            task.cancel()
        for task in set(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _welcome(self, user: str) -> None:
        try:
            channel = await self._api.direct_channel(user)
            locale = await self._locale(user)
            incoming = Incoming(
                channel=Channel.MATTERMOST,
                conversation=channel,
                kind=Kind.START,
                sender=user,
                locale=locale,
            )
            await self._turn.run(incoming)
        except MattermostApiError as exc:
            log.warning("mattermost welcome not delivered: HTTP %s", exc.status)
        except Exception as exc:  # a background task must say why it ended, type only
            log.error("mattermost welcome failed: %s", type(exc).__name__)

    async def _locale(self, user: str) -> str | None:
        try:
            return await self._api.user_locale(user)
        except MattermostApiError:
            return None


def _header_token(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "token" else ""


def _ephemeral(text: str) -> web.Response:
    return web.json_response({"response_type": "ephemeral", "text": text})


def add_command_route(app: web.Application, command: SlashCommand) -> None:
    """Mount the command and end its background tasks when the app shuts down."""
    app.router.add_post(COMMAND_PATH, command.on_command)

    async def finish(_app: web.Application) -> None:
        await command.close()

    app.on_cleanup.append(finish)


def _any_matches(given: bytes, tokens: tuple[bytes, ...]) -> bool:
    matches = [hmac.compare_digest(given, token) for token in tokens]
    return any(matches)
