"""Wire the Mattermost channel into the aiohttp app: one call from ``create_app``.

Every replica serves the callbacks (buttons, dialogs, the slash command: plain HTTP) and
sends notices; only the one holding the listener lock keeps the websocket open. Before any
of that, the bot's token is tried once (``GET /api/v4/users/me``): a refused token is one
clear log line and ``"unauthorized"`` in ``/healthz``, never a crash loop, so the web chat
and Teams keep serving while an admin fixes it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.mattermost.driver_rest import DriverApi
from adapters.mattermost.listener import MattermostListener
from adapters.mattermost.mounting import ACTIONS_PATH, mount_callbacks
from adapters.mattermost.notices import MattermostNoticeChannel
from adapters.mattermost.once import OnceStore
from adapters.mattermost.rest import (
    BotAccount,
    MattermostApi,
    MattermostApiError,
    ssl_context_for,
)
from adapters.mattermost.signing import CallbackSigner
from adapters.mattermost.turn import MattermostTurn, TurnHandler
from adapters.mattermost.websocket import MattermostSocket
from bot.errors import ConfigError, StorageError
from bot.leadership import ListenerLock
from bot.settings import Settings
from bot.stopping import Stopping, looping

log = logging.getLogger(__name__)

LOCK_NAME = "meldwijzer mattermost listener"
# A server that is down when we start is tried again, slower and slower, up to this often.
STARTUP_RETRY_MAX_SECONDS = 60.0
PURGE_EVERY_SECONDS = 600
UNAUTHORIZED_PAUSE_SECONDS = 3600


class MattermostChannel:
    """What ``setup_mattermost`` built: the notice channel, health, and the listener task."""

    def __init__(
        self,
        api: MattermostApi,
        settings: Settings,
        *,
        turn: MattermostTurn,
        once: OnceStore,
        lock: ListenerLock,
    ) -> None:
        self.api = api
        self.notices = MattermostNoticeChannel(api)
        self._settings = settings
        self._turn = turn
        self._once = once
        self._lock = lock
        self._state = "starting"
        self.bot: BotAccount | None = None
        self.listener: MattermostListener | None = None
        self.socket: MattermostSocket | None = None

    def health(self) -> dict[str, Any]:
        """For ``/healthz``: the role of this replica and the state of its websocket."""
        socket = (
            self.socket.state if self.socket is not None and self._state == "ready" else self._state
        )
        listener = "stopped" if self._state in ("unauthorized", "refused") else self._lock.role
        return {"mattermost": {"listener": listener, "socket": socket}}

    async def run(self, stopping: Stopping) -> None:
        """Check the token, then listen while this replica holds the lock (until stopped)."""
        try:
            await self._run(stopping)
        except Exception as exc:  # the task of the app's lifetime must say why it ended
            self._state = "failed"
            log.error("mattermost listener stopped: %s", type(exc).__name__)

    async def _run(self, stopping: Stopping) -> None:
        bot = await self._check_token(stopping)
        if bot is None:
            return
        self.bot = bot
        self._state = "ready"
        self.listener = MattermostListener(self._turn, self.api, bot, claims=self._once)
        url = _setting(self._settings.mattermost_url)
        tls = (
            ssl_context_for(self._settings.mattermost_ca_file) if url.startswith("https:") else None
        )
        self.socket = MattermostSocket(url, _token(self._settings), self.listener, ssl_context=tls)
        socket = self.socket

        async def listen() -> None:
            await socket.run()
            # A refused token stays refused: hold the lock quietly rather than have it
            # start the socket again every few seconds, each time with the same error.
            while socket.state == "unauthorized" and not stopping.requested:
                await stopping.pause(UNAUTHORIZED_PAUSE_SECONDS)

        await self._lock.run_while_leading(listen, stopping)

    async def stop_listening(self) -> None:
        if self.listener is not None:
            await self.listener.close()

    async def _check_token(self, stopping: Stopping) -> BotAccount | None:
        wait = 1.0
        while not stopping.requested:
            try:
                return await self.api.me()
            except MattermostApiError as exc:
                if exc.status == 401:
                    self._state = "unauthorized"
                    log.error(
                        "mattermost refused the bot token (HTTP 401): create a new access "
                        "token for the bot account and set MELDWIJZER_MATTERMOST_TOKEN; the "
                        "Mattermost channel is off until then"
                    )
                    return None
                if exc.code == "tls" or not exc.retryable:
                    # The same request meets the same answer: say it once, do not loop.
                    self._state = "refused"
                    log.error(
                        "mattermost startup check failed (%s, %s): check MELDWIJZER_MATTERMOST_URL"
                        ", the bot account and MELDWIJZER_MATTERMOST_CA_FILE; the Mattermost "
                        "channel is off until then",
                        exc.code or "error",
                        f"HTTP {exc.status}" if exc.status is not None else "no response",
                    )
                    return None
                self._state = "unreachable"
                status = f"HTTP {exc.status}" if exc.status is not None else "no response"
                log.warning("mattermost server not reachable (%s), trying again", status)
            # Full jitter, so replicas restarted together do not knock at once.
            await stopping.pause(random.uniform(0, wait))  # noqa: S311 (not cryptographic)
            wait = min(wait * 2, STARTUP_RETRY_MAX_SECONDS)
        return None


MATTERMOST_CHANNEL = web.AppKey("mattermost_channel", MattermostChannel)


def setup_mattermost(
    app: web.Application,
    handler: TurnHandler,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    secret: bytes,
) -> MattermostChannel:
    """Mount the callbacks, build the REST client, and listen for the app's lifetime."""
    api = DriverApi(
        _setting(settings.mattermost_url), _token(settings), ca_file=settings.mattermost_ca_file
    )
    once = OnceStore(sessions, secret)
    signer = CallbackSigner(secret)
    turn = MattermostTurn(
        handler, api, signer, actions_url=settings.mattermost_callbacks + ACTIONS_PATH
    )
    lock = ListenerLock(settings.database_url, LOCK_NAME)
    channel = MattermostChannel(api, settings, turn=turn, once=once, lock=lock)
    mount_callbacks(app, handler, settings, api=api, once=once, signer=signer)
    if settings.mattermost_command_token is None:
        log.info("no MELDWIJZER_MATTERMOST_COMMAND_TOKEN: the /meldwijzer command is off")

    async def lifetime(_app: web.Application) -> AsyncIterator[None]:
        stopping = Stopping()
        async with looping(
            channel.run(stopping), _forget_expired(once, stopping), stopping=stopping
        ):
            yield
        await channel.stop_listening()

    async def close(_app: web.Application) -> None:
        # After every cleanup context: the outbox's last round may still send a notice.
        await api.close()

    app.cleanup_ctx.append(lifetime)
    app.on_cleanup.append(close)
    app[MATTERMOST_CHANNEL] = channel
    return channel


async def _forget_expired(once: OnceStore, stopping: Stopping) -> None:
    """Claims past their expiry (answered posts, pressed buttons) are deleted, not kept."""
    while not stopping.requested:
        try:
            await once.purge()
        except StorageError as exc:
            log.warning("mattermost single-use purge failed: %s", type(exc).__name__)
        await stopping.pause(PURGE_EVERY_SECONDS)


def _setting(value: str | None) -> str:
    if not value:
        raise ConfigError("MELDWIJZER_MATTERMOST_URL: required for the Mattermost channel")
    return value


def _token(settings: Settings) -> str:
    if settings.mattermost_token is None:
        raise ConfigError("MELDWIJZER_MATTERMOST_TOKEN: required for the Mattermost channel")
    return settings.mattermost_token.get_secret_value()
