"""The REST routes of the fake Mattermost server (API v4), answering in the server's shapes.

Error answers are the server's ``AppError`` JSON (``id``, ``message``, ``detailed_error``,
``request_id``, ``status_code``). Every request is recorded and its body checked against the
API reference's shape (``fake_shapes``); a violation is added to ``shape_errors`` and answered
400 as the server would.
"""

from __future__ import annotations

import copy
import json
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import fake_shapes
from .fake_model import FakeUser, compact, fill_action_ids, new_id
from .fake_workspace import broadcast_of

if TYPE_CHECKING:
    from .fake_server import FakeMattermost

PENDING_POST_TTL_SECONDS = 30.0  # app/post.go pendingPostIDsCacheTTL
TRIGGER_TTL_SECONDS = 30.0  # ServiceSettings.OutgoingIntegrationRequestsTimeout default
CALLER = web.RequestKey("caller", FakeUser)
BODY = web.RequestKey("body", object)


def app_error(status: int, error_id: str, message: str) -> web.Response:
    body = {
        "id": error_id,
        "message": message,
        "detailed_error": "",
        "request_id": new_id(),
        "status_code": status,
    }
    return web.json_response(body, status=status)


class RestApi:
    def __init__(self, fake: FakeMattermost) -> None:
        self.fake = fake
        self.pending_posts: dict[str, tuple[str, float]] = {}

    def add_routes(self, app: web.Application) -> None:
        v4 = "/api/v4"
        app.router.add_get(f"{v4}/users/me", self.me)
        app.router.add_get(f"{v4}/users/{{user_id}}/channels", self.user_channels)
        app.router.add_get(f"{v4}/users/{{user_id}}", self.user)
        app.router.add_post(f"{v4}/channels/direct", self.direct)
        app.router.add_get(f"{v4}/channels/{{channel_id}}/posts", self.channel_posts)
        app.router.add_post(f"{v4}/posts/ephemeral", self.ephemeral)
        app.router.add_post(f"{v4}/posts", self.create_post)
        app.router.add_put(f"{v4}/posts/{{post_id}}/patch", self.patch_post)
        app.router.add_get(f"{v4}/posts/{{post_id}}", self.get_post)
        app.router.add_post(f"{v4}/actions/dialogs/open", self.open_dialog)

    def caller(self, request: web.Request) -> FakeUser:
        return request[CALLER]

    async def me(self, request: web.Request) -> web.Response:
        return web.json_response(self.caller(request).to_json())

    async def user(self, request: web.Request) -> web.Response:
        found = self.fake.users.get(request.match_info["user_id"])
        if found is None:
            return app_error(404, "app.user.missing_account.const", "Unable to find the user.")
        return web.json_response(found.to_json())

    async def user_channels(self, request: web.Request) -> web.Response:
        user_id = request.match_info["user_id"]
        if user_id not in (self.caller(request).id, "me"):
            return app_error(403, "api.context.permissions.app_error", "No permission.")
        member = self.caller(request).id
        channels = [c.to_json() for c in self.fake.channels.values() if member in c.members]
        return web.json_response(channels)

    async def direct(self, request: web.Request) -> web.Response:
        body = await self.body(request, fake_shapes.direct_channel_body)
        if isinstance(body, web.Response):
            return body
        caller = self.caller(request)
        if caller.id not in body:
            return app_error(403, "api.context.permissions.app_error", "No permission.")
        other = next((user_id for user_id in body if user_id != caller.id), caller.id)
        user = self.fake.users.get(other)
        if user is None:
            return app_error(400, "api.channel.create_direct_channel.invalid_user.app_error", "")
        channel = self.fake.channels[self.fake.direct_channel_id(user)]
        return web.json_response(channel.to_json(), status=201)

    async def create_post(self, request: web.Request) -> web.Response:
        body = await self.body(request, fake_shapes.post_body)
        if isinstance(body, web.Response):
            return body
        caller = self.caller(request)
        channel = self.fake.channels.get(body["channel_id"])
        if channel is None or caller.id not in channel.members:
            return app_error(403, "api.context.permissions.app_error", "No permission.")
        pending = body.get("pending_post_id", "")
        seen = self.pending_posts.get(pending) if pending else None
        if seen is not None and time.monotonic() - seen[1] < PENDING_POST_TTL_SECONDS:
            # The server answers a repeat with the post it already made, loaded from the
            # database: no pending_post_id, no metadata, and no second "posted" event.
            stored = copy.deepcopy(self.fake.posts[seen[0]])
            stored["pending_post_id"] = ""
            stored.pop("metadata", None)
            return web.json_response(stored, status=201)
        props = copy.deepcopy(body.get("props") or {})
        fill_action_ids(props)
        post = await self.fake.workspace.store_post(
            caller, channel.id, body.get("message", ""), props=props, pending_post_id=pending
        )
        if pending:
            self.pending_posts[pending] = (post["id"], time.monotonic())
        return web.json_response(post, status=201)

    async def ephemeral(self, request: web.Request) -> web.Response:
        body = await self.body(request, fake_shapes.ephemeral_body)
        if isinstance(body, web.Response):
            return body
        post = await self.fake.workspace.store_ephemeral(
            self.caller(request), body["user_id"], body["post"]
        )
        return web.json_response(post, status=201)

    async def patch_post(self, request: web.Request) -> web.Response:
        body = await self.body(request, fake_shapes.patch_body)
        if isinstance(body, web.Response):
            return body
        post = self.fake.posts.get(request.match_info["post_id"])
        if post is None:
            return app_error(404, "app.post.get.app_error", "Unable to get the post.")
        if post["user_id"] != self.caller(request).id:
            # A bot may edit only its own posts (edit_others_posts is not granted to bots).
            return app_error(403, "api.context.permissions.app_error", "No permission.")
        changes = {key: copy.deepcopy(body[key]) for key in ("message", "props") if key in body}
        if "props" in changes:
            fill_action_ids(changes["props"])
        updated = await self.fake.workspace.update_post(post, **changes)
        return web.json_response(updated)

    async def get_post(self, request: web.Request) -> web.Response:
        post = self.fake.posts.get(request.match_info["post_id"])
        if post is None or not self.visible(request, post["channel_id"]):
            return app_error(404, "app.post.get.app_error", "Unable to get the post.")
        return web.json_response(post)

    async def channel_posts(self, request: web.Request) -> web.Response:
        channel_id = request.match_info["channel_id"]
        if not self.visible(request, channel_id):
            return app_error(403, "api.context.permissions.app_error", "No permission.")
        posts = self.fake.posts_in(channel_id)
        since = request.query.get("since")
        if since is not None:
            if not since.isdigit():
                self.fake.shape_errors.append("channels/{id}/posts: since must be milliseconds")
                return app_error(400, "api.context.invalid_url_param.app_error", "since")
            # GetPostsSince: posts created or changed after the time, all of them.
            posts = [post for post in posts if post["update_at"] > int(since)]
        else:
            per_page = int(request.query.get("per_page", "60"))
            page = int(request.query.get("page", "0"))
            newest = list(reversed(posts))[page * per_page : (page + 1) * per_page]
            posts = list(reversed(newest))
        order = [post["id"] for post in reversed(posts)]
        return web.json_response(
            {
                "order": order,
                "posts": {post["id"]: post for post in posts},
                "next_post_id": "",
                "prev_post_id": "",
                "has_next": False,
            }
        )

    async def open_dialog(self, request: web.Request) -> web.Response:
        body = await self.body(request, fake_shapes.open_dialog_body)
        if isinstance(body, web.Response):
            return body
        trigger = self.fake.triggers.get(body["trigger_id"])
        if trigger is None or time.monotonic() - trigger.issued > TRIGGER_TTL_SECONDS:
            return app_error(
                400, "interactive_message.decode_trigger_id.expired", "Trigger ID expired."
            )
        self.fake.opened_dialogs.append(copy.deepcopy(body))
        # OpenInteractiveDialog: the dialog goes to the user's clients as an "open_dialog" event.
        event = {
            "event": "open_dialog",
            "data": {"dialog": compact(body)},
            "broadcast": broadcast_of(user_id=trigger.user_id),
        }
        await self.fake.workspace.broadcast(event, [trigger.user_id])
        return web.json_response({"status": "OK"})

    def visible(self, request: web.Request, channel_id: str) -> bool:
        channel = self.fake.channels.get(channel_id)
        return channel is not None and self.caller(request).id in channel.members

    async def body(self, request: web.Request, check: Any) -> Any:
        recorded = request.get(BODY)
        problems = check(recorded)
        if problems:
            self.fake.shape_errors.extend(problems)
            return app_error(400, "api.context.invalid_body_param.app_error", "; ".join(problems))
        return recorded


async def read_json(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    raw = await request.read()
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
