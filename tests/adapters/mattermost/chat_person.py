"""One person in a DM with the real app's bot, through the fake Mattermost server.

Messages go in as ``posted`` events over the bot's websocket; buttons and dialogs go through
the fake's integration requests, exactly as the server sends them. Each step returns the
posts the bot made for it, read from the fake (what the person would see).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from adapters.mattermost.command import COMMAND_PATH
from bot.app import NOTICE_CHANNELS, SERVICES, Services
from bot.delivery import NoticeTasks
from bot.outbox.models import SENT, DeliveryRow
from bot.outbox.store import utc
from bot.signals.registry import NewAdviser
from dialogs.messages import Messages

from .callback_app import action_index, grant_of
from .fake_model import FakeUser, actions_of
from .fake_server import FakeMattermost
from .running_app import Client, app_of, connected, eventually, running_app, settled

MESSAGES = Messages.load()
RECEIPT_SHAPE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}-[0-9A-Z]")
PASSPHRASE = "test-passphrase-7f3a-long-enough"
Json = dict[str, Any]


def t(lang: str, key: str, **values: str) -> str:
    return MESSAGES.text(lang, key, **values)


def texts(posts: Sequence[Json]) -> str:
    return "\n".join(str(post.get("message", "")) for post in posts)


def values(posts: Sequence[Json]) -> list[str]:
    """The core actions the posts' buttons carry (a form button: its form id)."""
    return [str(grant_of(action)["v"]) for post in posts for action in actions_of(post)]


def kinds(post: Json) -> list[str]:
    return [str(grant_of(action)["k"]) for action in actions_of(post)]


def state_spec(dialog: Json) -> Json:
    """The form spec signed into a dialog's ``state`` (plain base64url JSON before the tag)."""
    payload = str(dialog["state"]).split(".")[0]
    decoded: Json = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    spec: Json = decoded["f"]
    return spec


def element_names(opened: Json) -> list[str]:
    return [str(element["name"]) for element in opened["dialog"]["elements"]]


def elements(opened: Json) -> dict[str, Json]:
    return {str(element["name"]): element for element in opened["dialog"]["elements"]}


def fill(opened: Json, answers: dict[str, str]) -> Json:
    """A submission as the web app sends it: every checkbox a boolean, given fields as text.

    ``answers`` names the core's fields; a multi-choice answer is comma-joined values, ticked
    as the checkboxes ``field.index`` of those choices.
    """
    names = set(element_names(opened))
    submission: Json = {}
    for name, _label, kind, *_rest, choices in state_spec(opened["dialog"])["f"]:
        if kind == "multi":
            picked = set(filter(None, answers.get(name, "").split(",")))
            chosen = [value for value, _ in choices]
            assert picked <= set(chosen), (picked, chosen)
            for index, value in enumerate(chosen):
                submission[f"{name}.{index}"] = value in picked
        elif name in answers:
            submission[name] = answers[name]
    assert set(submission) <= names, (submission, names)
    return submission


@dataclass
class Person:
    """A Mattermost user and their DM with the bot."""

    fake: FakeMattermost
    client: Client
    user: FakeUser

    @property
    def dm(self) -> str:
        return self.fake.direct_channel_id(self.user)

    def bot_posts(self) -> list[Json]:
        """The bot's posts in the DM as the server holds them now (updates applied)."""
        return [p for p in self.fake.posts_in(self.dm) if p["user_id"] == self.fake.bot.id]

    async def say(self, message: str) -> list[Json]:
        """Post ``message`` in the DM; the bot's posts that answer it."""
        before = len(self.bot_posts())
        await self.fake.user_posts(self.user, message)
        await eventually(lambda: len(self.bot_posts()) > before, f"an answer to {message!r}")
        await settled(self.client)
        return self.bot_posts()[before:]

    async def start(self) -> list[Json]:
        """Type ``/meldwijzer`` in a team channel: an ephemeral pointer, the welcome in the DM."""
        before = len(self.bot_posts())
        url = str(self.client.make_url(COMMAND_PATH))
        status, answer = await self.fake.slash(self.user, url=url)
        assert status == 200 and answer.get("response_type") == "ephemeral", answer
        # The welcome is posted in the background; its menu (buttons) comes last.
        await eventually(
            lambda: any(actions_of(post) for post in self.bot_posts()[before:]), "the welcome"
        )
        return self.bot_posts()[before:]

    def with_button(self, value: str) -> Json:
        """The newest bot post in the DM with a button for ``value``."""
        for post in reversed(self.bot_posts()):
            if value in values([post]):
                return post
        raise AssertionError(f"no button for {value!r} in {values(self.bot_posts())}")

    async def press(self, value: str, post: Json | None = None) -> tuple[Json, list[Json]]:
        """Press the button for ``value``: the callback's answer and the bot's new posts."""
        chosen = post or self.with_button(value)
        before = len(self.bot_posts())
        status, answer = await self.fake.click(
            self.user, chosen, action_index(self.fake.posts[chosen["id"]], value)
        )
        assert status == 200, answer
        return answer, self.bot_posts()[before:]

    async def open_form(self, value: str) -> Json:
        """Press a button whose answer is a form; the dialog the server opened for it."""
        opened = len(self.fake.opened_dialogs)
        await self.press(value)
        assert len(self.fake.opened_dialogs) == opened + 1, "the dialog opened at once"
        dialog = self.fake.opened_dialogs[-1]
        assert dialog["trigger_id"] in self.fake.triggers
        return dialog

    async def submit(self, opened: Json, answers: dict[str, str]) -> list[Json]:
        """Submit the dialog; the bot's posts for it. The server took it (an empty answer)."""
        before = len(self.bot_posts())
        status, answer = await self.fake.submit_dialog(self.user, opened, fill(opened, answers))
        assert (status, answer) == (200, {}), answer
        return self.bot_posts()[before:]


