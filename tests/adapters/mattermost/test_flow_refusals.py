"""Presses the real app must refuse: forged, expired, replayed, someone else's.

Each is refused with nothing changed: no turn (no post by the bot), no row of any table
written, no REST call to the server, the pressed post still pressable by its owner.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from adapters.mattermost.callbacks import ACTIONS_PATH, DIALOGS_PATH, REFUSALS
from adapters.mattermost.signing import CallbackSigner, Grant
from bot.app import secret_of

from .callback_app import grant_of, press_payload
from .chat_person import Flow, Person, flow, values
from .fake_model import actions_of
from .fake_server import FakeMattermost

__all__ = ["flow"]  # the fixture, imported for pytest

Snapshot = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeMattermost]:
    """Plain HTTP only: the callbacks do not depend on the websocket's transport."""
    async with FakeMattermost() as found:
        yield found
        assert found.shape_errors == [], found.shape_errors


# The app's own outbox worker plans the day's digest by the clock, on its first round after
# start: when that round ends after the snapshot (a busy machine), its rows are no answer to
# a press. Everything else a press could write is compared.
_BY_THE_CLOCK = {
    "digest_runs": "SELECT * FROM digest_runs WHERE 0",
    "deliveries": "SELECT * FROM deliveries WHERE kind != 'digest'",
}


async def snapshot(flow: Flow) -> Snapshot:
    """Every row of every table, but the day's digest."""
    async with flow.services.sessions() as db:
        query = text("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        tables = [str(name) for (name,) in (await db.execute(query)).all()]
        found: Snapshot = {}
        for table in tables:
            select = _BY_THE_CLOCK.get(table, f'SELECT * FROM "{table}"')
            rows = (await db.execute(text(select))).all()
            found[table] = sorted((tuple(row) for row in rows), key=repr)
        return found


class Unchanged:
    """What must stay as it is: the tables, the server's posts and the REST calls."""

    def __init__(self, flow: Flow, owner: Person) -> None:
        self.flow = flow
        self.owner = owner

    async def __aenter__(self) -> Unchanged:
        self.rows = await snapshot(self.flow)
        self.posts = {key: dict(post) for key, post in self.flow.fake.posts.items()}
        self.rest = [r for r in self.flow.fake.requests if r.method != "WS"]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert await snapshot(self.flow) == self.rows, "no row changed"
        assert self.flow.fake.posts == self.posts, "no post made or changed"
        rest = [r for r in self.flow.fake.requests if r.method != "WS"]
        # A refusal in the person's language may look up their locale; nothing else.
        extra = [r.path for r in rest[len(self.rest) :]]
        assert all(path.startswith("/api/v4/users/") for path in extra), extra


async def menu_of(person: Person) -> dict[str, Any]:
    await person.start()
    return person.with_button("topic:bystander")


async def test_a_forged_context_is_refused_with_nothing_changed(flow: Flow) -> None:
    owner = flow.person("olga")
    menu = await menu_of(owner)
    payload = press_payload(flow.fake, owner.user, menu, "topic:bystander")
    token: str = payload["context"]["t"]
    grant, tag = token.split(".")
    forgeries = {
        "a changed tag": f"{grant}.{tag[:-2]}{'AA' if tag[-2:] != 'AA' else 'BA'}",
        "a changed grant": f"{grant[:-2]}{'xx' if grant[-2:] != 'xx' else 'yy'}.{tag}",
        "signed with another key": CallbackSigner(b"another secret" * 3).sign(
            Grant("action", "adviser:inbox", owner.dm, owner.user.id, "n", 2**40)
        ),
    }
    async with Unchanged(flow, owner):
        for case, forged in forgeries.items():
            response = await flow.client.post(
                ACTIONS_PATH, json={**payload, "context": {"t": forged}}
            )
            assert response.status == 403, case
            assert set((await response.json())["error"]) == {"code", "message"}
        forged_dialog = {
            "type": "dialog_submission",
            "callback_id": "",
            "state": forgeries["a changed tag"],
            "user_id": owner.user.id,
            "channel_id": owner.dm,
            "team_id": flow.fake.team_id,
            "submission": {"what": "Forged-Text-5d1c"},
            "cancelled": False,
        }
        response = await flow.client.post(DIALOGS_PATH, json=forged_dialog)
        assert response.status == 403
    assert actions_of(flow.fake.posts[menu["id"]]), "still pressable by its owner"


async def test_an_expired_button_is_refused_plainly_with_nothing_changed(flow: Flow) -> None:
    owner = flow.person("otto")
    menu = await menu_of(owner)
    shown = grant_of(actions_of(flow.fake.posts[menu["id"]])[0])
    # The app's own key, 13 hours ago: a button shown yesterday, past its 12 hours.
    secret = secret_of(flow.services.settings)
    yesterday = CallbackSigner(secret, clock=lambda: time.time() - 13 * 3600)
    old = yesterday.sign(
        yesterday.grant(
            "action", "topic:bystander", conversation=owner.dm, user=owner.user.id, nonce="old"
        )
    )
    assert shown["c"] == owner.dm and shown["u"] == owner.user.id
    payload = press_payload(flow.fake, owner.user, menu, "topic:bystander")
    async with Unchanged(flow, owner):
        response = await flow.client.post(ACTIONS_PATH, json={**payload, "context": {"t": old}})
        assert response.status == 200
        assert (await response.json())["ephemeral_text"] == REFUSALS["expired"]
    assert actions_of(flow.fake.posts[menu["id"]])


async def test_a_replayed_press_runs_no_second_turn(flow: Flow) -> None:
    owner = flow.person("pien")
    menu = await menu_of(owner)
    replay = press_payload(flow.fake, owner.user, menu, "topic:bystander")
    before = await snapshot(flow)
    _, answered = await owner.press("topic:bystander", post=menu)
    assert answered and actions_of(flow.fake.posts[menu["id"]]) == []
    assert await snapshot(flow) != before, "a press that counts is seen in the tables"
    # The same request again, as a retrying proxy or an attacker with a copy would send it.
    async with Unchanged(flow, owner):
        for _ in range(3):
            response = await flow.client.post(ACTIONS_PATH, json=replay)
            assert response.status == 200
            assert (await response.json())["ephemeral_text"] == REFUSALS["used"]


async def test_someone_elses_click_is_refused_and_only_they_are_told(flow: Flow) -> None:
    owner = flow.person("quinten")
    other = flow.person("rosa")
    menu = await menu_of(owner)
    index = values([flow.fake.posts[menu["id"]]]).index("topic:bystander")
    async with Unchanged(flow, owner):
        # The server sends the click with the clicker's id: a shared screen, a forwarded post.
        status, answer = await flow.fake.click(other.user, menu, index)
        assert status == 200 and answer["ephemeral_text"] == REFUSALS["wrong_user"]
        assert "update" not in answer
    [told] = flow.fake.ephemerals
    assert told.user_id == other.user.id
    assert actions_of(flow.fake.posts[menu["id"]]), "the owner can still press it"
    _, answered = await owner.press("topic:bystander", post=menu)
    assert answered
