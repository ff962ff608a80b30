"""Buttons and dialogs against the real core: once, signed, refused plainly, nothing leaked."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from adapters.mattermost import request_body
from adapters.mattermost.callbacks import ACTIONS_PATH, DIALOGS_PATH, HIDDEN, REFUSALS
from adapters.mattermost.request_body import MAX_BODY_BYTES
from bot.core import Incoming, Reply

from .callback_app import (
    Bot,
    action_values,
    bot,
    button_names,
    grant_of,
    press_payload,
    start_bot,
    texts,
)
from .fake_model import actions_of

__all__ = ["bot"]  # the fixture, imported for pytest

THIRD_PARTY_DEBUG = ("urllib3", "aiosqlite")
RECEIPT_SHAPE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}-[0-9A-Z]")


def first_with_buttons(posts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return next(p for p in posts if actions_of(p))


async def signal_count(bot: Bot) -> int:
    async with bot.services.sessions() as db:
        return int(
            (await db.execute(select(func.count()).select_from(text("signals")))).scalar_one()
        )


async def test_a_press_runs_the_turn_once_and_the_post_cannot_be_pressed_again(bot: Bot) -> None:
    user = bot.fake.add_user("anna", locale="en")
    welcome = await bot.welcome(user)
    menu = first_with_buttons(welcome)
    message = menu["message"]
    replay = press_payload(bot.fake, user, menu, 0)

    status, answer, new_posts = await bot.press(user, menu, 0)
    assert status == 200
    assert new_posts, "the turn answered in the DM"
    stored = bot.fake.posts[menu["id"]]
    assert actions_of(stored) == [], "the buttons are gone"
    assert stored["message"] == message, "the update keeps the post's message"
    assert answer["update"]["message"] == message

    before = len(bot.bot_posts(user))
    again = await bot.client.post(ACTIONS_PATH, json=replay)
    assert again.status == 200
    body = await again.json()
    assert body == {"ephemeral_text": REFUSALS["used"], "skip_slack_parsing": True}
    assert len(bot.bot_posts(user)) == before, "no second turn"


async def test_the_same_press_arriving_many_times_at_once_runs_one_turn(bot: Bot) -> None:
    user = bot.fake.add_user("ben", locale="en")
    menu = first_with_buttons(await bot.welcome(user))
    payload = press_payload(bot.fake, user, menu, 0)
    before = len(bot.bot_posts(user))

    async def send() -> dict[str, Any]:
        response = await bot.client.post(ACTIONS_PATH, json=payload)
        assert response.status == 200
        answer: dict[str, Any] = await response.json()
        return answer

    answers = await asyncio.gather(*(send() for _ in range(8)))
    assert sum("update" in a for a in answers) == 1
    assert sum(a.get("ephemeral_text") == REFUSALS["used"] for a in answers) == 7
    one_turn = len(bot.bot_posts(user)) - before
    assert one_turn >= 1
    assert await bot.once_rows() == 1


@pytest.mark.parametrize("tamper", ["signature", "grant", "garbage", "missing"])
async def test_a_forged_or_tampered_context_is_refused_and_changes_nothing(
    bot: Bot, tamper: str
) -> None:
    user = bot.fake.add_user("cor", locale="en")
    menu = first_with_buttons(await bot.welcome(user))
    payload = press_payload(bot.fake, user, menu, 0)
    token: str = payload["context"]["t"]
    grant, tag = token.split(".")
    if tamper == "signature":
        payload["context"]["t"] = f"{grant}.{tag[:-2]}{'AA' if tag[-2:] != 'AA' else 'BA'}"
    elif tamper == "grant":
        payload["context"]["t"] = f"{grant[:-2]}{'xx' if grant[-2:] != 'xx' else 'yy'}.{tag}"
    elif tamper == "garbage":
        payload["context"]["t"] = "not-a-token"
    else:
        payload["context"] = {}
    requests_before = len(bot.fake.requests)
    posts_before = len(bot.fake.posts)

    response = await bot.client.post(ACTIONS_PATH, json=payload)
    assert response.status == (400 if tamper == "missing" else 403)
    body = await response.json()
    assert set(body["error"]) == {"code", "message"}
    assert token not in json.dumps(body)
    assert len(bot.fake.requests) == requests_before, "no REST call"
    assert len(bot.fake.posts) == posts_before
    assert await bot.once_rows() == 0, "no database write"
    assert actions_of(bot.fake.posts[menu["id"]]), "the post is untouched"


async def test_someone_elses_button_a_wrong_channel_and_an_expired_one_are_told_plainly(
    bot: Bot,
) -> None:
    owner = bot.fake.add_user("dirk", locale="en")
    other = bot.fake.add_user("eva", locale="en")
    menu = first_with_buttons(await bot.welcome(owner))
    requests_before = len(bot.fake.requests)

    async def answer(payload: dict[str, Any]) -> dict[str, Any]:
        response = await bot.client.post(ACTIONS_PATH, json=payload)
        assert response.status == 200
        result: dict[str, Any] = await response.json()
        return result

    stolen = press_payload(bot.fake, owner, menu, 0)
    stolen["user_id"] = other.id
    assert (await answer(stolen))["ephemeral_text"] == REFUSALS["wrong_user"]

    moved = press_payload(bot.fake, owner, menu, 0)
    moved["channel_id"] = bot.dm(other)
    assert (await answer(moved))["ephemeral_text"] == REFUSALS["wrong_channel"]

    bot.clock.offset = 13 * 3600
    late = press_payload(bot.fake, owner, menu, 0)
    assert (await answer(late))["ephemeral_text"] == REFUSALS["expired"]

    assert len(bot.fake.requests) == requests_before
    assert await bot.once_rows() == 0
    assert actions_of(bot.fake.posts[menu["id"]]), "still pressable by its owner"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"user_id": 5}', "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b"{}", "text/plain", 415),
        (b'{"a": "' + b"x" * MAX_BODY_BYTES + b'"}', "application/json", 413),
    ],
)
async def test_bad_bodies_get_a_json_problem(
    bot: Bot, body: bytes, content_type: str, status: int
) -> None:
    for path in (ACTIONS_PATH, DIALOGS_PATH):
        response = await bot.client.post(path, data=body, headers={"Content-Type": content_type})
        assert response.status == status
        assert set((await response.json())["error"]) == {"code", "message"}
    assert bot.fake.requests == []


async def test_the_signal_form_opens_as_a_dialog_and_files_one_signal_once(bot: Bot) -> None:
    user = bot.fake.add_user("fleur", locale="en")
    welcome = await bot.welcome(user)
    _, _, intro = await bot.press(user, first_with_buttons(welcome), "topic:signal")
    pick = next(p for p in intro if "signal:mode:anonymous" in action_values([p]))
    status, _, offered = await bot.press(user, pick, "signal:mode:anonymous")
    assert status == 200
    assert bot.fake.opened_dialogs, "a form right after a press opens at once"
    kinds = [grant_of(action)["k"] for post in offered for action in actions_of(post)]
    assert "form" in kinds, "and its button stays, should the dialog be closed"
    opened = bot.fake.opened_dialogs[-1]
    assert opened["url"] == bot.base + DIALOGS_PATH
    names = [element["name"] for element in opened["dialog"]["elements"]]
    assert "what" in names

    submission: dict[str, Any] = {name: "" for name in names}
    submission["what"] = "Remarks about my background in the team meeting, again."
    for element in opened["dialog"]["elements"]:
        if element["type"] == "select" and element.get("options"):
            submission[element["name"]] = element["options"][0]["value"]
        if element["type"] == "bool":
            submission[element["name"]] = False
    empty = {**submission, "what": "  "}
    claims = await bot.once_rows()
    status, answer = await bot.fake.submit_dialog(user, opened, empty)
    assert status == 200 and answer == {"errors": {"what": REFUSALS["required"]}}
    assert await signal_count(bot) == 0 and await bot.once_rows() == claims

    before = len(bot.bot_posts(user))
    status, answer = await bot.fake.submit_dialog(user, opened, submission)
    assert status == 200 and answer == {}
    assert await signal_count(bot) == 1
    receipt_posts = bot.bot_posts(user)[before:]
    assert receipt_posts

    status, answer = await bot.fake.submit_dialog(user, opened, submission)
    assert status == 200 and answer == {"error": REFUSALS["used"]}
    assert await signal_count(bot) == 1, "a second submission files nothing"

    [receipt] = [p for p in receipt_posts if any(grant_of(a)["k"] == "hide" for a in actions_of(p))]
    [code] = RECEIPT_SHAPE.findall(receipt["message"])
    status, answer, _ = await bot.press(user, receipt, 0)
    assert status == 200
    hidden = bot.fake.posts[receipt["id"]]
    assert hidden["message"] == HIDDEN["en"]
    assert code not in json.dumps(hidden) and code.replace("-", "") not in json.dumps(hidden)
    assert actions_of(hidden) == []
    assert await signal_count(bot) == 1, "hiding touches only the post"


async def test_a_form_button_opens_the_dialog_with_the_trigger_of_its_press(bot: Bot) -> None:
    user = bot.fake.add_user("gijs", locale="en")
    welcome = await bot.welcome(user)
    _, _, intro = await bot.press(user, first_with_buttons(welcome), "topic:signal")
    pick = next(p for p in intro if "signal:mode:anonymous" in action_values([p]))
    _, _, offered = await bot.press(user, pick, "signal:mode:anonymous")
    with_form = [p for p in offered if button_names([p])]
    assert with_form, texts(offered)
    dialogs_before = len(bot.fake.opened_dialogs)
    status, answer, new_posts = await bot.press(user, with_form[-1], 0)
    assert status == 200 and answer == {} and new_posts == []
    assert len(bot.fake.opened_dialogs) == dialogs_before + 1
    assert bot.fake.opened_dialogs[-1]["trigger_id"] in bot.fake.triggers
    assert actions_of(bot.fake.posts[with_form[-1]["id"]]), "cancelling leaves the button"


async def test_a_dialog_cancel_or_forged_state_changes_nothing(bot: Bot) -> None:
    user = bot.fake.add_user("hans", locale="en")
    element = {"name": "what", "type": "text", "display_name": "What"}
    forged = {"state": "forged.state", "elements": [element]}
    opened = {"url": bot.base + DIALOGS_PATH, "dialog": forged}
    status, answer = await bot.fake.submit_dialog(user, opened, {"what": "x"})
    assert status == 403 and set(answer["error"]) == {"code", "message"}
    status, answer = await bot.fake.submit_dialog(user, opened, {}, cancelled=True)
    assert status == 403
    assert await bot.once_rows() == 0
    assert bot.bot_posts(user) == []


class FailingCore:
    """The core's far side breaking: every turn raises."""

    async def handle(self, incoming: Incoming) -> Sequence[Reply]:
        raise RuntimeError(f"core broke for {incoming.sender} in {incoming.conversation}")


