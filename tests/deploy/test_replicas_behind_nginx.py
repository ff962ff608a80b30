"""Two real ``meldwijzer serve`` replicas on PostgreSQL behind the shipped nginx configuration.

As docs/deploy.md sets it up: one database upgraded once with ``meldwijzer db upgrade``, one
secret on every replica, nginx with TLS in front doing round robin. Which replica served a
turn is read from the replicas' own access logs (one line per request, route and status).
"""

from __future__ import annotations

import asyncio
import secrets
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import TEST_KDF
from tests.crash.serve_process import REPO, ServeProcess, free_port
from tests.deploy.nginx_process import Nginx, running_nginx
from tests.deploy.test_nginx_edge import assert_no_address_or_token
from tests.signals.conftest import POSTGRES_URL, empty_postgres

pytestmark = pytest.mark.postgres

TURN_ROUTE = "POST /api/webchat/conversations/{token}/messages 200"
TURN_LIMIT = 30  # adapters/webchat/rate_limit.py: turns per minute per conversation


def replica_env(data_dir: Path, secret: str) -> dict[str, str]:
    return {
        "MELDWIJZER_DATA_DIR": str(data_dir),
        "MELDWIJZER_DATABASE_URL": POSTGRES_URL,
        "MELDWIJZER_SECRET": secret,  # the same on every replica (docs/deploy.md)
        "MELDWIJZER_KDF_MEMORY_KIB": str(TEST_KDF["kdf_memory_kib"]),
        "MELDWIJZER_KDF_ITERATIONS": str(TEST_KDF["kdf_iterations"]),
        "MELDWIJZER_DEMO_ADVISER": "false",
        "MELDWIJZER_TEAMS_ENABLED": "false",
    }


def upgrade_once(env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        cwd=REPO,
        env={**ServeProcess(env, 0, Path("/dev/null")).env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]


@dataclass(frozen=True, slots=True)
class Deployment:
    nginx: Nginx
    replicas: tuple[ServeProcess, ServeProcess]

    async def turns_served(self, total: int) -> list[int]:
        """Turns each replica logged, once ``total`` are logged (or after a few seconds).

        aiohttp writes a request's access line after the answer is sent, so the last
        turn's line may land a moment after its client has read the answer.
        """
        for _ in range(100):
            served = [logged_turns(r) for r in self.replicas]
            if sum(served) >= total:
                break
            await asyncio.sleep(0.1)
        return served


def logged_turns(replica: ServeProcess) -> int:
    return replica.log.read_text().count(TURN_ROUTE)


@contextmanager
def deployed(folder: Path) -> Iterator[Deployment]:
    secret = secrets.token_urlsafe(36)
    replicas = tuple(
        ServeProcess(replica_env(folder / name, secret), free_port(), folder / f"{name}.log")
        for name in ("a", "b")
    )
    upgrade_once(replicas[0].env)
    with ExitStack() as stack, ThreadPoolExecutor(2) as pool:
        for replica in replicas:
            stack.callback(replica.stop)
        list(pool.map(ServeProcess.start, replicas))  # side by side: a cold start is slow
        nginx = stack.enter_context(running_nginx(folder / "nginx", [r.port for r in replicas]))
        yield Deployment(nginx, replicas)  # type: ignore[arg-type]


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    await empty_postgres()  # CI without a server fails here rather than skipping
    with deployed(tmp_path) as found:
        yield found
    await empty_postgres()


def session_for(nginx: Nginx) -> aiohttp.ClientSession:
    context = ssl.create_default_context(cafile=nginx.ca_file)
    # A browser keeps its connection to nginx; nginx still picks a replica per request.
    return aiohttp.ClientSession(nginx.url, connector=aiohttp.TCPConnector(ssl=context))


async def start(session: aiohttp.ClientSession) -> str:
    async with session.post("/api/webchat/conversations", json={"locale": "nl"}) as answer:
        assert answer.status == 201
        token: str = (await answer.json())["conversation"]
        return token


async def say(session: aiohttp.ClientSession, token: str, body: dict[str, Any]) -> Any:
    async with session.post(f"/api/webchat/conversations/{token}/messages", json=body) as answer:
        assert answer.status == 200, await answer.text()
        return (await answer.json())["replies"]


async def test_a_conversation_alternating_between_replicas_continues(
    deployment: Deployment,
) -> None:
    async with session_for(deployment.nginx) as session:
        token = await start(session)
        switched = await say(session, token, {"action": "lang:en"})
        assert switched[-1]["lang"] == "en"
        for _ in range(5):  # each turn on the replica the last one did not run on
            replies = await say(session, token, {"text": "What can I do about discrimination?"})
            assert replies and all(reply["lang"] == "en" for reply in replies)
    served = await deployment.turns_served(6)
    assert sum(served) == 6 and min(served) >= 2, served  # both replicas took turns
    logs = deployment.nginx.logs()
    assert token not in logs
    assert_no_address_or_token(logs)


async def test_a_replica_killed_mid_conversation_the_next_turn_works_on_the_other(
    deployment: Deployment,
) -> None:
    async with session_for(deployment.nginx) as session:
        token = await start(session)
        await say(session, token, {"action": "lang:en"})
        await say(session, token, {"text": "discrimination"})
        killed = deployment.replicas[0]
        earlier, before = await deployment.turns_served(2)
        await asyncio.to_thread(killed.kill)
        for _ in range(4):  # round robin would send half of these to the dead replica
            replies = await say(session, token, {"text": "What can I do about discrimination?"})
            assert replies and all(reply["lang"] == "en" for reply in replies)
    served = await deployment.turns_served(earlier + before + 4)
    assert served[1] == before + 4, served
    assert_no_address_or_token(deployment.nginx.logs())


async def test_the_turn_limit_holds_across_replicas(deployment: Deployment) -> None:
    async with session_for(deployment.nginx) as session:
        token = await start(session)
        statuses = []
        for _ in range(TURN_LIMIT + 5):
            path = f"/api/webchat/conversations/{token}/messages"
            async with session.post(path, json={"text": "hoi"}) as answer:
                statuses.append(answer.status)
    assert statuses.count(200) == TURN_LIMIT, statuses
    assert set(statuses[TURN_LIMIT:]) == {429}
