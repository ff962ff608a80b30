"""What the fake Mattermost server stores: users, channels, posts, in the server's JSON shapes."""

from __future__ import annotations

import copy
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

# model.NewId: 26 characters of a base32 alphabet of lower-case letters and digits.
ID_ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769"
SERVER_VERSION = "10.5.0.13580.e9b3aa3c4a64e9b1a3d4c8a6a6b5ab41.false"


def new_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(26))


@dataclass
class FakeUser:
    id: str
    username: str
    token: str
    locale: str = "nl"
    is_bot: bool = False

    def to_json(self) -> dict[str, Any]:
        """A user as GET /api/v4/users/{id} answers (a bot as seen by itself)."""
        return {
            "id": self.id,
            "create_at": 1700000000000,
            "update_at": 1700000000000,
            "delete_at": 0,
            "username": self.username,
            "auth_data": "",
            "auth_service": "",
            "email": f"{self.username}@example.org",
            "nickname": "",
            "first_name": "",
            "last_name": "",
            "position": "",
            "roles": "system_user",
            "locale": self.locale,
            "timezone": {
                "automaticTimezone": "Europe/Amsterdam",
                "manualTimezone": "",
                "useAutomaticTimezone": "true",
            },
            "is_bot": self.is_bot,
            "props": {},
            "disable_welcome_email": False,
        }


@dataclass
class FakeChannel:
    id: str
    type: str  # "D" direct, "O" open, "P" private
    name: str
    display_name: str
    team_id: str
    members: list[str]
    create_at: int
    last_post_at: int = 0
    total_msg_count: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "create_at": self.create_at,
            "update_at": self.create_at,
            "delete_at": 0,
            "team_id": self.team_id,
            "type": self.type,
            "display_name": self.display_name,
            "name": self.name,
            "header": "",
            "purpose": "",
            "last_post_at": self.last_post_at,
            "last_root_post_at": self.last_post_at,
            "total_msg_count": self.total_msg_count,
            "total_msg_count_root": self.total_msg_count,
            "extra_update_at": 0,
            "creator_id": "",
            "scheme_id": None,
            "props": None,
            "group_constrained": None,
            "shared": None,
            "policy_id": None,
        }


@dataclass
class Clock:
    """Milliseconds since the epoch, strictly increasing so ``since`` queries are exact."""

    last: int = 0

    def now(self) -> int:
        self.last = max(int(time.time() * 1000), self.last + 1)
        return self.last


def make_post(
    user_id: str, channel_id: str, message: str, at: int, *, props: Any = None, type_: str = ""
) -> dict[str, Any]:
    """A post as the server stores and answers it (``model.Post`` JSON)."""
    return {
        "id": new_id(),
        "create_at": at,
        "update_at": at,
        "edit_at": 0,
        "delete_at": 0,
        "is_pinned": False,
        "user_id": user_id,
        "channel_id": channel_id,
        "root_id": "",
        "original_id": "",
        "message": message,
        "type": type_,
        "props": copy.deepcopy(props) if isinstance(props, dict) else {},
        "hashtags": "",
        "pending_post_id": "",
        "reply_count": 0,
        "last_reply_at": 0,
        "participants": None,
        "metadata": {},
    }


def fill_action_ids(props: dict[str, Any]) -> None:
    """The server gives every action without an id one when the post is saved."""
    for attachment in props.get("attachments") or []:
        for action in (attachment or {}).get("actions") or []:
            if isinstance(action, dict) and not action.get("id"):
                action["id"] = new_id()


def actions_of(post: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for attachment in (post.get("props") or {}).get("attachments") or []:
        found.extend(action for action in (attachment or {}).get("actions") or [])
    return found


def mentioned_usernames(text: str) -> set[str]:
    found = re.findall(r"(?<![\w@])@([a-z0-9._-]+)", text, re.IGNORECASE)
    # "@meldwijzer." is a mention of meldwijzer: the server trims trailing punctuation.
    return {match.lower().rstrip("._-") for match in found}


@dataclass
class Trigger:
    user_id: str
    issued: float = field(default_factory=time.monotonic)


def compact(value: Any) -> str:
    """JSON as the server (Go's encoding/json) writes it inside events: no spaces."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
