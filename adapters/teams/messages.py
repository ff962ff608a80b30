"""``POST /api/messages``: the HTTP boundary of the Teams channel.

We do what ``CloudAdapter.process`` does (``botbuilder/integration/aiohttp/cloud_adapter.py``)
in explicit steps so that a stranger costs almost nothing and every authentication failure is
a 401:

1. With an app id set, the token is verified from the header alone, before a byte of the body
   is read: signature, issuer, audience, expiry and the signing key's endorsement for Teams.
   A forged or missing token is a 401 whatever the body, so no stranger's body reaches the
   JSON parser or msrest.
2. The body is read and parsed within fixed bounds (``request_body.py``): never a 500.
3. The activity is bound to the verified token with the check that needs the activity: it
   must be a Teams activity whose ``serviceUrl`` equals the token's ``serviceurl`` claim.
   With authentication off (development only) that check cannot exist, so the bot only
   posts to loopback or the configured Bot Connector host (``destinations.py``).

The SDK lets many authentication failures escape as other exceptions, which aiohttp would
answer with a 500: an expired token (PyJWT's ``ExpiredSignatureError``), an unknown signing
key (``IndexError`` in ``_OpenIdMetadata._find``), a missing header with the parameterized
configuration (``AttributeError``). No response carries a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticationConstants
from botframework.connector.channels import Channels
from msrest.exceptions import DeserializationError  # type: ignore[attr-defined]

from adapters.teams.destinations import service_url_allowed
from adapters.teams.request_body import MAX_BODY_BYTES, RequestRefused, read_activity_json
from adapters.teams.retry import ConnectorRejected
from adapters.teams.turn import TeamsTurn

log = logging.getLogger(__name__)


class MessagesEndpoint:
    """Authenticates an activity with the SDK, runs the turn, answers the connector."""

    def __init__(
        self,
        adapter: Any,
        authentication: Any,
        turn: TeamsTurn,
        *,
        auth_required: bool,
        service_url: str,
    ) -> None:
        self._adapter = adapter
        self._authentication = authentication
        self._turn = turn
        self._auth_required = auth_required
        self._service_url = service_url

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            return await self._handle(request)
        except RequestRefused as refused:
            log.info("teams request refused: %s %s", refused.status, refused.reason)
            response = web.json_response({"error": refused.reason}, status=refused.status)
            if _unbounded_body_left(request):
                return await _answer_and_close(request, response)
            return response

    async def _handle(self, request: web.Request) -> web.Response:
        verified = await self._verify_token(request)
        payload = await read_activity_json(request)
        activity = _activity(payload)
        if verified is None:
            self._check_destination(activity)
            result = await self._sdk_check(
                self._authentication.authenticate_request(activity, None)
            )
        else:
            result = self._bind(verified, activity)
        invoke_response = await self._process(result, activity, payload)
        if invoke_response is not None:
            return web.json_response(invoke_response.body, status=invoke_response.status)
        return web.Response(status=200)

    async def _verify_token(self, request: web.Request) -> Any:
        """The SDK's result for a valid token, None with authentication off."""
        if not self._auth_required:
            # With authentication off the SDK only accepts "no header"; a stray token from a
            # local emulator would otherwise be validated against an empty app id.
            return None
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or not header[7:].strip():
            raise RequestRefused(401, "unauthorized")
        # The SDK's one check of a token without an activity: its streaming path verifies the
        # WebSocket upgrade before any activity exists (CloudAdapter._connect). It is the
        # validation of a request minus what needs the activity, given the channel whose
        # endorsement the signing key must carry; _bind adds the rest.
        return await self._sdk_check(
            self._authentication.authenticate_streaming_request(header, Channels.ms_teams)
        )

    def _bind(self, verified: Any, activity: Any) -> Any:
        """The checks the SDK makes with the activity in hand, made strict.

        As ``_government_channel_validation_validate_identity`` in
        ``_parameterized_bot_framework_authentication.py``: the token's ``serviceurl`` claim
        must equal the activity's ``serviceUrl``, or a token captured for one conversation
        could make the bot post anywhere. The SDK skips that check for an activity without
        a serviceUrl, and the endorsement check for one without a channel id; here both must
        be present, and the channel must be Teams, the endorsement the token was checked for.
        """
        claims = verified.claims_identity.claims or {}
        service_url = claims.get(AuthenticationConstants.SERVICE_URL_CLAIM)
        if activity.channel_id != Channels.ms_teams or not activity.service_url:
            raise RequestRefused(401, "unauthorized")
        if service_url != activity.service_url:
            raise RequestRefused(401, "unauthorized")
        verified.connector_factory = self._authentication.create_connector_factory(
            verified.claims_identity
        )
        return verified

    def _check_destination(self, activity: Any) -> None:
        if not service_url_allowed(activity.service_url or "", self._service_url):
            # Logged by handle() as one line, without the URL a stranger chose to send.
            raise RequestRefused(400, "serviceUrl is neither loopback nor the Bot Connector")

    async def _sdk_check(self, check: Any) -> Any:
        try:
            return await check
        except Exception as exc:  # see the module docstring: the SDK raises many types
            log.info("teams authentication failed: %s", type(exc).__name__)
            raise RequestRefused(401, "unauthorized") from None

    async def _process(self, result: Any, activity: Any, payload: dict[str, Any]) -> Any:
        async def logic(context: Any) -> None:
            await self._turn.run(context, payload)

        try:
            return await self._adapter.process_activity(result, activity, logic)
        except ConnectorRejected:
            raise RequestRefused(502, "reply not delivered") from None
        except Exception as exc:  # never a stack trace in a response
            log.error("teams turn crashed: %s", type(exc).__name__)
            raise RequestRefused(500, "internal error") from None


def _activity(payload: dict[str, Any]) -> Any:
    try:
        activity = Activity.deserialize(payload)
    except (DeserializationError, ValueError, TypeError, AttributeError):
        raise RequestRefused(400, "not an activity") from None
    if not activity.type:
        raise RequestRefused(400, "not an activity")
    return activity


def _unbounded_body_left(request: web.Request) -> bool:
    """An unread body that is chunked or declared larger than we would ever read."""
    if request.content.is_eof():
        return False
    length = request.content_length
    return length is None or length > MAX_BODY_BYTES


async def _answer_and_close(request: web.Request, response: web.Response) -> web.Response:
    # aiohttp keeps reading and discarding an unread body for up to ``lingering_time``
    # (10 s, aiohttp/web_protocol.py) so that the client sees the answer; for a body we
    # refused unread and that may be endless, that is unbounded work for a stranger. Send
    # the answer, then close: the transport flushes what was written before it closes.
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    request.protocol.force_close()
    return response
