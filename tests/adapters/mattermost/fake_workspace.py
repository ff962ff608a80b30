"""The fake server's team: users, channels and posts, and the events their changes send."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .fake_model import (
    Clock,
    FakeChannel,
    FakeUser,
    compact,
    make_post,
    mentioned_usernames,
    new_id,
)

TEAM_NAME = "overheid"

# Sends an event to every connection of these users (the socket hub's broadcast).
Broadcast = Callable[[dict[str, Any], list[str]], Awaitable[None]]


@dataclass
class Ephemeral:
    """A post only ``user_id`` sees (posts/ephemeral, or an action's ephemeral_text)."""

    user_id: str
    post: dict[str, Any]


def broadcast_of(*, user_id: str = "", channel_id: str = "", team_id: str = "") -> dict[str, Any]:
    return {
        "omit_users": None,
        "user_id": user_id,
        "channel_id": channel_id,
        "team_id": team_id,
        "connection_id": "",
        "omit_connection_id": "",
    }


@dataclass
class Workspace:
    broadcast: Broadcast
    users: dict[str, FakeUser] = field(default_factory=dict)
    channels: dict[str, FakeChannel] = field(default_factory=dict)
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    ephemerals: list[Ephemeral] = field(default_factory=list)
    team_id: str = field(default_factory=new_id)
    clock: Clock = field(default_factory=Clock)

    def __post_init__(self) -> None:
        self.bot = self.add_user("meldwijzer", is_bot=True)

    def add_user(self, username: str, *, locale: str = "nl", is_bot: bool = False) -> FakeUser:
        user = FakeUser(new_id(), username, secrets.token_hex(13), locale, is_bot)
        self.users[user.id] = user
        return user

    def direct_channel_id(self, user: FakeUser) -> str:
        """The bot's DM channel with ``user``, made if new (name: the two ids sorted)."""
        name = "__".join(sorted((self.bot.id, user.id)))
        for channel in self.channels.values():
            if channel.type == "D" and channel.name == name:
                return channel.id
        members = [self.bot.id, user.id]
        channel = FakeChannel(new_id(), "D", name, "", "", members, self.clock.now())
        self.channels[channel.id] = channel
        return channel.id

    def channel(self, name: str, members: Iterable[FakeUser]) -> str:
        """An open team channel with these members (the bot added to it if not among them)."""
        ids = [member.id for member in members]
        if self.bot.id not in ids:
            ids.append(self.bot.id)
        found = FakeChannel(new_id(), "O", name, name.title(), self.team_id, ids, self.clock.now())
        self.channels[found.id] = found
        return found.id

    def posts_in(self, channel_id: str) -> list[dict[str, Any]]:
        found = [post for post in self.posts.values() if post["channel_id"] == channel_id]
        return copy.deepcopy(sorted(found, key=lambda post: post["create_at"]))

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
        at = self.clock.now()
        post = make_post(author.id, channel_id, message, at, props=props, type_=type_)
        post["pending_post_id"] = pending_post_id
        if author.is_bot:
            post["props"]["from_bot"] = "true"  # the server marks every bot account's post
        self.posts[post["id"]] = post
        channel.last_post_at = post["create_at"]
        channel.total_msg_count += 1
        await self.broadcast(self._posted_event(author, channel, post), channel.members)
        return copy.deepcopy(post)

    async def update_post(
        self, post: dict[str, Any], *, message: str | None = None, props: Any = None
    ) -> dict[str, Any]:
        """Change a stored post and broadcast "post_edited" to the channel."""
        now = self.clock.now()
        if message is not None and message != post["message"]:
            post["message"] = message
            post["edit_at"] = now
        if props is not None:
            post["props"] = props
        post["update_at"] = now
        channel = self.channels[post["channel_id"]]
        event = {
            "event": "post_edited",
            "data": {"post": compact(post)},
            "broadcast": broadcast_of(channel_id=channel.id),
        }
        await self.broadcast(event, channel.members)
        return copy.deepcopy(post)

    async def store_ephemeral(
        self, author: FakeUser, user_id: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """An ephemeral post: not stored with the channel, sent to that one user only."""
        at = self.clock.now()
        post = make_post(author.id, body["channel_id"], body.get("message", ""), at)
        post["type"] = "system_ephemeral"
        self.ephemerals.append(Ephemeral(user_id, copy.deepcopy(post)))
        event = {
            "event": "ephemeral_message",
            "data": {"post": compact(post)},
            "broadcast": broadcast_of(user_id=user_id),
        }
        await self.broadcast(event, [user_id])
        return post

    def _posted_event(
        self, author: FakeUser, channel: FakeChannel, post: dict[str, Any]
    ) -> dict[str, Any]:
        direct = channel.type == "D"
        data: dict[str, Any] = {
            "channel_display_name": f"@{author.username}" if direct else channel.display_name,
            "channel_name": channel.name,
            "channel_type": channel.type,
            "post": compact(post),
            "sender_name": f"@{author.username}",
            "set_online": not author.is_bot and not post["type"],
            "team_id": channel.team_id,
        }
        mentions = self._mentions(author, channel, post)
        if mentions:
            data["mentions"] = compact(mentions)  # a JSON string, like "post"
        return {"event": "posted", "data": data, "broadcast": broadcast_of(channel_id=channel.id)}

    def _mentions(self, author: FakeUser, channel: FakeChannel, post: dict[str, Any]) -> list[str]:
        if post["type"]:
            return []  # system messages notify nobody
        if channel.type == "D":
            return [member for member in channel.members if member != author.id]
        named = mentioned_usernames(post["message"])
        return [
            member
            for member in channel.members
            if member != author.id and self.users[member].username.lower() in named
        ]
