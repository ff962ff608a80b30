"""Bot Framework JWT checks through the SDK, with keys and OpenID metadata served locally.

Claims and checks per "Authentication with the Bot Connector API", section "Connector to Bot"
(learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication):
issuer https://api.botframework.com, audience = the bot's app id, a ``serviceurl`` claim equal
to the activity's serviceUrl, a key from the OpenID metadata's JWKS endorsed for the channel.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from adapters.teams import TeamsChannel

from .conftest import APP_ID, EchoHandler, load_activity
from .fakes import FakeConnector, SigningKey, channel_claims

Client = TestClient[web.Request, web.Application]


def activity_for(connector: FakeConnector) -> dict[str, Any]:
    return load_activity("message.json", connector.url + "/")


async def post(client: Client, activity: dict[str, Any], headers: dict[str, str]) -> Any:
    return await client.post("/api/messages", json=activity, headers=headers)


async def test_valid_token_is_accepted(
    secured: tuple[Client, TeamsChannel], connector: FakeConnector, signing_key: SigningKey
) -> None:
    client, _ = secured
    activity = activity_for(connector)
    token = signing_key.token(**channel_claims(APP_ID, activity["serviceUrl"]))
    response = await post(client, activity, {"Authorization": f"Bearer {token}"})
    assert response.status == 200
    assert len(connector.sent()) == 1


def _unsigned(claims: dict[str, Any]) -> str:
    return jwt.encode(claims, key=None, algorithm="none", headers={"kid": "test-key-1"})


def _other_key(claims: dict[str, Any]) -> str:
    return SigningKey("rotated-away").token(**claims)


BAD_TOKENS = {
    "wrong audience": lambda key, url: key.token(**channel_claims("another-app", url)),
    "wrong issuer": lambda key, url: key.token(
        **channel_claims(APP_ID, url, iss="https://sts.windows.net/some-tenant/")
    ),
    "expired": lambda key, url: key.token(
        **channel_claims(APP_ID, url, exp=int(time.time()) - 3600, nbf=int(time.time()) - 7200)
    ),
    "unknown key id": lambda key, url: _other_key(channel_claims(APP_ID, url)),
    "alg none": lambda key, url: _unsigned(channel_claims(APP_ID, url)),
    "wrong serviceurl claim": lambda key, url: key.token(
        **channel_claims(APP_ID, "https://elsewhere.example/")
    ),
    "missing serviceurl claim": lambda key, url: key.token(
        **{k: v for k, v in channel_claims(APP_ID, url).items() if k != "serviceurl"}
    ),
    "signed with another key under our key id": lambda key, url: SigningKey("test-key-1").token(
        **channel_claims(APP_ID, url)
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
async def test_bad_tokens_get_401_never_500(
    secured: tuple[Client, TeamsChannel],
    connector: FakeConnector,
    signing_key: SigningKey,
    handler: EchoHandler,
    case: str,
) -> None:
    client, _ = secured
    activity = activity_for(connector)
    token = BAD_TOKENS[case](signing_key, activity["serviceUrl"])
    response = await post(client, activity, {"Authorization": f"Bearer {token}"})
    assert response.status == 401
    assert handler.seen == [] and connector.sent() == []


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not-a-jwt"},
    ],
    ids=["missing", "empty bearer", "basic", "garbage"],
)
async def test_missing_or_malformed_header_gets_401(
    secured: tuple[Client, TeamsChannel], connector: FakeConnector, headers: dict[str, str]
) -> None:
    client, _ = secured
    response = await post(client, activity_for(connector), headers)
    assert response.status == 401
    assert connector.sent() == []


async def test_missing_content_type_from_a_verified_caller_is_415(
    secured: tuple[Client, TeamsChannel], connector: FakeConnector, signing_key: SigningKey
) -> None:
    """The token is checked first (a forged one is a 401: test_auth_before_body.py)."""
    client, _ = secured
    activity = activity_for(connector)
    token = signing_key.token(**channel_claims(APP_ID, activity["serviceUrl"]))
    response = await client.post(
        "/api/messages", data=b"{}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 415


async def test_token_for_one_activity_cannot_redirect_replies(
    secured: tuple[Client, TeamsChannel], connector: FakeConnector, signing_key: SigningKey
) -> None:
    """A token captured for one serviceUrl cannot make the bot post somewhere else."""
    client, _ = secured
    activity = activity_for(connector)
    token = signing_key.token(**channel_claims(APP_ID, activity["serviceUrl"]))
    activity["serviceUrl"] = "http://127.0.0.1:9/"
    response = await post(client, activity, {"Authorization": f"Bearer {token}"})
    assert response.status == 401


@pytest.mark.parametrize(
    "change",
    [{"serviceUrl": None}, {"channelId": "webchat"}, {"channelId": None}],
    ids=["no serviceUrl", "another channel", "no channel"],
)
async def test_a_valid_token_binds_to_a_teams_activity_with_its_service_url(
    secured: tuple[Client, TeamsChannel],
    connector: FakeConnector,
    signing_key: SigningKey,
    handler: EchoHandler,
    change: dict[str, Any],
) -> None:
    """The token was checked for Teams and one serviceUrl: the activity must match both."""
    client, _ = secured
    activity = activity_for(connector)
    token = signing_key.token(**channel_claims(APP_ID, activity["serviceUrl"]))
    activity.update({key: value for key, value in change.items() if value is not None})
    for key in [key for key, value in change.items() if value is None]:
        del activity[key]
    response = await post(client, activity, {"Authorization": f"Bearer {token}"})
    assert response.status == 401
    assert handler.seen == [] and connector.sent() == []