@dataclass(frozen=True)
class Receipt:
    code: str
    post: Json  # the post that shows it (with the hide button)
    posts: list[Json]


async def leave_signal(reporter: Person, what: str, **answers: str) -> Receipt:
    """An anonymous signal through the intake dialog; its receipt and the post showing it."""
    await reporter.start()
    await reporter.press("topic:signal")
    opened = await reporter.open_form("signal:mode:anonymous")
    posts = await reporter.submit(
        opened, {"what": what, "role": "target", "kinds": "racism", **answers}
    )
    [shown] = [post for post in posts if "hide" in kinds(post)]
    [code] = RECEIPT_SHAPE.findall(shown["message"])
    return Receipt(code, shown, posts)


# ---- the app --------------------------------------------------------------------------


@dataclass
class Flow:
    """The real app listening to the fake server, and the people in it."""

    fake: FakeMattermost
    client: Client
    data_dir: Path

    @property
    def services(self) -> Services:
        return app_of(self.client)[SERVICES]

    def person(self, username: str, *, locale: str = "nl") -> Person:
        return Person(self.fake, self.client, self.fake.add_user(username, locale=locale))

    async def adviser(self, username: str, *, locale: str = "nl") -> tuple[Person, str]:
        """A person registered and enrolled as an adviser by Mattermost id; and their id."""
        found = self.person(username, locale=locale)
        registry = self.services.signals.registry
        added = await registry.add(
            NewAdviser(
                name="Test Adviser Mattermost",
                languages=("nl", "en"),
                mattermost_id=found.user.id,
            )
        )
        await registry.enrol(added.id, PASSPHRASE)
        return found, added.id

    async def notice_round(self) -> int:
        """The app's own outbox worker and channels, run at the due notices' time; how many
        were sent (the lifetime worker waits for the fixed notice times)."""
        async with self.services.sessions() as db:
            query = select(DeliveryRow).where(DeliveryRow.status != SENT)
            due = [utc(row.next_attempt_at) for row in (await db.execute(query)).scalars()]
        if not due:
            return 0
        tasks = NoticeTasks.build(
            self.services.settings,
            self.services.sessions,
            self.services.signals.outbox,
            app_of(self.client)[NOTICE_CHANNELS],
        )
        return (await tasks.worker.run_once(max(due))).sent

    async def count(self, table: str) -> int:
        async with self.services.sessions() as db:
            return int((await db.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())

    async def rows(self, query: str) -> list[tuple[Any, ...]]:
        async with self.services.sessions() as db:
            return [tuple(row) for row in (await db.execute(text(query))).all()]


@pytest.fixture(params=["ws", "wss"])
async def fake(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[FakeMattermost]:
    """The fake server on plain HTTP (ws://) and on TLS with a private CA (wss://)."""
    tls = request.param == "wss"
    async with FakeMattermost(tls=tls, tmp_path=tmp_path if tls else None) as found:
        yield found
        assert found.shape_errors == [], found.shape_errors


@pytest.fixture
async def flow(fake: FakeMattermost, tmp_path: Path) -> AsyncIterator[Flow]:
    data_dir = tmp_path / "data"
    # Notices are sent by the test's own worker round, never by the lifetime worker.
    async with running_app(fake, data_dir, outbox_poll_seconds=3600) as client:
        await connected(client)
        yield Flow(fake, client, data_dir)
