"""Factories for the signal tests: reporters and advisers talking to the real core.

Everything goes through ``ConversationService.handle`` as a channel would send it; the
only thing a test may choose is the clock (``core_at``), the way a replica started at
another moment would see it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pytest
from sqlalchemy import Connection, MetaData, text, update

from bot.app import (
    Services,
    build_conversations,
    build_services,
    build_signal_services,
    prepare_database,
)
from bot.conversation import ConversationService
from bot.core import Channel, Incoming, Kind, Reply
from bot.db import Base, create_engine
from bot.secret import server_secret
from bot.settings import Settings
from bot.signals.models import AdviserRow
from bot.signals.registry import NewAdviser
from dialogs.messages import Messages
from dialogs.outcomes import close_as_action
from tests.conftest import TEST_KDF
from tests.environment import unavailable

PASSPHRASE = "canary-passphrase-2c9e"
DEMO_PASSPHRASE = "demo-passphrase"
SIGNAL_TABLES = ("signals", "signal_messages", "signal_wraps")
MESSAGES = Messages.load()


def t(key: str, **values: str) -> str:
    """An interface text in English, the language every test conversation uses."""
    return MESSAGES.text("en", key, **values)


def closed_as(outcome: str) -> str:
    """What the desk says after closing a signal with ``outcome``."""
    return t("adviser.closed_as", outcome=t(f"adviser.outcome_{outcome.replace('-', '_')}"))


def unique(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(6)}"


class Core(Protocol):
    async def handle(self, incoming: Incoming) -> Sequence[Reply]: ...


@dataclass(frozen=True)
class Person:
    """One side of one conversation on one channel."""

    core: Core
    channel: Channel
    conversation: str
    sender: str = ""

    async def send(self, kind: Kind, **values: object) -> Sequence[Reply]:
        event = Incoming(
            self.channel,
            self.conversation,
            kind,
            sender=self.sender,
            locale="en",
            **values,  # type: ignore[arg-type]
        )
        return await self.core.handle(event)

    async def start(self) -> Sequence[Reply]:
        return await self.send(Kind.START)

    async def press(self, action: str) -> Sequence[Reply]:
        return await self.send(Kind.ACTION, action=action)

    async def submit(self, form: str, **data: str) -> Sequence[Reply]:
        return await self.send(Kind.FORM, form=form, data=data)

    def elsewhere(self, core: Core) -> Person:
        """The same person, their next turn served by another replica."""
        return Person(core, self.channel, self.conversation, self.sender)


def reporter(core: Core | Services, channel: Channel = Channel.WEBCHAT, sender: str = "") -> Person:
    handler = core.conversations if isinstance(core, Services) else core
    return Person(handler, channel, unique(f"conv-{channel.value}"), sender)


def all_text(replies: Sequence[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)


def actions(replies: Sequence[Reply]) -> list[str]:
    return [button.action for reply in replies for button in reply.buttons]


def form_of(replies: Sequence[Reply]) -> Mapping[str, object]:
    forms = [reply.form for reply in replies if reply.form is not None]
    assert forms, f"no form in {all_text(replies)!r}"
    form = forms[-1]
    return {"id": form.id, "fields": {f.name: f for f in form.fields}}


def receipt_in(replies: Sequence[Reply]) -> str:
    shown = [reply for reply in replies if reply.sensitive]
    assert len(shown) == 1, f"expected one receipt, got {all_text(replies)!r}"
    return shown[0].text.split("**")[1]


# ---- reporters ------------------------------------------------------------------


async def open_intake(person: Person, mode: str = "anonymous") -> Sequence[Reply]:
    await person.press("topic:signal")
    return await person.press(f"signal:mode:{mode}")


@dataclass(frozen=True)
class Submitted:
    person: Person
    replies: Sequence[Reply]

    @property
    def receipt(self) -> str:
        return receipt_in(self.replies)


async def submit_signal(
    services: Services | Core,
    what: str = "Canary-Text-0d1e: a remark in a meeting",
    channel: Channel = Channel.WEBCHAT,
    *,
    mode: str = "anonymous",
    person: Person | None = None,
    **fields: str,
) -> Submitted:
    """A reporter opens the intake form and sends it; ``fields`` override the defaults."""
    person = person or reporter(services, channel)
    await open_intake(person, mode)
    data = {"what": what, "role": "target", "kinds": "racism", **fields}
    return Submitted(person, await person.submit("signal:intake", **data))


async def read_thread(person: Person, receipt: str) -> Sequence[Reply]:
    await person.press("topic:follow-up")
    return await person.submit("follow-up:read", code=receipt)


async def add_to_thread(person: Person, receipt: str, message: str) -> Sequence[Reply]:
    await person.press("topic:follow-up")
    await person.press("follow-up:add")
    return await person.submit("follow-up:add", code=receipt, text=message)


async def delete_signal(person: Person, receipt: str) -> Sequence[Reply]:
    await person.press("topic:follow-up")
    await person.press("follow-up:delete")
    return await person.submit("follow-up:delete", code=receipt, confirm="yes")


# ---- advisers -------------------------------------------------------------------


@dataclass(frozen=True)
class Desk:
    """An adviser talking to the bot in Teams (``sender`` = their AAD object id)."""

    person: Person
    adviser_id: str
    passphrase: str

    async def unlock(self, passphrase: str | None = None) -> Sequence[Reply]:
        await self.person.press("adviser:inbox")
        return await self.person.submit("adviser:unlock", passphrase=passphrase or self.passphrase)

    async def inbox(self) -> Sequence[Reply]:
        return await self.person.press("adviser:inbox")

    async def open(self, signal_id: str) -> Sequence[Reply]:
        return await self.person.press(f"adviser:open:{signal_id}")

    async def write(self, signal_id: str, message: str, verb: str = "reply") -> Sequence[Reply]:
        await self.person.press(f"adviser:{verb}:{signal_id}")
        return await self.person.submit(f"adviser:{verb}:{signal_id}", text=message)

    async def close(self, signal_id: str, outcome: str = "advice") -> Sequence[Reply]:
        """Press "close", then the outcome (the desk asks how the signal ended first)."""
        asked = await self.person.press(f"adviser:close:{signal_id}")
        # Only what the desk offered can be pressed: the outcome's button must be there.
        action = close_as_action(signal_id, outcome)
        assert action in {b.action for reply in asked for b in reply.buttons}, all_text(asked)
        return await self.person.press(action)

    async def recuse(self, signal_id: str) -> Sequence[Reply]:
        return await self.person.press(f"adviser:recuse:{signal_id}")

    async def lock(self) -> Sequence[Reply]:
        return await self.person.press("adviser:lock")

    def elsewhere(self, core: Core) -> Desk:
        return Desk(self.person.elsewhere(core), self.adviser_id, self.passphrase)


async def adviser_in_teams(
    services: Services,
    teams_id: str,
    *,
    name: str | None = None,
    units: tuple[str, ...] = (),
    core: Core | None = None,
) -> Desk:
    """A new enrolled adviser reachable in Teams; without ``name``, the demo adviser."""
    registry = services.signals.registry
    if name is None:
        demo = next(a for a in await registry.all() if a.demo)
        async with services.sessions.begin() as db:
            await db.execute(
                update(AdviserRow).where(AdviserRow.id == demo.id).values(teams_id=teams_id)
            )
        adviser_id, passphrase = demo.id, DEMO_PASSPHRASE
    else:
        added = await registry.add(
            NewAdviser(name=name, languages=("nl", "en"), units=units, teams_id=teams_id)
        )
        await registry.enrol(added.id, PASSPHRASE)
        adviser_id, passphrase = added.id, PASSPHRASE
    person = Person(core or services.conversations, Channel.TEAMS, unique("teams-conv"), teams_id)
    return Desk(person, adviser_id, passphrase)


async def the_demo_adviser_id(services: Services) -> str:
    return next(a.id for a in await services.signals.registry.all() if a.demo)


# ---- the database as it is ------------------------------------------------------


async def rows(services: Services, table: str) -> list[tuple[object, ...]]:
    async with services.sessions() as db:
        result = await db.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))
        return [tuple(row) for row in result.all()]


async def values(services: Services, table: str, *columns: str) -> list[tuple[object, ...]]:
    """The named columns of every row: in insertion order where the table keeps one, else
    sorted (the signal tables deliberately have no rowid that would tell the order)."""
    order = ", ".join(columns) if table in SIGNAL_TABLES else "rowid"
    async with services.sessions() as db:
        query = text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")
        return [tuple(row) for row in (await db.execute(query)).all()]


async def count(services: Services, table: str) -> int:
    return len(await rows(services, table))


async def snapshot(services: Services, *tables: str) -> dict[str, list[tuple[object, ...]]]:
    return {table: await rows(services, table) for table in tables or SIGNAL_TABLES}


async def signal_ids(services: Services) -> list[str]:
    return [str(row[0]) for row in await rows(services, "signals")]


# ---- a replica with its own clock -----------------------------------------------


def core_at(services: Services, moment: datetime) -> ConversationService:
    """The core as another replica on the same database sees it, its clock at ``moment``."""
    settings = services.settings

    def now() -> datetime:
        return moment

    given = settings.secret.get_secret_value() if settings.secret else None
    secret = server_secret(given, settings.data_dir)
    signals = build_signal_services(settings, services.sessions, secret, now)
    return build_conversations(settings, services.knowledge, services.store, signals, now)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# ---- the same test on SQLite and on PostgreSQL ------------------------------------

POSTGRES_URL = os.environ.get("MELDWIJZER_TEST_DATABASE_URL", "")
Build = Callable[..., Awaitable[Services]]


def drop_everything(connection: Connection) -> None:
    Base.metadata.drop_all(connection)
    reflected = MetaData()
    reflected.reflect(connection)
    reflected.drop_all(connection)
    connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


async def empty_postgres() -> None:
    if not POSTGRES_URL:
        unavailable("set MELDWIJZER_TEST_DATABASE_URL=postgresql://… to run the PostgreSQL tests")
    engine = create_engine(POSTGRES_URL)
    async with engine.begin() as connection:
        await connection.run_sync(drop_everything)
    await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def build_on(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Build]:
    """Builds the real services on SQLite or PostgreSQL, with settings overrides."""
    built: list[Services] = []
    if request.param == "postgres":
        await empty_postgres()
    database = {"database_url": POSTGRES_URL} if request.param == "postgres" else {}

    async def build(**overrides: object) -> Services:
        values = {"data_dir": tmp_path / "data", **TEST_KDF, **database, **overrides}
        if request.param == "postgres":
            values.setdefault("secret", "canary-secret-" + "x" * 40)
        services = build_services(Settings(**values))  # type: ignore[arg-type]
        built.append(services)
        if request.param == "postgres":
            from bot import migrate

            await migrate.upgrade(services.engine)
        await prepare_database(services, seed_demo=True)
        return services

    yield build
    for services in built:
        await services.close()
    if request.param == "postgres":
        await empty_postgres()


@pytest.fixture
async def any_services(build_on: Build) -> Services:
    """The same test on the embedded SQLite and on PostgreSQL, with the default settings."""
    return await build_on()
