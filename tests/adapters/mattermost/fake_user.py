"""The user's side of the fake server: pressing buttons, submitting dialogs, slash commands.

Each request goes to the bot the way the server sends it: the integration-action request of
"Interactive messages", the dialog submission of "Interactive dialogs", and the form-encoded
request of "Slash commands" (developers.mattermost.com/integrate/...).
"""

from __future__ import annotations

import copy
import json
import secrets
from typing import Any

import aiohttp

from .fake_model import FakeUser, Trigger, actions_of, new_id
from .fake_workspace import TEAM_NAME, Workspace

SLASH_TIMEOUT_SECONDS = 3.0  # the server waits 3 s for a command's first answer
ACTION_TIMEOUT_SECONDS = 30.0  # OutgoingIntegrationRequestsTimeout default
# Props the server keeps from the original post when an action's "update" replaces them
# (model.PostActionRetainPropKeys).
RETAINED_PROPS = ("from_webhook", "override_username", "override_icon_url")


class UserSide:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.triggers: dict[str, Trigger] = {}
        self.command_token = secrets.token_hex(13)
        self.server_url = ""
        self._client: aiohttp.ClientSession | None = None

    async def start(self, server_url: str) -> None:
        self.server_url = server_url
        self._client = aiohttp.ClientSession()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def click(
        self, user: FakeUser, post: dict[str, Any], button: int | str = 0
    ) -> tuple[int, dict[str, Any]]:
        stored = self.workspace.posts[post["id"]]
        action = _find_action(stored, button)
        channel = self.workspace.channels[stored["channel_id"]]
        payload = {
            "user_id": user.id,
            "user_name": user.username,
            "channel_id": channel.id,
            "channel_name": channel.name,
            "team_id": channel.team_id or self.workspace.team_id,
            "team_domain": TEAM_NAME,
            "post_id": stored["id"],
            "trigger_id": self.issue_trigger(user),
            "type": action.get("type", "button"),
            "data_source": "",
            "context": copy.deepcopy(action["integration"].get("context") or {}),
        }
        url = action["integration"]["url"]
        status, answer = await self._post_json(url, payload, ACTION_TIMEOUT_SECONDS)
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
        dialog = opened["dialog"]
        names = {element.get("name") for element in dialog.get("elements") or []}
        unknown = set(submission) - names
        if unknown:
            # The client submits only the dialog's own elements; a test asking for more is wrong.
            raise ValueError(f"the dialog has no elements {sorted(unknown)}")
        channel_id = self.workspace.direct_channel_id(user)
        payload = {
            "type": "dialog_submission",
            "callback_id": dialog.get("callback_id", ""),
            "state": dialog.get("state", ""),
            "user_id": user.id,
            "channel_id": channel_id,
            "team_id": self.workspace.team_id,
            "submission": {} if cancelled else copy.deepcopy(submission),
            "cancelled": cancelled,
        }
        status, answer = await self._post_json(opened["url"], payload, ACTION_TIMEOUT_SECONDS)
        return status, answer if isinstance(answer, dict) else {}

    async def slash(
        self, user: FakeUser, text: str = "", *, token: str | None = None, url: str
    ) -> tuple[int, dict[str, Any]]:
        channels = self.workspace.channels.values()
        found = next((c.id for c in channels if c.type == "O" and user.id in c.members), None)
        channel_id = found or self.workspace.channel("town-square", [user])
        form = {
            "channel_id": channel_id,
            "channel_name": self.workspace.channels[channel_id].name,
            "command": "/meldwijzer",
            "response_url": f"{self.server_url}/hooks/commands/{new_id()}",
            "team_domain": TEAM_NAME,
            "team_id": self.workspace.team_id,
            "text": text,
            "token": self.command_token if token is None else token,
            "trigger_id": self.issue_trigger(user),
            "user_id": user.id,
            "user_name": user.username,
        }
        assert self._client is not None
        timeout = aiohttp.ClientTimeout(total=SLASH_TIMEOUT_SECONDS)
        async with self._client.post(url, data=form, timeout=timeout) as response:
            return response.status, await _json_or_empty(response)

    def issue_trigger(self, user: FakeUser) -> str:
        """A trigger id as the server makes one: id, user, time (and a signature)."""
        trigger_id = f"{new_id()}:{user.id}:{self.workspace.clock.now()}:{secrets.token_hex(8)}"
        self.triggers[trigger_id] = Trigger(user.id)
        return trigger_id

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
            message = str(update.get("message", ""))
            await self.workspace.update_post(post, message=message, props=props)
        text = answer.get("ephemeral_text")
        if isinstance(text, str) and text:
            ephemeral = {"channel_id": post["channel_id"], "message": text}
            await self.workspace.store_ephemeral(self.workspace.bot, user.id, ephemeral)

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


def _find_action(post: dict[str, Any], button: int | str) -> dict[str, Any]:
    actions = actions_of(post)
    if isinstance(button, int):
        return actions[button]
    for action in actions:
        if button in (action.get("id"), action.get("name")):
            return action
    raise LookupError(f"no button {button!r} on the post")


async def _json_or_empty(response: aiohttp.ClientResponse) -> Any:
    text = await response.text()
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return {"_text": text}
