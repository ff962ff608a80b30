"""The far side of the wire for Teams tests: a fake Bot Connector and a fake Bot Framework login.

``FakeConnector`` (aiohttp, 127.0.0.1, port 0) answers the Bot Connector REST calls the bot
makes and the client-credentials token request, and records every call. ``OpenIdServer`` and
``MetadataServer`` serve an OpenID metadata document and its JWKS from a thread of their own
(a plain one, and an aiohttp one that can be slow or failing and counts its requests), so a
client that blocked the app's loop could not block the fake too.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CHANNEL_ISSUER = "https://api.botframework.com"


@dataclass
class Call:
    method: str
    path: str
    body: Any
    authorization: str | None
    # The id the fake answered with, as Teams answers with the new message's id.
    reply_id: str | None = None


@dataclass
class FakeConnector:
    """Records calls; ``fail(kind, status, code)`` makes the next call of that kind fail."""

    calls: list[Call] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    failures: dict[str, deque[tuple[int, str, dict[str, str]]]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    url: str = ""
    created: int = 0

    def fail(self, kind: str, status: int, code: str = "", times: int = 1, **headers: str) -> None:
        for _ in range(times):
            self.failures[kind].append((status, code, headers))

    def sent(self) -> list[Call]:
        """Activities the bot sent (replies and proactive messages), in order; not updates."""
        return [call for call in self.calls if "/activities" in call.path and call.method == "POST"]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._activity)
        app.router.add_post("/v3/conversations/{cid}/activities/{reply_to}", self._activity)
        app.router.add_put("/v3/conversations/{cid}/activities/{activity_id}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        return app

    async def _record(self, request: web.Request, kind: str) -> web.Response | None:
        body = await request.json() if request.can_read_body else None
        self.calls.append(
            Call(request.method, request.path, body, request.headers.get("Authorization"))
        )
        return self._failure(kind)

    def _failure(self, kind: str) -> web.Response | None:
        for key in (kind, "*"):
            if self.failures[key]:
                status, code, headers = self.failures[key].popleft()
                error = {"error": {"code": code, "message": "fake failure"}}
                return web.json_response(error, status=status, headers=headers)
        return None

    async def _token(self, request: web.Request) -> web.Response:
        form = {
            key: value for key, value in (await request.post()).items() if isinstance(value, str)
        }
        self.token_requests.append(form)
        failure = self._failure("token")
        if failure is not None:
            return failure
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "access_token": f"outgoing-{len(self.token_requests)}",
            }
        )

    async def _create(self, request: web.Request) -> web.Response:
        failure = await self._record(request, "create")
        if failure is not None:
            return failure
        self.created += 1
        return web.json_response({"id": f"a:created-{self.created}"}, status=201)

    async def _activity(self, request: web.Request) -> web.Response:
        failure = await self._record(request, "activity")
        if failure is not None:
            return failure
        call = self.calls[-1]
        call.reply_id = f"reply-{len(self.calls)}"
        return web.json_response({"id": call.reply_id})

    async def _update(self, request: web.Request) -> web.Response:
        """Update Activity: answered with a ``ResourceResponse`` naming the same message
        (fixtures/update_activity.json); fails as kind "update"."""
        failure = await self._record(request, "update")
        if failure is not None:
            return failure
        call = self.calls[-1]
        call.reply_id = request.match_info["activity_id"]
        return web.json_response({"id": call.reply_id})

    async def _member(self, request: web.Request) -> web.Response:
        failure = await self._record(request, "member")
        return failure or web.json_response(
            {"id": request.match_info["mid"], "aadObjectId": "00000000-0000-0000-0000-00000000aaaa"}
        )


class SigningKey:
    """An RSA key pair with a key id, as a Bot Framework signing key."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "endorsements": ["msteams"]}

    def token(self, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        return jwt.encode(
            claims, self.private, algorithm="RS256", headers={"kid": self.kid, **(headers or {})}
        )


def channel_claims(app_id: str, service_url: str, **overrides: Any) -> dict[str, Any]:
    """Claims of a token the Bot Connector sends to a bot (issuer, audience, serviceurl)."""
    now = int(time.time())
    claims = {
        "iss": CHANNEL_ISSUER,
        "aud": app_id,
        "serviceurl": service_url,
        "nbf": now - 60,
        "iat": now - 60,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return claims


class OpenIdServer:
    """OpenID configuration + JWKS on 127.0.0.1, served from a background thread."""

    def __init__(self, keys: list[SigningKey]) -> None:
        self.keys = keys
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                if self.path.startswith("/v1/.well-known/openidconfiguration"):
                    body = {
                        "issuer": CHANNEL_ISSUER,
                        "jwks_uri": server.base + "/keys",
                        "id_token_signing_alg_values_supported": ["RS256"],
                    }
                elif self.path == "/keys":
                    body = {"keys": [key.jwk() for key in server.keys]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self.metadata_url = self.base + "/v1/.well-known/openidconfiguration"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> OpenIdServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class MetadataServer:
    """OpenID configuration + JWKS from aiohttp on 127.0.0.1, in its own thread and loop.

    Its own loop, so that a client which blocks the app's loop cannot also block the fake.
    ``status`` answers the metadata with that HTTP status instead; with ``hold`` set, each
    metadata request waits until ``release`` is set (or ``hold`` seconds pass) and
    ``answered`` records whether any answer has been sent yet. ``metadata_requests`` counts.
    """

    def __init__(self, keys: list[SigningKey], *, status: int = 200, hold: float = 0.0) -> None:
        self.keys = keys
        self.status = status
        self.hold = hold
        self.metadata_requests = 0
        self.key_requests = 0
        self.started = threading.Event()
        self.release = threading.Event()
        self.answered = False
        self.base = ""
        self.metadata_url = ""
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> MetadataServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release.set()
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def _serve(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/keys", self._keys)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}"
        self.metadata_url = self.base + "/v1/.well-known/openidconfiguration"
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    async def _metadata(self, _request: web.Request) -> web.Response:
        self.metadata_requests += 1
        self.started.set()
        if self.hold:
            await asyncio.to_thread(self.release.wait, self.hold)
        self.answered = True
        if self.status != 200:
            return web.Response(status=self.status)
        return web.json_response({"issuer": CHANNEL_ISSUER, "jwks_uri": self.base + "/keys"})

    async def _keys(self, _request: web.Request) -> web.Response:
        self.key_requests += 1
        return web.json_response({"keys": [key.jwk() for key in self.keys]})
