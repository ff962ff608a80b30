"""Two ``meldwijzer serve`` replicas on one PostgreSQL, one fake Mattermost server.

Only the holder of the listener lock keeps the websocket open; SIGKILL it and the other
takes the lock over and opens the websocket, catching up over REST on what was posted in
between. Every message is answered once, and the buttons' callbacks work on either replica
(behind a load balancer a press reaches any of them). The fake runs in this process; the
replicas are real child processes that reach it over loopback.
"""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from dialogs.messages import Messages
from tests.adapters.mattermost.fake_server import FakeMattermost, FakeUser
from tests.conftest import TEST_KDF
from tests.crash.serve_process import REPO, ServeProcess, free_port
from tests.signals.conftest import POSTGRES_URL, empty_postgres

pytestmark = pytest.mark.postgres

MESSAGES = Messages.load()

MENU = {MESSAGES.text("nl", "menu.options"), MESSAGES.text("nl", "menu.signal")}
TAKEOVER_BOUND_SECONDS = 30.0  # issue 9: "the other opens it within 30 s"
STEADY_SECONDS = 3.0  # both replicas running, watched for a second websocket
WAIT_SECONDS = 60.0  # against a hang on a loaded machine, not a timing claim


def replica_env(fake: FakeMattermost, data_dir: Path, secret: str, port: int) -> dict[str, str]:
    return {
        "MELDWIJZER_DATA_DIR": str(data_dir),
        "MELDWIJZER_DATABASE_URL": POSTGRES_URL,
        "MELDWIJZER_SECRET": secret,  # shared: callbacks signed by one replica verify on any
        "MELDWIJZER_KDF_MEMORY_KIB": str(TEST_KDF["kdf_memory_kib"]),
        "MELDWIJZER_KDF_ITERATIONS": str(TEST_KDF["kdf_iterations"]),
        "MELDWIJZER_DEMO_ADVISER": "false",
        "MELDWIJZER_TEAMS_ENABLED": "false",
        "MELDWIJZER_MATTERMOST_URL": fake.url,
        "MELDWIJZER_MATTERMOST_TOKEN": fake.bot.token,
        "MELDWIJZER_MATTERMOST_CALLBACK_URL": f"http://127.0.0.1:{port}",
    }


def upgrade_database(server: ServeProcess) -> None:
    """``meldwijzer db upgrade`` once: serve never migrates a shared database itself."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        cwd=REPO,
        env=server.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]


@pytest.fixture
async def fake() -> AsyncIterator[FakeMattermost]:
    async with FakeMattermost() as server:
        yield server


@pytest.fixture
async def replicas(fake: FakeMattermost, tmp_path: Path) -> AsyncIterator[list[ServeProcess]]:
    """Two replicas, started one after the other (so the first usually leads)."""
    await empty_postgres()  # also: CI without a server fails here rather than skipping
    secret = secrets.token_urlsafe(36)
    servers = []
    for name in ("a", "b"):
        port = free_port()
        env = replica_env(fake, tmp_path / name, secret, port)
        servers.append(ServeProcess(env, port, tmp_path / f"serve-{name}.log"))
    await asyncio.to_thread(upgrade_database, servers[0])
    with ExitStack() as stack:
        for server in servers:
            stack.callback(server.stop)
            # In a thread: the fake answering the replica's startup runs on this loop.
            await asyncio.to_thread(server.start)
        yield servers
        await asyncio.gather(*(asyncio.to_thread(server.stop) for server in servers))
    await empty_postgres()


async def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.02)


async def mattermost_health(session: aiohttp.ClientSession, server: ServeProcess) -> Any:
    """The replica's Mattermost state in /healthz: "up" (it listens), "standby" or "down"."""
    async with session.get(server.base_url + "/healthz") as response:
        assert response.status == 200
        return (await response.json())["channels"]["mattermost"]


async def roles(session: aiohttp.ClientSession, servers: list[ServeProcess]) -> list[str]:
    return [await mattermost_health(session, s) for s in servers]


async def until_roles(
    session: aiohttp.ClientSession, servers: list[ServeProcess], wanted: list[str]
) -> list[str]:
    """The replicas' roles once they are ``wanted`` in some order (a start says "down")."""
    deadline = time.monotonic() + WAIT_SECONDS
    while sorted(found := await roles(session, servers)) != sorted(wanted):
        if time.monotonic() > deadline:
            raise AssertionError(f"roles {found}, expected {wanted}")
        await asyncio.sleep(0.1)
    return found


def bot_posts(fake: FakeMattermost, channel_id: str) -> list[dict[str, Any]]:
    return [p for p in fake.posts_in(channel_id) if p["user_id"] == fake.bot.id]


def buttons(post: dict[str, Any]) -> list[str]:
    attachments = (post.get("props") or {}).get("attachments") or []
    return [action["name"] for a in attachments for action in a.get("actions") or []]


def has_buttons(post: dict[str, Any]) -> bool:
    return bool(buttons(post))


def menus(fake: FakeMattermost, channel_id: str) -> list[dict[str, Any]]:
    """The bot's posts with the main menu's buttons, the answer to a first "hoi"."""
    return [p for p in bot_posts(fake, channel_id) if set(buttons(p)) >= MENU]


async def answered(fake: FakeMattermost, user: FakeUser) -> dict[str, Any]:
    """The menu the bot answered ``user``'s "hoi" with (waits for it)."""
    dm = fake.direct_channel_id(user)
    await eventually(lambda: bool(menus(fake, dm)), f"an answer to {user.username}")
    return menus(fake, dm)[0]


