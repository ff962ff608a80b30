"""Channel health from what the app knows: the Mattermost listener against a fake server."""

from __future__ import annotations

from pathlib import Path

from adapters.mattermost.callbacks import ACTIONS_PATH, DIALOGS_PATH
from bot.metrics.families import MATTERMOST_CALLBACKS
from tests.adapters.mattermost.fake_server import FakeMattermost
from tests.adapters.mattermost.running_app import app_of, channel_of, eventually, running_app
from tests.metrics.conftest import free_port, label_values, scraped, value


async def test_mattermost_is_up_while_its_socket_is_connected(tmp_path: Path) -> None:
    port = free_port()
    metrics = f"http://127.0.0.1:{port}/metrics"
    async with FakeMattermost() as fake, running_app(fake, tmp_path, metrics_port=port) as client:
        channel = channel_of(client)

        def connected() -> bool:
            return channel.socket is not None and channel.socket.state == "connected"

        await eventually(connected, "the socket connected")
        samples = await scraped(metrics)
        assert value(samples, "meldwijzer_channel_up", channel="mattermost") == 1
        assert value(samples, "meldwijzer_channel_enabled", channel="mattermost") == 1
        fake.revoke_token()
        await fake.drop_sockets()
        await eventually(lambda: channel.health()["mattermost"]["socket"] == "unauthorized", "401")
        samples = await scraped(metrics)
        assert value(samples, "meldwijzer_channel_up", channel="mattermost") == 0


async def test_a_channel_this_process_cannot_see_has_no_health_sample(tmp_path: Path) -> None:
    port = free_port()
    metrics = f"http://127.0.0.1:{port}/metrics"
    async with (
        FakeMattermost() as fake,
        running_app(
            fake, tmp_path, metrics_port=port, smtp_host="127.0.0.1", smtp_from="bot@example.org"
        ),
    ):
        samples = await scraped(metrics)
    assert value(samples, "meldwijzer_channel_enabled", channel="email") == 1
    assert value(samples, "meldwijzer_channel_up", channel="email") is None


async def test_mattermost_forms_are_counted_with_its_buttons(tmp_path: Path) -> None:
    port = free_port()
    metrics = f"http://127.0.0.1:{port}/metrics"
    async with FakeMattermost() as fake, running_app(fake, tmp_path, metrics_port=port) as client:
        assert {ACTIONS_PATH, DIALOGS_PATH} <= {
            resource.canonical for resource in app_of(client).router.resources()
        }
        for path in (ACTIONS_PATH, DIALOGS_PATH, DIALOGS_PATH):
            answer = await client.post(path, json={"no": "shape"})
            assert answer.status == 400
        samples = await scraped(metrics)
    routes = label_values(samples, "meldwijzer_http_requests", "route")
    assert DIALOGS_PATH not in routes and ACTIONS_PATH not in routes
    assert (
        value(samples, "meldwijzer_http_requests_total", route=MATTERMOST_CALLBACKS, status="4xx")
        == 3
    )
