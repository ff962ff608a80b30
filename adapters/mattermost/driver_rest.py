""":class:`MattermostApi` over mattermostdriver's REST endpoints (its websocket is never used).

mattermostdriver is synchronous (``requests``), so every call runs in a small, bounded
thread pool through ``loop.run_in_executor``: the event loop never waits on the network, and
at most ``workers`` calls are in flight. Waits between retries happen on the event loop
(``rest_retry``), not in a worker thread.

The driver's HTTP client is replaced by ``driver_client.QuietClient``, which logs nothing
of the server's answers and raises :class:`MattermostApiError` with a short code.
"""

from __future__ import annotations

import asyncio
import functools
import re
import secrets
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar, cast

from mattermostdriver import Driver

from adapters.mattermost.driver_client import QuietClient, driver_options
from adapters.mattermost.http_log import hide_ids_in_http_logs
from adapters.mattermost.rest import BotAccount, MattermostApiError
from adapters.mattermost.rest_retry import RestRetry, call_with_retry

T = TypeVar("T")
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
# Mattermost ids are 26 characters of [a-z0-9] (server/public/model/utils.go, IsValidId);
# an id that goes into a URL path is checked first, so no input can steer the path.
_MATTERMOST_ID = re.compile(r"[a-z0-9]{26}")


def path_id(value: str) -> str:
    if not _MATTERMOST_ID.fullmatch(value):
        raise MattermostApiError("not a Mattermost id", status=None, retryable=False, code="bad_id")
    return value


def new_pending_post_id() -> str:
    """A fresh id in Mattermost's own id shape (26 of [a-z0-9])."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(26))


class DriverApi:
    """Implements ``adapters.mattermost.rest.MattermostApi`` as the bot account."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        ca_file: Path | None,
        workers: int = 4,
        retry: RestRetry = RestRetry(),  # noqa: B008 - frozen value
    ) -> None:
        hide_ids_in_http_logs()
        options = driver_options(url, token, ca_file=ca_file, timeout=retry.timeout)
        options["pool_size"] = workers
        self._driver = Driver(options, client_cls=QuietClient)
        # login() would fetch users/me in this thread; the token is all the client needs.
        self._driver.client.token = token
        self._retry = retry
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mattermost")
        self._bot: BotAccount | None = None

    async def _call(self, label: str, work: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()

        async def once() -> T:
            return await loop.run_in_executor(self._executor, work)

        try:
            return await call_with_retry(once, self._retry)
        except MattermostApiError as exc:
            raise MattermostApiError(
                f"mattermost {label}: {exc}",
                status=exc.status,
                retryable=exc.retryable,
                retry_after=exc.retry_after,
                code=exc.code,
            ) from None

    async def me(self) -> BotAccount:
        if self._bot is None:
            user = await self._call("me", functools.partial(self._driver.users.get_user, "me"))
            self._bot = BotAccount(user_id=str(user["id"]), username=str(user["username"]))
        return self._bot

    async def user_locale(self, user_id: str) -> str | None:
        user = await self._call(
            "user", functools.partial(self._driver.users.get_user, path_id(user_id))
        )
        locale = user.get("locale") if isinstance(user, dict) else None
        return locale if isinstance(locale, str) and locale else None

    async def direct_channel(self, user_id: str) -> str:
        bot = await self.me()
        create = self._driver.channels.create_direct_message_channel
        channel = await self._call(
            "direct_channel", functools.partial(create, [bot.user_id, user_id])
        )
        return str(channel["id"])

    async def create_post(
        self,
        channel_id: str,
        message: str,
        props: Mapping[str, Any] | None = None,
        *,
        pending_post_id: str | None = None,
    ) -> str:
        # Always a pending id: the server then recognises our own retry after a lost answer
        # (it remembers pending ids for 30 s, server/channels/app/post.go).
        body: dict[str, Any] = {
            "channel_id": channel_id,
            "message": message,
            "pending_post_id": pending_post_id or new_pending_post_id(),
        }
        if props is not None:
            body["props"] = dict(props)
        post = await self._call(
            "create_post", functools.partial(self._driver.posts.create_post, body)
        )
        return str(post["id"])

    async def ephemeral_post(self, user_id: str, channel_id: str, message: str) -> None:
        body = {"user_id": user_id, "post": {"channel_id": channel_id, "message": message}}
        await self._call(
            "ephemeral_post", functools.partial(self._driver.posts.create_ephemeral_post, body)
        )

    async def patch_post(
        self,
        post_id: str,
        *,
        message: str | None = None,
        props: Mapping[str, Any] | None = None,
    ) -> None:
        body: dict[str, Any] = {}
        if message is not None:
            body["message"] = message
        if props is not None:
            body["props"] = dict(props)
        await self._call(
            "patch_post", functools.partial(self._driver.posts.patch_post, path_id(post_id), body)
        )

    async def post(self, post_id: str) -> Mapping[str, Any]:
        found = await self._call(
            "post", functools.partial(self._driver.posts.get_post, path_id(post_id))
        )
        return cast(Mapping[str, Any], found)

    async def direct_channels_active_since(self, since_ms: int) -> list[str]:
        bot = await self.me()
        # GET /api/v4/users/{user_id}/channels: all teams' channels (server 6.1+); the driver
        # has no method for it, so its client is asked directly.
        path = f"/users/{path_id(bot.user_id)}/channels"
        channels = await self._call("channels", functools.partial(self._driver.client.get, path))
        return [
            str(channel["id"])
            for channel in channels
            if channel.get("type") == "D"
            and not channel.get("delete_at")
            and int(channel.get("last_post_at") or 0) >= since_ms
        ]

    async def posts_since(self, channel_id: str, since_ms: int) -> list[Mapping[str, Any]]:
        fetch = functools.partial(
            self._driver.posts.get_posts_for_channel,
            path_id(channel_id),
            params={"since": since_ms},
        )
        answer = await self._call("posts_since", fetch)
        posts = list((answer.get("posts") or {}).values())
        return sorted(
            posts, key=lambda post: (int(post.get("create_at") or 0), str(post.get("id")))
        )

    async def open_dialog(self, trigger_id: str, url: str, dialog: Mapping[str, Any]) -> None:
        body = {"trigger_id": trigger_id, "url": url, "dialog": dict(dialog)}
        await self._call(
            "open_dialog", functools.partial(self._driver.integration_actions.open_dialog, body)
        )

    async def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._driver.client.close()