def answers_per_message(fake: FakeMattermost, channel_id: str) -> list[int]:
    """How many bot posts followed each of the person's posts in the DM."""
    counts: list[int] = []
    for post in fake.posts_in(channel_id):
        if post["user_id"] != fake.bot.id:
            counts.append(0)
        elif counts:
            counts[-1] += 1
    return counts


async def last_answered(fake: FakeMattermost, user: FakeUser) -> None:
    dm = fake.direct_channel_id(user)
    await eventually(lambda: answers_per_message(fake, dm)[-1] > 0, f"{user.username} answered")


def routed_to(fake: FakeMattermost, post: dict[str, Any], server: ServeProcess) -> None:
    """The post's buttons reach ``server``, as a load balancer in front of both may send them."""
    stored = fake.posts[post["id"]]
    for attachment in stored["props"]["attachments"]:
        for action in attachment.get("actions") or []:
            path = action["integration"]["url"].split("/", 3)[3]
            action["integration"]["url"] = f"{server.base_url}/{path}"


async def press(fake: FakeMattermost, user: FakeUser, menu: dict[str, Any]) -> None:
    """The first button works: the buttons are disabled and the next answer is posted."""
    dm = menu["channel_id"]
    before = len(bot_posts(fake, dm))
    status, answer = await fake.click(user, menu, 0)
    assert status == 200 and "update" in answer, answer
    assert not has_buttons(fake.posts[menu["id"]]), "the pressed post keeps its buttons"
    await eventually(lambda: len(bot_posts(fake, dm)) > before, "the answer to the press")


async def watch_sockets(fake: FakeMattermost, seconds: float) -> set[int]:
    """Every count of open websockets seen over ``seconds``."""
    seen: set[int] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.add(fake.sockets_open)
        await asyncio.sleep(0.01)
    return seen


def leader_first(servers: list[ServeProcess], found: list[str]) -> Iterator[ServeProcess]:
    yield servers[found.index("up")]
    yield servers[found.index("standby")]


async def test_one_websocket_across_two_replicas_and_a_takeover_after_sigkill(
    fake: FakeMattermost, replicas: list[ServeProcess]
) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        await eventually(lambda: fake.sockets_open == 1, "the leader's websocket")
        found = await until_roles(session, replicas, ["up", "standby"])
        leader, standby = leader_first(replicas, found)
        assert await watch_sockets(fake, STEADY_SECONDS) == {1}, "a second websocket opened"
        assert fake.connections_total == 1

        # A DM is answered once; its button works on the leader and on the standby.
        anna, bram = fake.add_user("anna"), fake.add_user("bram")
        await fake.user_posts(anna, "hoi")
        await fake.user_posts(bram, "hoi")
        await press(fake, anna, await answered(fake, anna))
        bram_menu = await answered(fake, bram)
        routed_to(fake, bram_menu, standby)
        await press(fake, bram, bram_menu)

        # SIGKILL the leader; a message arrives while nobody listens.
        opened_before = fake.connections_total
        started = time.monotonic()
        await asyncio.to_thread(leader.kill)
        cas = fake.add_user("cas")
        await fake.user_posts(cas, "hoi")
        assert fake.connections_total == opened_before, "taken over before the message"
        await eventually(
            lambda: fake.connections_total > opened_before and fake.sockets_open == 1,
            "the standby opened the websocket",
        )
        takeover = time.monotonic() - started
        print(f"takeover after SIGKILL: {takeover:.2f} s")
        assert takeover < TAKEOVER_BOUND_SECONDS
        cas_menu = await answered(fake, cas)  # caught up over REST by the new leader
        assert (await mattermost_health(session, standby)) == "up"

        # After the takeover: a new message, and the killed replica back as a standby.
        dirk = fake.add_user("dirk")
        await fake.user_posts(dirk, "hoi")
        dirk_menu = await answered(fake, dirk)
        await asyncio.to_thread(leader.start)
        found = await until_roles(session, [standby, leader], ["up", "standby"])
        assert found == ["up", "standby"], "the restarted replica took the lead back"
        assert await watch_sockets(fake, STEADY_SECONDS) == {1}, "a second websocket opened"
        await press(fake, cas, cas_menu)  # on the new leader, which posted it
        routed_to(fake, dirk_menu, leader)
        await press(fake, dirk, dirk_menu)  # on the restarted standby

        # Once more in every DM: handled in order, so when these are answered, everything
        # before them is, and no late second answer can still come.
        people = [anna, bram, cas, dirk]
        for person in people:
            await fake.user_posts(person, "hoi")
        for person in people:
            await last_answered(fake, person)
        counts = {p.username: answers_per_message(fake, fake.direct_channel_id(p)) for p in people}
        for name, per_message in counts.items():
            assert len(per_message) == 2, f"{name}: {per_message}"
        assert len({per_message[0] for per_message in counts.values()}) == 1, counts
        assert len({per_message[1] for per_message in counts.values()}) == 1, counts
        # The person's first "hoi" got the menu once (in every DM, whoever answered).
        assert [len(menus(fake, fake.direct_channel_id(p))) for p in people] == [1, 1, 1, 1]
        assert fake.connections_total == 2 and fake.sockets_open == 1
    assert fake.shape_errors == []
