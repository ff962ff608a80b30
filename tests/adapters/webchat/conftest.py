"""Web chat fixtures: the adapter around a recording stand-in for the core, and the real app.

The stand-in sits on the far side of the adapter's one contract (``TurnHandler``):
it records what arrived and answers with every reply feature, so the conversions
can be checked exactly. End-to-end tests use the real ``create_app``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from adapters.webchat import TurnRateLimiter, setup_webchat
from bot.app import create_app
from bot.core import Button, Choice, FieldKind, Form, FormField, Incoming, Reply
from bot.server import GuardedRunner, ServerLimits
from bot.settings import Settings
from tests.environment import unavailable

SIGNAL_FORM = Form(
    id="signal:report",
    title="Signaal",
    submit_label="Versturen",
    fields=(
        FormField("what", "Wat is er gebeurd?", FieldKind.TEXTAREA, required=True),
        FormField(
            "who",
            "Wie mag het lezen?",
            FieldKind.MULTI,
            choices=(Choice("external", "Extern"), Choice("woman", "Een vrouw")),
        ),
    ),
)


class RecordingCore:
    """Records every event; answers with text, a button, a form and a sensitive receipt."""

    def __init__(self) -> None:
        self.received: list[Incoming] = []

    async def handle(self, incoming: Incoming) -> Sequence[Reply]:
        self.received.append(incoming)
        return (
            Reply(
                text=f"**{incoming.kind.value}**",
                lang="nl",
                buttons=(Button("Opties", "topic:options"),),
            ),
            Reply(text="Vul in:", lang="nl", form=SIGNAL_FORM),
            Reply(text="Bewijs: ABCD-EFGH", lang="en", sensitive=True),
        )


class FailingCore:
    """A core with a bug: raises an error whose message quotes the person's text."""

    def __init__(self, error: Callable[[str], Exception]) -> None:
        self.error = error

    async def handle(self, incoming: Incoming) -> Sequence[Reply]:
        raise self.error(incoming.text)


AppClient = Callable[..., Awaitable[TestClient[Any, web.Application]]]


@pytest.fixture
def core() -> RecordingCore:
    return RecordingCore()


@pytest.fixture
async def client(
    aiohttp_client: AppClient, core: RecordingCore
) -> TestClient[Any, web.Application]:
    app = web.Application()
    setup_webchat(app, core, max_message_chars=2000, limiter=TurnRateLimiter(max_turns=5))
    return await aiohttp_client(app)


@pytest.fixture
async def real_client(
    aiohttp_client: AppClient, settings: Settings
) -> TestClient[Any, web.Application]:
    return await aiohttp_client(create_app(settings))


async def start(client: TestClient[Any, web.Application], locale: str | None = "nl") -> str:
    response = await client.post("/api/webchat/conversations", json={"locale": locale})
    assert response.status == 201
    token: str = (await response.json())["conversation"]
    return token


def messages_path(token: str) -> str:
    return f"/api/webchat/conversations/{token}/messages"


# ---- the browser ---------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    unavailable(f"the browser test needs Chromium at {CHROMIUM}")


@pytest.fixture
def app(settings: Settings) -> web.Application:
    return create_app(settings)


@pytest.fixture
async def base_url(app: web.Application) -> AsyncIterator[str]:
    runner = GuardedRunner(app, ServerLimits())  # as `meldwijzer serve` runs it
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/"
    await runner.cleanup()


@pytest.fixture
def expected_console_errors() -> list[str]:
    """Console errors a test expects (a 404 it provokes); every other one fails it."""
    return []


@pytest.fixture
def screen() -> dict[str, Any]:
    """Playwright context options for the screen (tests parametrize it: screens.py)."""
    return {}


@pytest.fixture
async def page(
    base_url: str, expected_console_errors: list[str], screen: dict[str, Any]
) -> AsyncIterator[Any]:
    require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        context = await browser.new_context(locale="nl-NL", **screen)
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on(
            "request",
            lambda r: None if r.url.startswith(base_url) else problems.append(f"left: {r.url}"),
        )
        await page.goto(base_url)
        yield page
        # No CSP violation, no script error, no request elsewhere.
        assert [p for p in problems if p not in expected_console_errors] == []
        await context.close()
        await browser.close()