async def test_an_unexpected_error_is_an_apology_and_one_line_with_the_type_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async for running in start_bot(tmp_path):
        user = running.fake.add_user("ilse", locale="en")
        menu = first_with_buttons(await running.welcome(user))
        running.turn._handler = FailingCore()
        with caplog.at_level(logging.DEBUG):
            status, answer, posts = await running.press(user, menu, 0)
        assert status == 200 and "update" in answer
        assert (
            texts(posts)
            == "Sorry, something went wrong on my side. Please try again in a few minutes."
        )
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert [r.getMessage() for r in errors] == ["mattermost turn failed: RuntimeError"]
        # Ours and aiohttp's; urllib3 and aiosqlite log URLs and parameters at DEBUG, which
        # a deployment never runs at (see the channel's docs).
        logged = "\n".join(
            r.getMessage() for r in caplog.records if not r.name.startswith(THIRD_PARTY_DEBUG)
        )
        for secret in (user.id, running.dm(user), menu["id"], running.fake.bot.token):
            assert secret not in logged


async def test_a_body_that_never_finishes_is_cut_off(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(request_body, "BODY_TIMEOUT_SECONDS", 0.2)
    port = bot.client.server.port
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"POST {ACTIONS_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"user_id": '.encode()
    )
    await writer.drain()
    async with asyncio.timeout(10):  # a guard: without the cut-off this would hang
        head = await reader.readline()
    writer.close()
    assert head.startswith(b"HTTP/1.1 408")
    assert bot.fake.requests == []


async def test_a_database_failure_is_a_plain_apology_and_no_turn(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    user = bot.fake.add_user("jan", locale="en")
    menu = first_with_buttons(await bot.welcome(user))
    async with bot.services.engine.begin() as connection:
        await connection.execute(text("DROP TABLE mattermost_once"))
    before = len(bot.bot_posts(user))
    with caplog.at_level(logging.ERROR):
        status, answer, posts = await bot.press(user, menu, 0)
    assert status == 200 and answer["ephemeral_text"] == REFUSALS["failed"]
    assert posts == [] and len(bot.bot_posts(user)) == before
    assert actions_of(bot.fake.posts[menu["id"]]), "still there to press once it works"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == [
        "mattermost action failed: StorageError"
    ]
