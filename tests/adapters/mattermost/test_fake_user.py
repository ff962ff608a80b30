"""The fake's user side: buttons, dialogs and slash commands reach an integration as documented."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from .clients import Integration, api, bot_post_with_button
from .fake_server import FakeMattermost

# -- the user's side: buttons, dialogs, commands ----------------------------------------


async def test_click_sends_the_documented_payload_and_applies_update(
    fake_mattermost: FakeMattermost,
    client: aiohttp.ClientSession,
    integration: tuple[Integration, str],
) -> None:
    endpoint, base = integration
    anna = fake_mattermost.add_user("anna")
    post = await bot_post_with_button(fake_mattermost, client, anna, base + "/actions")
    assert post["props"]["attachments"][0]["actions"][0]["id"]  # the server fills it in
    endpoint.answer = {"update": {"props": {"attachments": []}}}
    status, answer = await fake_mattermost.click(anna, post)
    assert status == 200 and answer == endpoint.answer
    sent = endpoint.received[0]
    assert sent["user_id"] == anna.id and sent["post_id"] == post["id"]
    assert sent["context"] == {"t": "token"} and sent["type"] == "button"
    assert sent["trigger_id"] in fake_mattermost.triggers
    assert {"channel_id", "channel_name", "team_id", "team_domain", "user_name"} <= sent.keys()
    stored = fake_mattermost.posts[post["id"]]
    # An update without a message empties it, as the server's UpdatePost does.
    assert stored["message"] == "" and stored["props"] == {"attachments": []}


async def test_dialog_opened_with_trigger_then_submitted(
    fake_mattermost: FakeMattermost,
    client: aiohttp.ClientSession,
    integration: tuple[Integration, str],
) -> None:
    endpoint, base = integration
    anna = fake_mattermost.add_user("anna")
    post = await bot_post_with_button(fake_mattermost, client, anna, base + "/actions")
    dialog = {
        "callback_id": "signal",
        "title": "Anonieme melding",
        "state": "signed-state",
        "elements": [{"display_name": "Wat is er gebeurd?", "name": "what", "type": "textarea"}],
    }
    endpoint.open_dialog_with = {"url": base + "/dialogs", "dialog": dialog}
    await fake_mattermost.click(anna, post)
    assert fake_mattermost.shape_errors == []
    [opened] = fake_mattermost.opened_dialogs
    endpoint.open_dialog_with = None
    status, _ = await fake_mattermost.submit_dialog(anna, opened, {"what": "iets"})
    assert status == 200
    submitted = endpoint.received[-1]
    assert submitted["type"] == "dialog_submission" and submitted["state"] == "signed-state"
    assert submitted["submission"] == {"what": "iets"} and submitted["cancelled"] is False
    assert submitted["user_id"] == anna.id and submitted["callback_id"] == "signal"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"title": "Een titel die veel te lang is"}, "dialog.title"),
        ({"elements": [{"display_name": "x" * 25, "name": "a", "type": "text"}]}, "display_name"),
        (
            {
                "elements": [
                    {"display_name": "A", "name": "a", "type": "text", "placeholder": "x" * 151}
                ]
            },
            "placeholder",
        ),
        ({"elements": [{"display_name": "A", "name": "a", "type": "select"}]}, "options"),
    ],
)
async def test_dialog_shape_errors(
    fake_mattermost: FakeMattermost,
    client: aiohttp.ClientSession,
    change: dict[str, Any],
    problem: str,
) -> None:
    dialog = {"callback_id": "c", "title": "Titel", "elements": [], **change}
    body = {"trigger_id": "t", "url": "http://127.0.0.1:1/x", "dialog": dialog}
    status, _ = await api(client, fake_mattermost, "POST", "/api/v4/actions/dialogs/open", body)
    assert status == 400
    assert any(problem in error for error in fake_mattermost.shape_errors)


async def test_dialog_needs_a_trigger_the_server_issued(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    body = {"trigger_id": "made-up", "url": "http://127.0.0.1:1/x", "dialog": {"title": "T"}}
    status, _ = await api(client, fake_mattermost, "POST", "/api/v4/actions/dialogs/open", body)
    assert status == 400 and fake_mattermost.opened_dialogs == []


async def test_slash_command_is_form_encoded_with_the_token(
    fake_mattermost: FakeMattermost, integration: tuple[Integration, str]
) -> None:
    endpoint, base = integration
    anna = fake_mattermost.add_user("anna")
    status, answer = await fake_mattermost.slash(anna, "help", url=base + "/command")
    assert status == 200 and answer["response_type"] == "ephemeral"
    form = endpoint.received[0]
    assert form["token"] == fake_mattermost.command_token and form["text"] == "help"
    assert form["user_id"] == anna.id and form["command"] == "/meldwijzer"
    assert form["trigger_id"] in fake_mattermost.triggers


async def test_expired_trigger_cannot_open_a_dialog(
    fake_mattermost: FakeMattermost, client: aiohttp.ClientSession
) -> None:
    anna = fake_mattermost.add_user("anna")
    trigger_id = fake_mattermost.issue_trigger(anna)
    fake_mattermost.expire_triggers()
    dialog = {"callback_id": "c", "title": "Titel", "elements": []}
    body = {"trigger_id": trigger_id, "url": "http://127.0.0.1:1/x", "dialog": dialog}
    status, _ = await api(client, fake_mattermost, "POST", "/api/v4/actions/dialogs/open", body)
    assert status == 400 and fake_mattermost.opened_dialogs == []
    assert fake_mattermost.shape_errors == []


async def test_submitting_fields_the_dialog_lacks_is_a_test_error(
    fake_mattermost: FakeMattermost,
) -> None:
    anna = fake_mattermost.add_user("anna")
    opened = {"url": "http://127.0.0.1:1/x", "dialog": {"elements": [{"name": "what"}]}}
    with pytest.raises(ValueError, match="extra"):
        await fake_mattermost.submit_dialog(anna, opened, {"what": "x", "extra": "y"})
