"""An attacker's view of the logs: nothing that names a person, a channel or a post.

Every logger (ours and the libraries': the REST client's ``urllib3``, aiohttp) is captured at
DEBUG through a whole flow over the real app and the fake server: a message in the DM, a
button press, a dialog, the slash command. None of the Mattermost ids the bot handles, the
tokens it signs, the texts people type, may appear in any record.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.leaks import assert_absent, capture_every_log, files_under

from .fake_model import actions_of
from .fake_server import FakeMattermost
from .running_app import Client, connected, eventually, running_app, settled

CANARY = "Kanarievogel7731 meldt iets"


@pytest.fixture
async def client(fake_mattermost: FakeMattermost, tmp_path: Path) -> AsyncIterator[Client]:
    async with running_app(fake_mattermost, tmp_path / "data") as running:
        await connected(running)
        yield running


def bot_posts(fake: FakeMattermost, channel_id: str) -> list[dict[str, Any]]:
    return [p for p in fake.posts_in(channel_id) if p["user_id"] == fake.bot.id]


async def test_a_whole_flow_logs_and_stores_no_id_token_or_text_at_any_level(
    fake_mattermost: FakeMattermost,
    client: Client,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    fake = fake_mattermost
    logs = capture_every_log(caplog)
    # The REST client's loggers exist once it has been imported; set them again to be sure.
    for name in ("urllib3", "urllib3.connectionpool", "requests", "mattermostdriver"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    anna = fake.add_user("anna")
    dm = fake.direct_channel_id(anna)
    await fake.user_posts(anna, CANARY)
    await eventually(lambda: bool(bot_posts(fake, dm)), "the bot answered in the DM")
    await settled(client)
    pressed = next(p for p in bot_posts(fake, dm) if actions_of(p))
    status, _ = await fake.click(anna, pressed, 0)
    assert status == 200
    await fake.slash(anna, "", url=str(client.make_url("/api/mattermost/command")))
    await settled(client)
    secrets = [anna.id, anna.username, anna.token, dm, CANARY, fake.bot.token]
    secrets += [post["id"] for post in fake.posts_in(dm)]
    secrets += list(fake.triggers)
    secrets += [
        action["integration"]["context"]["t"][:40]
        for post in fake.posts_in(dm)
        for action in actions_of(post)
    ]
    request_lines = [r.getMessage() for r in logs.records if r.name == "urllib3.connectionpool"]
    # The REST request lines are there (the test would prove nothing otherwise), ids hidden.
    assert any("/api/v4/users/<id>" in line for line in request_lines)
    for record in logs.records:
        line = record.getMessage() + (record.exc_text or "") + record.name + str(record.args)
        assert_absent(secrets, f"log record {record.name}", line.encode())
    stored = files_under(tmp_path / "data")
    assert "meldwijzer.db" in {path.name for path, _ in stored}
    for path, blob in stored:
        assert_absent(secrets, path.name, blob)


async def test_a_failing_connection_logs_no_id_in_any_urllib3_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """urllib3 names the URL again when a connection breaks (its Retry logger, at DEBUG)."""
    from adapters.mattermost.driver_rest import DriverApi
    from adapters.mattermost.rest import MattermostApiError
    from adapters.mattermost.rest_retry import RestRetry

    from .running_app import free_port

    logs = capture_every_log(caplog)
    for name in ("urllib3", "urllib3.connectionpool", "urllib3.util.retry"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    user_id = "zox3our3qguqojyyfjrgw93n93"
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    retry = RestRetry(attempts=1, base_delay=0.001, max_delay=0.01, timeout=2.0)
    api = DriverApi(nobody, "t" * 26, ca_file=None, retry=retry)
    try:
        with pytest.raises(MattermostApiError):
            await api.user_locale(user_id)
    finally:
        await api.close()
    assert any(r.name.startswith("urllib3") for r in logs.records), "urllib3 said nothing"
    for record in logs.records:
        line = record.getMessage() + (record.exc_text or "") + str(record.args)
        assert_absent([user_id], f"log record {record.name}", line.encode())
