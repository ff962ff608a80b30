"""DriverApi against the fake Mattermost: request shapes, retries, errors, TLS, the event loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.mattermost.driver_client import driver_options
from adapters.mattermost.driver_rest import DriverApi
from adapters.mattermost.rest import BotAccount, MattermostApiError, ssl_context_for
from adapters.mattermost.rest_retry import RestRetry
from bot.errors import ConfigError

from .fake_server import FakeMattermost
from .rest_fixtures import RecordedSleep, api, calls, fake, sleep

__all__ = ["api", "fake", "sleep"]  # the fixtures, imported for pytest


def body_of(recorded: Any) -> Any:
    return recorded.json


# --- each call's request shape -------------------------------------------------------------


async def test_me_is_the_bot_account_read_with_its_token(
    fake: FakeMattermost, api: DriverApi
) -> None:
    assert await api.me() == BotAccount(user_id=fake.bot.id, username="meldwijzer")
    assert await api.me() == BotAccount(user_id=fake.bot.id, username="meldwijzer")
    (call,) = calls(fake, "GET", "/api/v4/users/me")  # asked once, then remembered
    assert call.headers["Authorization"] == f"Bearer {fake.bot.token}"
    assert fake.connections_total == 0  # the driver's websocket is never opened


async def test_user_locale_is_read_from_the_user(fake: FakeMattermost, api: DriverApi) -> None:
    user = fake.add_user("anna", locale="en")
    assert await api.user_locale(user.id) == "en"
    assert len(calls(fake, "GET", f"/api/v4/users/{user.id}")) == 1


async def test_direct_channel_is_opened_between_the_bot_and_the_user(
    fake: FakeMattermost, api: DriverApi
) -> None:
    user = fake.add_user("anna")
    channel_id = await api.direct_channel(user.id)
    assert channel_id == fake.direct_channel_id(user)
    (call,) = calls(fake, "POST", "/api/v4/channels/direct")
    assert body_of(call) == [fake.bot.id, user.id]


async def test_create_post_sends_message_props_and_pending_id(
    fake: FakeMattermost, api: DriverApi
) -> None:
    channel_id = fake.direct_channel_id(fake.add_user("anna"))
    props = {"attachments": [{"text": "Kies"}]}
    post_id = await api.create_post(channel_id, "Hallo", props, pending_post_id="p" * 26)
    stored = fake.posts_in(channel_id)[-1]
    assert (stored["id"], stored["message"], stored["user_id"]) == (post_id, "Hallo", fake.bot.id)
    (call,) = calls(fake, "POST", "/api/v4/posts")
    assert body_of(call) == {
        "channel_id": channel_id,
        "message": "Hallo",
        "props": props,
        "pending_post_id": "p" * 26,
    }


async def test_create_post_without_pending_id_gets_a_fresh_one(
    fake: FakeMattermost, api: DriverApi
) -> None:
    channel_id = fake.direct_channel_id(fake.add_user("anna"))
    await api.create_post(channel_id, "een")
    await api.create_post(channel_id, "twee")
    first, second = (body_of(c)["pending_post_id"] for c in calls(fake, "POST", "/api/v4/posts"))
    assert len(first) == len(second) == 26 and first != second
    assert "props" not in body_of(calls(fake, "POST", "/api/v4/posts")[0])


async def test_ephemeral_post_names_the_user_and_the_channel(
    fake: FakeMattermost, api: DriverApi
) -> None:
    user = fake.add_user("anna")
    channel_id = fake.channel("town-square", [user])
    await api.ephemeral_post(user.id, channel_id, "Ik antwoord in een direct bericht.")
    (call,) = calls(fake, "POST", "/api/v4/posts/ephemeral")
    assert body_of(call) == {
        "user_id": user.id,
        "post": {"channel_id": channel_id, "message": "Ik antwoord in een direct bericht."},
    }


async def test_patch_post_changes_only_what_is_given(fake: FakeMattermost, api: DriverApi) -> None:
    channel_id = fake.direct_channel_id(fake.add_user("anna"))
    post_id = await api.create_post(channel_id, "Kies", {"attachments": []})
    await api.patch_post(post_id, props={"attachments": [{"text": "Gekozen: ja"}]})
    await api.patch_post(post_id, message="Verborgen")
    first, second = calls(fake, "PUT", f"/api/v4/posts/{post_id}/patch")
    assert body_of(first) == {"props": {"attachments": [{"text": "Gekozen: ja"}]}}
    assert body_of(second) == {"message": "Verborgen"}
    stored = await api.post(post_id)
    assert stored["message"] == "Verborgen"
    assert stored["props"]["attachments"] == [{"text": "Gekozen: ja"}]


async def test_posts_since_are_in_the_order_they_were_made(
    fake: FakeMattermost, api: DriverApi
) -> None:
    user = fake.add_user("anna")
    channel_id = fake.direct_channel_id(user)
    first = await fake.user_posts(user, "een")
    await fake.user_posts(user, "twee")
    posts = await api.posts_since(channel_id, int(first["create_at"]) - 1)
    assert [p["message"] for p in posts] == ["een", "twee"]
    (call,) = calls(fake, "GET", f"/api/v4/channels/{channel_id}/posts")
    assert str(call.query["since"]) == str(int(first["create_at"]) - 1)


async def test_direct_channels_active_since_lists_only_dms_with_newer_posts(
    fake: FakeMattermost, api: DriverApi
) -> None:
    anna, bram = fake.add_user("anna"), fake.add_user("bram")
    quiet = fake.direct_channel_id(bram)
    fake.channel("town-square", [anna, bram])
    post = await fake.user_posts(anna, "hallo")
    active = await api.direct_channels_active_since(int(post["create_at"]))
    assert active == [fake.direct_channel_id(anna)]
    assert quiet not in active
    assert await api.direct_channels_active_since(int(post["create_at"]) + 1) == []
    assert calls(fake, "GET", f"/api/v4/users/{fake.bot.id}/channels")


async def test_open_dialog_sends_trigger_url_and_dialog(
    fake: FakeMattermost, api: DriverApi
) -> None:
    dialog = {"callback_id": "c", "title": "Melding", "elements": []}
    with pytest.raises(MattermostApiError) as raised:  # no button was pressed: no trigger
        await api.open_dialog("unknown-trigger", "http://127.0.0.1:1/dialogs", dialog)
    assert raised.value.retryable is False
    (call,) = calls(fake, "POST", "/api/v4/actions/dialogs/open")
    assert body_of(call) == {
        "trigger_id": "unknown-trigger",
        "url": "http://127.0.0.1:1/dialogs",
        "dialog": dialog,
    }


async def test_an_id_that_is_no_mattermost_id_never_reaches_a_url(
    fake: FakeMattermost, api: DriverApi
) -> None:
    before = len(fake.requests)
    for bad in ("../users/me", "a" * 25, "A" * 26, ""):
        with pytest.raises(MattermostApiError) as raised:
            await api.post(bad)
        assert (raised.value.code, raised.value.retryable) == ("bad_id", False)
    assert len(fake.requests) == before


# --- rate limits, outages and refusals ------------------------------------------------------


@pytest.mark.parametrize("header", ["Retry-After", "X-Ratelimit-Reset"])
async def test_a_429_waits_as_long_as_the_server_asks_then_retries(
    fake: FakeMattermost, api: DriverApi, sleep: RecordedSleep, header: str
) -> None:
    fake.fail_next("GET", r"^/api/v4/users/me$", 429, headers={header: "3"})
    assert (await api.me()).user_id == fake.bot.id
    assert sleep.waits == [3.0]
    assert len(calls(fake, "GET", "/api/v4/users/me")) == 2


async def test_a_429_asking_longer_than_the_bound_is_left_to_the_caller(
    fake: FakeMattermost, api: DriverApi, sleep: RecordedSleep
) -> None:
    fake.fail_next("GET", r"^/api/v4/users/me$", 429, headers={"Retry-After": "600"})
    with pytest.raises(MattermostApiError) as raised:
        await api.me()
    error = raised.value
    assert (error.status, error.retryable, error.retry_after) == (429, True, 600.0)
    assert sleep.waits == []
    assert len(calls(fake, "GET", "/api/v4/users/me")) == 1


async def test_5xx_backs_off_with_jitter_then_succeeds(
    fake: FakeMattermost, api: DriverApi, sleep: RecordedSleep
) -> None:
    fake.fail_next("GET", r"^/api/v4/users/me$", 503, times=2)
    assert (await api.me()).user_id == fake.bot.id
    policy = RestRetry()
    assert len(sleep.waits) == 2
    for attempt, wait in enumerate(sleep.waits):
        assert 0 <= wait <= min(policy.max_delay, policy.base_delay * 2**attempt)
    assert len(calls(fake, "GET", "/api/v4/users/me")) == 3


async def test_persistent_5xx_gives_up_with_a_retryable_error(
    fake: FakeMattermost, api: DriverApi, sleep: RecordedSleep
) -> None:
    fake.fail_next("GET", r"^/api/v4/users/me$", 500, times=10)
    with pytest.raises(MattermostApiError) as raised:
        await api.me()
    assert (raised.value.status, raised.value.retryable) == (500, True)
    assert len(calls(fake, "GET", "/api/v4/users/me")) == RestRetry().attempts
    assert len(sleep.waits) == RestRetry().attempts - 1


async def test_a_refused_connection_is_retryable(sleep: RecordedSleep) -> None:
    server = FakeMattermost()
    await server.start()
    url, token = server.url, server.bot.token
    await server.close()  # nothing listens on its port any more
    api = DriverApi(url, token, ca_file=None, retry=RestRetry(sleep=sleep))
    try:
        with pytest.raises(MattermostApiError) as raised:
            await api.me()
    finally:
        await api.close()
    assert (raised.value.status, raised.value.code, raised.value.retryable) == (
        None,
        "unreachable",
        True,
    )
    assert len(sleep.waits) == RestRetry().attempts - 1


async def test_401_is_final_and_says_so_without_the_token(
    fake: FakeMattermost, api: DriverApi, sleep: RecordedSleep, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.revoke_token()
    with pytest.raises(MattermostApiError) as raised:
        await api.me()
    error = raised.value
    assert (error.status, error.retryable, error.code) == (401, False, "unauthorized")
    assert "token" in str(error) and fake.bot.token not in str(error)
    assert fake.bot.token not in caplog.text
    assert sleep.waits == [] and len(calls(fake, "GET", "/api/v4/users/me")) == 1


async def test_an_error_carries_no_answer_text_and_nothing_is_logged(
    fake: FakeMattermost, api: DriverApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mattermostdriver")
    user = fake.add_user("geheime-naam")
    fake.fail_next("GET", r"/api/v4/users/[a-z0-9]{26}", 404)
    with pytest.raises(MattermostApiError) as raised:
        await api.user_locale(user.id)
    assert (raised.value.status, raised.value.retryable) == (404, False)
    assert user.id not in str(raised.value) and "geheime-naam" not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert [r for r in caplog.records if r.name.startswith("mattermostdriver")] == []


# --- the event loop stays free --------------------------------------------------------------


async def test_the_event_loop_keeps_running_while_a_call_waits(fake: FakeMattermost) -> None:
    """The fake answers from this same loop: a call that blocked it would never get its answer
    (it would time out); and while the call waits out a 429, other work goes on."""
    fake.fail_next("GET", r"^/api/v4/users/me$", 429, headers={"Retry-After": "0.2"})
    api = DriverApi(fake.url, fake.bot.token, ca_file=None, retry=RestRetry(timeout=5.0))
    order: list[str] = []

    async def call() -> None:
        await api.me()
        order.append("call returned")

    async def meanwhile() -> None:
        while len(calls(fake, "GET", "/api/v4/users/me")) < 1:
            await asyncio.sleep(0)
        order.append("other work ran while the call was under way")

    try:
        await asyncio.wait_for(asyncio.gather(call(), meanwhile()), 10)
    finally:
        await api.close()
    assert order == ["other work ran while the call was under way", "call returned"]


async def test_calls_run_concurrently_up_to_the_worker_bound(fake: FakeMattermost) -> None:
    users = [fake.add_user(f"user{n}") for n in range(6)]
    api = DriverApi(fake.url, fake.bot.token, ca_file=None, workers=2)
    try:
        locales = await asyncio.gather(*(api.user_locale(u.id) for u in users))
    finally:
        await api.close()
    assert locales == ["nl"] * 6


# --- TLS ------------------------------------------------------------------------------------


@pytest.fixture
async def tls_fake(tmp_path: Path) -> AsyncIterator[FakeMattermost]:
    server = FakeMattermost(tls=True, tmp_path=tmp_path)
    await server.start()
    yield server
    await server.close()


async def test_tls_with_the_test_ca_works(tls_fake: FakeMattermost) -> None:
    assert tls_fake.url.startswith("https://") and tls_fake.ca_file is not None
    api = DriverApi(tls_fake.url, tls_fake.bot.token, ca_file=tls_fake.ca_file)
    try:
        assert (await api.me()).user_id == tls_fake.bot.id
    finally:
        await api.close()


async def test_tls_without_the_ca_is_refused(
    tls_fake: FakeMattermost, sleep: RecordedSleep, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)
    api = DriverApi(tls_fake.url, tls_fake.bot.token, ca_file=None, retry=RestRetry(sleep=sleep))
    try:
        with pytest.raises(MattermostApiError) as raised:
            await api.me()
    finally:
        await api.close()
    assert (raised.value.status, raised.value.code) == (None, "tls")
    assert sleep.waits == []  # the same certificate would be refused again at once
    assert calls(tls_fake, "GET", "/api/v4/users/me") == []


async def test_ssl_context_for_trusts_the_ca_file_only(tls_fake: FakeMattermost) -> None:
    assert tls_fake.ca_file is not None
    async with aiohttp.ClientSession() as session:
        async with session.get(
            f"{tls_fake.url}/api/v4/users/me",
            headers={"Authorization": f"Bearer {tls_fake.bot.token}"},
            ssl=ssl_context_for(tls_fake.ca_file),
        ) as response:
            assert response.status == 200
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await session.get(f"{tls_fake.url}/api/v4/users/me", ssl=ssl_context_for(None))


# --- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "scheme", "host", "port", "basepath"),
    [
        ("https://chat.example.org", "https", "chat.example.org", 443, "/api/v4"),
        ("https://chat.example.org/", "https", "chat.example.org", 443, "/api/v4"),
        ("http://127.0.0.1:8065", "http", "127.0.0.1", 8065, "/api/v4"),
        ("https://intranet.example.org/mm/", "https", "intranet.example.org", 443, "/mm/api/v4"),
        ("https://[::1]:8443", "https", "[::1]", 8443, "/api/v4"),
    ],
)
def test_driver_options_follow_the_url(
    url: str, scheme: str, host: str, port: int, basepath: str
) -> None:
    options = driver_options(url, "t", ca_file=Path("/ca.pem"), timeout=3.0)
    assert (options["scheme"], options["url"], options["port"], options["basepath"]) == (
        scheme,
        host,
        port,
        basepath,
    )
    assert (options["verify"], options["request_timeout"]) == ("/ca.pem", 3.0)
    assert driver_options(url, "t", ca_file=None, timeout=3.0)["verify"] is True


@pytest.mark.parametrize("url", ["chat.example.org", "ftp://chat.example.org", "https://"])
def test_a_url_that_is_not_http_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError):
        DriverApi(url, "t", ca_file=None)


def test_an_unreadable_ca_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate", encoding="utf-8")
    for ca_file in (tmp_path / "missing.pem", tmp_path / "ca.pem"):
        with pytest.raises(ConfigError) as raised:
            ssl_context_for(ca_file)
        assert "MELDWIJZER_MATTERMOST_CA_FILE" in str(raised.value)
