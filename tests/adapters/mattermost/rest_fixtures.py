"""What the REST and notice tests share: the fake, a client on it, and a recording sleep."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from adapters.mattermost.driver_rest import DriverApi
from adapters.mattermost.rest_retry import RestRetry

from .fake_server import FakeMattermost


@dataclass
class RecordedSleep:
    """Stands in for ``asyncio.sleep``: remembers each wait and returns at once."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def client_on(fake: FakeMattermost, sleep: RecordedSleep, **retry: float) -> DriverApi:
    """A client as the bot, its retries waiting on ``sleep`` instead of the clock."""
    policy = RestRetry(sleep=sleep, **retry)  # type: ignore[arg-type]
    return DriverApi(fake.url, fake.bot.token, ca_file=None, retry=policy)


def calls(fake: FakeMattermost, method: str, path: str) -> list[object]:
    """The requests the fake received for ``method path`` (REST only), in order."""
    return [r for r in fake.requests if r.method == method and r.path == path]


@pytest.fixture
async def fake() -> AsyncIterator[FakeMattermost]:
    server = FakeMattermost()
    await server.start()
    yield server
    assert server.shape_errors == []
    await server.close()


@pytest.fixture
def sleep() -> RecordedSleep:
    return RecordedSleep()


@pytest.fixture
async def api(fake: FakeMattermost, sleep: RecordedSleep) -> AsyncIterator[DriverApi]:
    client = client_on(fake, sleep)
    yield client
    await client.close()
