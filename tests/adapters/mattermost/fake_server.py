"""A fake Mattermost server for the tests: REST API v4 and the websocket, plain or TLS.

One aiohttp app on 127.0.0.1, port 0. It keeps a team of users, channels and posts
(``fake_workspace``), answers the REST calls the adapter makes in the server's shapes
(``fake_rest``), runs the websocket with the server's resume rules (``fake_socket``), and
plays the user's side: posting, editing, pressing buttons, submitting dialogs and typing
slash commands, each sent the way the server sends it (``fake_user``). ``shape_errors``
collects every request that breaks the API reference; tests assert it stays empty.
Behaviour and sources: fixtures/README.md.
"""

from __future__ import annotations

import re
import secrets
import ssl
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from tests.adapters.email.pki import TestCa

from .fake_model import FakeChannel, FakeUser, Trigger
from .fake_rest import BODY, CALLER, TRIGGER_TTL_SECONDS, RestApi, app_error, read_json
from .fake_socket import SocketHub
from .fake_user import UserSide
from .fake_workspace import Ephemeral, Workspace

__all__ = ["Ephemeral", "FakeMattermost", "FakeUser", "Recorded"]

WEBSOCKET_PATH = "/api/v4/websocket"
RATE_LIMIT_HEADERS = {
    "X-Ratelimit-Limit": "10",
    "X-Ratelimit-Remaining": "0",
    "X-Ratelimit-Reset": "1",
    "Retry-After": "1",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Recorded:
    """One request the fake received (``method`` "WS" for a websocket frame)."""

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


class FakeMattermost:
    """The far side of the wire; see the module docstring and fixtures/README.md."""

    def __init__(self, *, tls: bool = False, tmp_path: Path | None = None) -> None:
        if tls and tmp_path is None:
            raise ValueError("a TLS fake needs tmp_path for its CA file")
        self.tls = tls
        self.tmp_path = tmp_path
        self.url = ""
        self.ca_file: Path | None = None
        self.certificates: TestCa | None = None
        self.requests: list[Recorded] = []
        self.shape_errors: list[str] = []
        self.opened_dialogs: list[dict[str, Any]] = []
        self.require_challenge = False
        self.auth_timeout = 5.0  # the server's authCheckInterval
        # Mattermost opens the socket unauthenticated for a bad token (see fake_socket);
        # True answers 401 on the upgrade itself, as a token-checking proxy in front would.
        self.upgrade_answers_401 = False
        self.revoked = False
        self._failures: list[_Failure] = []
        self._hub = SocketHub(self)
        self.workspace = Workspace(self._hub.broadcast)
        self.bot = self.workspace.bot
        self._user_side = UserSide(self.workspace)
        self._rest = RestApi(self)
        self._runner: web.AppRunner | None = None

    # -- lifetime -------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        self._rest.add_routes(app)
        app.router.add_get(WEBSOCKET_PATH, self._hub.handle)
        context: ssl.SSLContext | None = None
        if self.tls:
            assert self.tmp_path is not None
            # The same test CA the SMTP tests use: a CA and a 127.0.0.1 certificate it signed.
            self.certificates = TestCa(self.tmp_path / "fake-mattermost-tls")
            self.ca_file = self.certificates.ca_file
            context = self.certificates.issue("127.0.0.1")
        # No access log: it would show channel and post ids among the records tests search.
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context).start()
        port = self._runner.addresses[0][1]
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"
        await self._user_side.start(self.url)

    async def close(self) -> None:
        await self._hub.drop()
        await self._user_side.close()
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

    # -- the team ---------------------------------------------------------------------

    @property
    def users(self) -> dict[str, FakeUser]:
        return self.workspace.users

    @property
    def channels(self) -> dict[str, FakeChannel]:
        return self.workspace.channels

    @property
    def posts(self) -> dict[str, dict[str, Any]]:
        return self.workspace.posts

    @property
    def ephemerals(self) -> list[Ephemeral]:
        return self.workspace.ephemerals

    @property
    def team_id(self) -> str:
        return self.workspace.team_id

    def add_user(self, username: str, *, locale: str = "nl") -> FakeUser:
        return self.workspace.add_user(username, locale=locale)

    def direct_channel_id(self, user: FakeUser) -> str:
        return self.workspace.direct_channel_id(user)

    def channel(self, name: str, members: Iterable[FakeUser]) -> str:
        return self.workspace.channel(name, members)

    def posts_in(self, channel_id: str) -> list[dict[str, Any]]:
        """Every post of the channel in order, the bot's included (copies)."""
        return self.workspace.posts_in(channel_id)

    # -- the user's side ----------------------------------------------------------------

    async def user_posts(
        self, user: FakeUser, text: str, *, channel_id: str | None = None
    ) -> dict[str, Any]:
        """``user`` posts ``text`` (in the DM with the bot unless a channel is given)."""
        chosen = channel_id or self.direct_channel_id(user)
        return await self.workspace.store_post(user, chosen, text)

    async def user_edits(self, post: dict[str, Any], text: str) -> None:
        await self.workspace.update_post(self.posts[post["id"]], message=text)

    async def system_post(self, channel_id: str, type_: str = "system_join_channel") -> None:
        """A system message (by default "joined the channel") by the newest member."""
        joiner = self.users[self.channels[channel_id].members[-1]]
        message = f"@{joiner.username} joined the channel."
        await self.workspace.store_post(joiner, channel_id, message, type_=type_)

    async def click(
        self, user: FakeUser, post: dict[str, Any], button: int | str = 0
    ) -> tuple[int, dict[str, Any]]:
        """``user`` presses a button (index, id or name); an "update" is applied."""
        return await self._user_side.click(user, post, button)

    async def submit_dialog(
        self,
        user: FakeUser,
        opened: dict[str, Any],
        submission: dict[str, Any],
        *,
        cancelled: bool = False,
    ) -> tuple[int, dict[str, Any]]:
        """``user`` submits (or cancels) a dialog from ``opened_dialogs``."""
        return await self._user_side.submit_dialog(user, opened, submission, cancelled=cancelled)

    async def slash(
        self, user: FakeUser, text: str = "", *, token: str | None = None, url: str
    ) -> tuple[int, dict[str, Any]]:
        """``user`` types ``/meldwijzer text`` in a team channel."""
        return await self._user_side.slash(user, text, token=token, url=url)

    @property
    def command_token(self) -> str:
        return self._user_side.command_token

    @property
    def triggers(self) -> dict[str, Trigger]:
        return self._user_side.triggers

    def issue_trigger(self, user: FakeUser) -> str:
        """A trigger id the server would give ``user`` with a button press or a command."""
        return self._user_side.issue_trigger(user)

    def expire_triggers(self) -> None:
        """Every trigger id issued so far is too old for dialogs/open (30 s passed)."""
        for trigger in self.triggers.values():
            trigger.issued -= TRIGGER_TTL_SECONDS + 1

    def expire_pending_post_ids(self) -> None:
        """The server's 30 s memory of pending_post_id has passed: a repeat posts again."""
        self._rest.pending_posts.clear()

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
        """The next ``times`` requests of ``method`` whose path fully matches fail.

        A 429 without headers gets the rate limiter's (reset and retry after 1 s). The
        websocket upgrade (GET /api/v4/websocket) can be failed too.
        """
        chosen = dict(headers or (RATE_LIMIT_HEADERS if status == 429 else {}))
        pattern = re.compile(path_regex)
        self._failures.append(_Failure(method.upper(), pattern, status, chosen, times))

    @property
    def sockets_open(self) -> int:
        return len(self._hub.open)

    @property
    def connections_total(self) -> int:
        """Websocket upgrades accepted so far."""
        return self._hub.total

    @property
    def frames_sent(self) -> list[dict[str, Any]]:
        """Every frame the server wrote to any socket, in order."""
        return self._hub.frames_sent

    async def drop_sockets(self, *, abrupt: bool = False) -> None:
        """The server closes every socket (``abrupt``: cuts the TCP connection without a
        close frame); it keeps the connections, so a resume works."""
        await self._hub.drop(abrupt=abrupt)

    def forget_connections(self) -> None:
        """As after a server restart: the next reconnect gets a new connection id."""
        self._hub.forget()

    # -- what REST and the websocket share ------------------------------------------------

    def user_for_token(self, token: str) -> FakeUser | None:
        for user in self.users.values():
            if secrets.compare_digest(user.token, token):
                return None if user is self.bot and self.revoked else user
        return None

    def user_for_header(self, header: str | None) -> FakeUser | None:
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() not in ("bearer", "token") or not token.strip():
            return None
        return self.user_for_token(token.strip())

    def record_frame(self, frame: Any) -> None:
        self.requests.append(Recorded("WS", WEBSOCKET_PATH, {}, frame, {}))

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = None if request.path == WEBSOCKET_PATH else await read_json(request)
        request[BODY] = body
        headers = dict(request.headers)
        self.requests.append(
            Recorded(request.method, request.path, dict(request.query), body, headers)
        )
        failure = self._take_failure(request)
        if failure is not None:
            return failure
        if "access_token" in request.query:
            self.shape_errors.append(f"{request.path}: a token in the query string")
        caller = self.user_for_header(request.headers.get("Authorization"))
        if request.path == WEBSOCKET_PATH and (caller is not None or not self.upgrade_answers_401):
            return await handler(request)
        if caller is None:
            message = "Invalid or expired session, please login again."
            return app_error(401, "api.context.session_expired.app_error", message)
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
                    text = "limit exceeded\n"
                    return web.Response(status=429, text=text, headers=failure.headers)
                response = app_error(failure.status, "fake.failure", "A failure a test asked for.")
                response.headers.update(failure.headers)
                return response
        return None
