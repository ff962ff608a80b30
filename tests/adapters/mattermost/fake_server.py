"""A fake Mattermost server for the tests: REST API v4 and the websocket, plain or TLS.

One aiohttp app on 127.0.0.1, port 0. It stores users, channels and posts, answers the REST
calls the adapter makes in the server's shapes (``fake_rest``), runs the websocket with the
server's resume rules (``fake_socket``), and plays the user's side: posting, editing,
pressing buttons, submitting dialogs and typing slash commands, each sent to the bot the way
the server sends it. ``shape_errors`` collects every request that breaks the API reference;
tests assert it stays empty.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import ssl
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from .fake_model import (
    Clock,
    FakeChannel,
    FakeUser,
    Trigger,
    actions_of,
    make_post,
    mentioned_usernames,
    new_id,
)
from .fake_rest import BODY, CALLER, RestApi, app_error, read_json
from .fake_socket import SocketHub
from .fake_tls import TestCertificates, make_certificates

WEBSOCKET_PATH = "/api/v4/websocket"
TEAM_NAME = "overheid"
SLASH_TIMEOUT_SECONDS = 3.0  # slash commands: the server waits 3 s for the first answer
ACTION_TIMEOUT_SECONDS = 30.0  # OutgoingIntegrationRequestsTimeout default
# Props the server keeps from the original post when an action's "update" replaces them.
RETAINED_PROPS = ("from_webhook", "override_username", "override_icon_url")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]


@dataclass
class _Failure:
    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str]
    times: int


@dataclass
class Ephemeral:
    user_id: str
    post: dict[str, Any]


@dataclass
class _State:
    users: dict[str, FakeUser] = field(default_factory=dict)
    channels: dict[str, FakeChannel] = field(default_factory=dict)
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)


class FakeMattermost:
    """The far side of the wire; see the module docstring and fixtures/README.md."""

    def __init__(self, *, tls: bool = False, tmp_path: Path | None = None) -> None:
        if tls and tmp_path is None:
            raise ValueError("a TLS fake needs tmp_path for its CA file")
        self.tls = tls
        self.tmp_path = tmp_path
        self.url = ""
        self.ca_file: Path | None = None
        self.certificates: TestCertificates | None = None
        self.requests: list[Recorded] = []
        self.shape_errors: list[str] = []
        self.opened_dialogs: list[dict[str, Any]] = []
        self.ephemerals: list[Ephemeral] = []
        self.triggers: dict[str, Trigger] = {}
        self.command_token = secrets.token_hex(13)
        self.require_challenge = False
        self.auth_timeout = 5.0  # the server's authCheckInterval
        self.revoked = False
        self.team_id = new_id()
        self._state = _State()
        self._clock = Clock()
        self._failures: list[_Failure] = []
        self._hub = SocketHub(self)
        self._rest = RestApi(self)
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.bot = self._new_user("meldwijzer", locale="nl", is_bot=True)

    # -- lifetime -----------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        self._rest.add_routes(app)
        app.router.add_get(WEBSOCKET_PATH, self._hub.handle)
        context: ssl.SSLContext | None = None
        if self.tls:
            assert self.tmp_path is not None
            self.certificates = make_certificates(self.tmp_path / "fake-mattermost-tls")
            self.ca_file = self.certificates.ca_file
            context = self.certificates.server_context()
        # No access log: it would show channel and post ids among the records tests search.
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"
        self._client = aiohttp.ClientSession()

    async def close(self) -> None:
        await self._hub.drop()
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeMattermost:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()

    # -- people and channels --------------------------------------------------------------

    @property
    def users(self) -> dict[str, FakeUser]:
        return self._state.users

    @property
    def channels(self) -> dict[str, FakeChannel]:
        return self._state.channels

    @property
    def posts(self) -> dict[str, dict[str, Any]]:
        return self._state.posts

    def add_user(self, username: str, *, locale: str = "nl") -> FakeUser:
        return self._new_user(username, locale=locale)

    def _new_user(self, username: str, *, locale: str, is_bot: bool = False) -> FakeUser:
        user = FakeUser(new_id(), username, secrets.token_hex(13), locale, is_bot)
        self.users[user.id] = user
        return user

    def direct_channel_id(self, user: FakeUser) -> str:
        """The bot's DM channel with ``user``, made if new (name: the two ids sorted)."""
        name = "__".join(sorted((self.bot.id, user.id)))
        for channel in self.channels.values():
            if channel.type == "D" and channel.name == name:
                return channel.id
        channel = FakeChannel(
            new_id(), "D", name, "", "", [self.bot.id, user.id], self._clock.now()
        )
        self.channels[channel.id] = channel
        return channel.id

    def channel(self, name: str, members: Iterable[FakeUser]) -> str:
        """An open team channel with these members (the bot added to it if not among them)."""
        ids = [member.id for member in members]
        if self.bot.id not in ids:
            ids.append(self.bot.id)
        found = FakeChannel(new_id(), "O", name, name.title(), self.team_id, ids, self._clock.now())
        self.channels[found.id] = found
        return found.id

    def posts_in(self, channel_id: str) -> list[dict[str, Any]]:
        """Every post of the channel in order, the bot's included (copies)."""
        found = [post for post in self.posts.values() if post["channel_id"] == channel_id]
        return copy.deepcopy(sorted(found, key=lambda post: post["create_at"]))

    # -- tokens, failures, sockets ------------------------------------------------------

    def revoke_token(self) -> None:
        """The bot's token is revoked: REST answers 401; sockets authenticate no more."""
        self.revoked = True

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` requests whose method matches and path fully matches fail."""
        chosen = dict(headers or {})
        if status == 429 and not chosen:
            chosen = {
                "X-Ratelimit-Limit": "10",
                "X-Ratelimit-Remaining": "0",
                "X-Ratelimit-Reset": "1",
                "Retry-After": "1",
            }
        self._failures.append(
            _Failure(method.upper(), re.compile(path_regex), status, chosen, times)
        )

    @property
    def sockets_open(self) -> int:
        return len(self._hub.open)

    @property
    def connections_total(self) -> int:
        return self._hub.total

    @property
    def frames_sent(self) -> list[dict[str, Any]]:
        """Every frame the server wrote to any socket, in order."""
        return self._hub.frames_sent

    async def drop_sockets(self) -> None:
        """The server closes every socket; it keeps the connections, so resume works."""
        await self._hub.drop()

    def forget_connections(self) -> None:
        """As after a server restart: the next reconnect gets a new connection id."""
        self._hub.forget()

    def user_for_token(self, token: str) -> FakeUser | None:
        for user in self.users.values():
            if secrets.compare_digest(user.token, token):
                return None if user is self.bot and self.revoked else user
        return None

    def user_for_header(self, header: str | None) -> FakeUser | None:
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "token") or not token:
            return None
        return self.user_for_token(token.strip())

    # -- the user's side ----------------------------------------------------------------

    async def user_posts(
        self, user: FakeUser, text: str, *, channel_id: str | None = None
    ) -> dict[str, Any]:
        """``user`` posts ``text`` (in the DM with the bot unless a channel is given)."""
        chosen = channel_id or self.direct_channel_id(user)
        return await self.store_post(user, chosen, text)

    async def user_edits(self, post: dict[str, Any], text: str) -> None:
        await self.update_post(self.posts[post["id"]], message=text)

    async def system_post(self, channel_id: str, type_: str = "system_join_channel") -> None:
        channel = self.channels[channel_id]
        joiner = self.users[channel.members[-1]]
        await self.store_post(
            joiner, channel_id, f"@{joiner.username} joined the channel.", type_=type_
        )

    async def click(
        self, user: FakeUser, post: dict[str, Any], button: int | str = 0
    ) -> tuple[int, dict[str, Any]]:
        """``user`` presses a button: the integration request, as the server sends it."""
        stored = self.posts[post["id"]]
        action = self._find_action(stored, button)
        channel = self.channels[stored["channel_id"]]
        trigger_id = self._issue_trigger(user)
        payload = {
            "user_id": user.id,
            "user_name": user.username,
            "channel_id": channel.id,
            "channel_name": channel.name,
            "team_id": channel.team_id or self.team_id,
            "team_domain": TEAM_NAME,
            "post_id": stored["id"],
            "trigger_id": trigger_id,
            "type": action.get("type", "button"),
            "data_source": "",
            "context": copy.deepcopy(action["integration"].get("context") or {}),
        }
        status, answer = await self._post_json(
            action["integration"]["url"], payload, ACTION_TIMEOUT_SECONDS
        )
        if status == 200 and isinstance(answer, dict):
            await self._apply_action_answer(user, stored, answer)
        return status, answer if isinstance(answer, dict) else {}

    async def submit_dialog(
        self,
        user: FakeUser,
        opened: dict[str, Any],
        submission: dict[str, Any],
        *,
        cancelled: bool = False,
    ) -> tuple[int, dict[str, Any]]:
        """``user`` submits (or cancels) a dialog the bot opened."""
        dialog = opened["dialog"]
        channel_id = self._dialog_channel(user)
        payload = {
            "type": "dialog_submission",
            "callback_id": dialog.get("callback_id", ""),
            "state": dialog.get("state", ""),
            "user_id": user.id,
            "channel_id": channel_id,
            "team_id": self.channels[channel_id].team_id or self.team_id,
            "submission": {} if cancelled else copy.deepcopy(submission),
            "cancelled": cancelled,
        }
        status, answer = await self._post_json(opened["url"], payload, ACTION_TIMEOUT_SECONDS)
        return status, answer if isinstance(answer, dict) else {}

    async def slash(
        self, user: FakeUser, text: str = "", *, token: str | None = None, url: str
    ) -> tuple[int, dict[str, Any]]:
        """``user`` types ``/meldwijzer text`` in a team channel: the command request."""
        channel_id = next(
            (c.id for c in self.channels.values() if c.type == "O" and user.id in c.members),
            None,
        ) or self.channel("town-square", [user])
        form = {
            "channel_id": channel_id,
            "channel_name": self.channels[channel_id].name,
            "command": "/meldwijzer",
            "response_url": f"{self.url}/hooks/commands/{new_id()}",
            "team_domain": TEAM_NAME,
            "team_id": self.team_id,
            "text": text,
            "token": self.command_token if token is None else token,
            "trigger_id": self._issue_trigger(user),
            "user_id": user.id,
            "user_name": user.username,
        }
        assert self._client is not None
        timeout = aiohttp.ClientTimeout(total=SLASH_TIMEOUT_SECONDS)
        async with self._client.post(url, data=form, timeout=timeout) as response:
            return response.status, await _json_or_empty(response)

    # -- what REST and the user's side share --------------------------------------------

    async def store_post(
        self,
        author: FakeUser,
        channel_id: str,
        message: str,
        *,
        props: dict[str, Any] | None = None,
        type_: str = "",
        pending_post_id: str = "",
    ) -> dict[str, Any]:
        """Save a post and broadcast the documented "posted" event to the channel."""
        channel = self.channels[channel_id]
        post = make_post(
            author.id, channel_id, message, self._clock.now(), props=props, type_=type_
        )
        post["pending_post_id"] = pending_post_id
        self.posts[post["id"]] = post
        channel.last_post_at = post["create_at"]
        channel.total_msg_count += 1
        await self._hub.broadcast(self._posted_event(author, channel, post), channel.members)
        return copy.deepcopy(post)

    async def update_post(
        self, post: dict[str, Any], *, message: str | None = None, props: Any = None
    ) -> dict[str, Any]:
        now = self._clock.now()
        if message is not None and message != post["message"]:
            post["message"] = message
            post["edit_at"] = now
        if props is not None:
            post["props"] = props
        post["update_at"] = now
        channel = self.channels[post["channel_id"]]
        event = {
            "event": "post_edited",
            "data": {"post": json.dumps(post)},
            "broadcast": self._hub.broadcast_of(channel_id=channel.id),
        }
        await self._hub.broadcast(event, channel.members)
        return copy.deepcopy(post)

    async def store_ephemeral(
        self, author: FakeUser, user_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        post = make_post(author.id, body["channel_id"], body.get("message", ""), self._clock.now())
        post["type"] = "system_ephemeral"
        self.ephemerals.append(Ephemeral(user_id, copy.deepcopy(post)))
        return post

    def record_frame(self, frame: Any) -> None:
        self.requests.append(Recorded("WS", WEBSOCKET_PATH, {}, frame, {}))

    def _posted_event(
        self, author: FakeUser, channel: FakeChannel, post: dict[str, Any]
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "channel_display_name": f"@{author.username}"
            if channel.type == "D"
            else channel.display_name,
            "channel_name": channel.name,
            "channel_type": channel.type,
            "post": json.dumps(post),
            "sender_name": f"@{author.username}",
            "set_online": not author.is_bot,
            "team_id": channel.team_id,
        }
        mentions = self._mentions(author, channel, post["message"])
        if mentions:
            data["mentions"] = json.dumps(mentions)  # a JSON string, like "post"
        return {
            "event": "posted",
            "data": data,
            "broadcast": self._hub.broadcast_of(channel_id=channel.id),
        }

    def _mentions(self, author: FakeUser, channel: FakeChannel, text: str) -> list[str]:
        if channel.type == "D":
            return [member for member in channel.members if member != author.id]
        named = mentioned_usernames(text)
        return [
            member
            for member in channel.members
            if member != author.id and self.users[member].username.lower() in named
        ]

    def _find_action(self, post: dict[str, Any], button: int | str) -> dict[str, Any]:
        actions = actions_of(post)
        if isinstance(button, int):
            return actions[button]
        for action in actions:
            if button in (action.get("id"), action.get("name")):
                return action
        raise LookupError(f"no button {button!r} on the post")

    def _issue_trigger(self, user: FakeUser) -> str:
        trigger_id = f"{new_id()}:{user.id}:{self._clock.now()}"
        self.triggers[trigger_id] = Trigger(user.id)
        return trigger_id

    def _dialog_channel(self, user: FakeUser) -> str:
        return self.direct_channel_id(user)

    async def _apply_action_answer(
        self, user: FakeUser, post: dict[str, Any], answer: dict[str, Any]
    ) -> None:
        update = answer.get("update")
        if isinstance(update, dict):
            # DoPostActionWithCookie + UpdatePost: the update REPLACES the message (an update
            # without one empties it) and the props (kept as they were when it has none).
            props = update.get("props")
            if props is None:
                props = copy.deepcopy(post["props"])
            else:
                props = copy.deepcopy(props)
                for key in RETAINED_PROPS:
                    props.pop(key, None)
                    if key in post["props"]:
                        props[key] = post["props"][key]
            await self.update_post(post, message=str(update.get("message", "")), props=props)
        text = answer.get("ephemeral_text")
        if isinstance(text, str) and text:
            ephemeral = {"channel_id": post["channel_id"], "message": text}
            await self.store_ephemeral(self.bot, user.id, ephemeral)

    async def _post_json(
        self, url: str, payload: dict[str, Any], timeout: float
    ) -> tuple[int, Any]:
        assert self._client is not None
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        async with self._client.post(
            url,
            data=json.dumps(payload),
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            return response.status, await _json_or_empty(response)

    # -- every request ------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = None if request.path == WEBSOCKET_PATH else await read_json(request)
        request[BODY] = body
        self.requests.append(
            Recorded(request.method, request.path, dict(request.query), body, dict(request.headers))
        )
        failure = self._take_failure(request)
        if failure is not None:
            return failure
        if "access_token" in request.query:
            self.shape_errors.append(f"{request.path}: a token in the query string")
        if request.path == WEBSOCKET_PATH:
            return await handler(request)
        caller = self.user_for_header(request.headers.get("Authorization"))
        if caller is None:
            return app_error(
                401,
                "api.context.session_expired.app_error",
                "Invalid or expired session, please login again.",
            )
        request[CALLER] = caller
        return await handler(request)

    def _take_failure(self, request: web.Request) -> web.StreamResponse | None:
        for failure in self._failures:
            if failure.method == request.method and failure.path.fullmatch(request.path):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                if failure.status == 429:
                    # The rate limiter (throttled) answers in plain text with its headers.
                    return web.Response(
                        status=429, text="limit exceeded\n", headers=failure.headers
                    )
                response = app_error(
                    failure.status, "fake.failure", "A failure the test asked for."
                )
                response.headers.update(failure.headers)
                return response
        return None


async def _json_or_empty(response: aiohttp.ClientResponse) -> Any:
    text = await response.text()
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return {"_text": text}
