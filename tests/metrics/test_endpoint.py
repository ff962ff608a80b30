"""``/metrics`` on its own port: what it answers, to whom, and what the public port does not."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from sqlalchemy import event

from bot.app import SERVICES
from tests.metrics.conftest import Serve, label_values, scrape, scraped, value

TOKEN = "metrics-token-" + "k" * 32
MESSAGES = "/api/webchat/conversations/{token}/messages"


async def chat(public: str, *texts: str) -> str:
    """A web chat conversation over HTTP; returns its token."""
    async with aiohttp.ClientSession() as client:
        async with client.post(f"{public}/api/webchat/conversations", json={}) as started:
            assert started.status == 201
            token: str = (await started.json())["conversation"]
        for text in texts:
            url = f"{public}/api/webchat/conversations/{token}/messages"
            async with client.post(url, json={"text": text}) as answered:
                assert answered.status == 200
    return token


async def get(url: str) -> int:
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        return response.status


async def test_the_public_port_does_not_answer_metrics(serve_metrics: Serve) -> None:
    running = await serve_metrics()
    assert await get(f"{running.public}/metrics") == 404
    assert await get(running.metrics) == 200


async def test_requests_are_counted_by_route_template_never_by_path(serve_metrics: Serve) -> None:
    running = await serve_metrics()
    token = await chat(running.public, "hallo", "discriminatie")
    samples = await scraped(running.metrics)
    assert value(samples, "meldwijzer_http_requests_total", route=MESSAGES, status="2xx") == 2
    assert (
        value(
            samples,
            "meldwijzer_http_requests_total",
            route="/api/webchat/conversations",
            status="2xx",
        )
        == 1
    )
    exposed = "".join(str(key) for key in samples)
    assert token not in exposed


async def test_turns_are_timed_per_channel(serve_metrics: Serve) -> None:
    running = await serve_metrics()
    await chat(running.public, "hallo", "discriminatie", "pesten")
    samples = await scraped(running.metrics)
    # The start of the conversation is a turn too.
    assert value(samples, "meldwijzer_turn_seconds_count", channel="webchat") == 4
    assert label_values(samples, "meldwijzer_turn_seconds", "channel") == {"webchat"}


async def test_no_sample_carries_a_creation_time(serve_metrics: Serve) -> None:
    running = await serve_metrics()
    await chat(running.public, "hallo")
    samples = await scraped(running.metrics)
    assert not [name for name, _ in samples if name.endswith("_created")]


async def test_unmatched_paths_add_no_label_values(serve_metrics: Serve) -> None:
    running = await serve_metrics()
    async with aiohttp.ClientSession() as client:
        for n in range(300):
            async with client.get(f"{running.public}/signal-{n}/receipt-{n:04x}") as response:
                assert response.status == 404
    samples = await scraped(running.metrics)
    assert value(samples, "meldwijzer_http_requests_total", route="other", status="4xx") == 300
    routes = label_values(samples, "meldwijzer_http_requests", "route")
    assert routes == {"other"}
    assert len(samples) < 60


async def test_a_scrape_without_the_token_is_refused_before_any_query(
    serve_metrics: Serve,
) -> None:
    running = await serve_metrics(metrics_token=TOKEN)
    counts: list[str] = []  # the scrape's COUNTs; the bot's own loops query meanwhile
    engine = running.app[SERVICES].engine.sync_engine

    def note(*args: object) -> None:
        statement = str(args[2])
        if "count(" in statement.lower() and "deliveries" in statement:
            counts.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        for token in (None, "", "wrong", TOKEN[:-1], TOKEN + "x"):
            status, body = await scrape(running.metrics, token)
            assert (status, body) == (401, "unauthorized\n")
        assert counts == []
        assert await get(running.metrics) == 401
        assert await scraped(running.metrics, TOKEN)
        assert counts  # the one with the token did read
    finally:
        event.remove(engine, "before_cursor_execute", note)


@pytest.mark.parametrize("header", ["Basic " + TOKEN, TOKEN, "Bearer", "bearer  " + TOKEN + "1"])
async def test_only_a_bearer_token_opens_it(serve_metrics: Serve, header: str) -> None:
    running = await serve_metrics(metrics_token=TOKEN)
    async with (
        aiohttp.ClientSession() as client,
        client.get(running.metrics, headers={"Authorization": header}) as response,
    ):
        assert response.status == 401


async def test_the_scheme_is_case_insensitive(serve_metrics: Serve) -> None:
    running = await serve_metrics(metrics_token=TOKEN)
    async with (
        aiohttp.ClientSession() as client,
        client.get(running.metrics, headers={"Authorization": "bearer " + TOKEN}) as response,
    ):
        assert response.status == 200


async def test_channel_health_of_the_web_chat(serve_metrics: Serve) -> None:
    running = await serve_metrics()
    samples = await scraped(running.metrics)
    assert value(samples, "meldwijzer_channel_up", channel="webchat") == 1
    assert value(samples, "meldwijzer_channel_enabled", channel="webchat") == 1
    assert value(samples, "meldwijzer_database_up") == 1


@pytest.mark.parametrize("raw", [b"Bearer \xff\xfe", b"Bearer \xc3\xa9" + TOKEN.encode()])
async def test_a_token_that_is_not_text_is_refused_not_an_error(
    serve_metrics: Serve, raw: bytes
) -> None:
    running = await serve_metrics(metrics_token=TOKEN)
    host, port = running.metrics.removeprefix("http://").split("/")[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        head = b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: "
        writer.write(head + raw + b"\r\n\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()
    assert answer.startswith(b"HTTP/1.1 401 ")
