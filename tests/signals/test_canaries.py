"""Canaries: what a reporter writes, and who they are, must end up nowhere but in the seal.

Signals go in through the web chat's HTTP API (the real ``create_app``), the terminal and a
Teams-style core call, each with its own conversation id, canary name and canary text,
then get follow-up messages. Afterwards the database file with its ``-wal`` and ``-shm``
(read as they are, then again after the engine closed), every file in the data folder
and every log record at DEBUG must hold none of it, nor the receipts.
"""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.console import ConsoleChannel
from adapters.webchat import RouteAccessLogger
from bot.app import SERVICES, Services, create_app
from bot.core import Channel
from bot.settings import Settings
from tests.leaks import assert_absent, assert_nowhere, capture_every_log, files_under
from tests.signals.conftest import (
    Person,
    add_to_thread,
    adviser_in_teams,
    signal_ids,
    submit_signal,
    t,
)

RECEIPT_SHAPE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){4}-[0-9A-Z]")
AppClient = Callable[..., Any]


@dataclass
class Canary:
    """What one reporter on one channel writes; all of it unique to this run."""

    channel: str
    tag: str = field(default_factory=lambda: secrets.token_hex(4))
    ids: list[str] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"Canary-Name-{self.tag}"

    @property
    def what(self) -> str:
        return (
            f"Canary-Text-{self.tag}: {self.name} mocked my accent at the coffee machine, één keer"
        )

    @property
    def hope(self) -> str:
        return f"Canary-Hope-{self.tag} a word with my manager"

    @property
    def addition(self) -> str:
        return f"Canary-Addition-{self.tag}: it happened again"

    def secrets(self) -> list[str]:
        receipts = [form for r in self.receipts for form in (r, r.replace("-", ""))]
        texts = [self.name, self.what, self.hope, self.addition, f"Canary-Text-{self.tag}"]
        return [*self.ids, *texts, *receipts]


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    return capture_every_log(caplog)


@pytest.fixture
async def web_client(aiohttp_client: AppClient, settings: Settings) -> TestClient[Any, Any]:
    """The real app, served with the access log ``meldwijzer serve`` uses."""
    server = TestServer(create_app(settings))
    await server.start_server(access_log_class=RouteAccessLogger)
    client: TestClient[Any, Any] = await aiohttp_client(server)
    return client


# ---- the three ways in --------------------------------------------------------------


async def post(client: TestClient[Any, Any], token: str, body: dict[str, Any]) -> list[Any]:
    response = await client.post(f"/api/webchat/conversations/{token}/messages", json=body)
    assert response.status == 200, await response.text()
    replies: list[Any] = (await response.json())["replies"]
    return replies


async def through_the_web_chat(client: TestClient[Any, Any], canary: Canary) -> None:
    started = await client.post("/api/webchat/conversations", json={"locale": "en"})
    token = (await started.json())["conversation"]
    canary.ids.append(token)
    await post(client, token, {"action": "topic:signal"})
    await post(client, token, {"action": "signal:mode:anonymous"})
    intake = {"what": canary.what, "role": "target", "kinds": ["racism"], "hope": canary.hope}
    replies = await post(client, token, {"form": "signal:intake", "data": intake})
    (shown,) = [r for r in replies if r["sensitive"]]
    receipt = shown["text"].split("**")[1]
    canary.receipts.append(receipt)
    await post(client, token, {"action": "topic:follow-up"})
    await post(client, token, {"action": "follow-up:add"})
    added = {"code": receipt.lower(), "text": canary.addition}
    replies = await post(client, token, {"form": "follow-up:add", "data": added})
    assert replies[0]["text"] == t("follow_up.added")


class Terminal(io.StringIO):
    """The person at the keyboard: answers each prompt the terminal channel shows."""

    def __init__(self, screen: io.StringIO, menu: list[str], fields: dict[str, str]) -> None:
        super().__init__()
        self._screen = screen
        self._menu = menu
        self._fields = fields

    def isatty(self) -> bool:
        return True  # so the channel writes its prompts, which this person reads

    def readline(self, size: int | None = -1) -> str:
        screen = self._screen.getvalue()
        if screen.endswith("> "):
            return self._menu.pop(0) + "\n" if self._menu else ""
        answer = next((value for label, value in self._fields.items() if _asks(screen, label)), "")
        if answer == "<receipt>":
            answer = RECEIPT_SHAPE.findall(screen)[-1]
        return answer + "\n"


def _asks(screen: str, label: str) -> bool:
    """The last line on screen is the prompt for this field (its label, then hints)."""
    return screen.rsplit("\n", 1)[-1].startswith(label)


async def through_the_terminal(services: Services, canary: Canary) -> None:
    conversation = f"console-conv-{canary.tag}"
    canary.ids.append(conversation)
    screen = io.StringIO()
    fields = {
        t("signal.what"): canary.what,
        t("signal.kinds"): "2",
        t("signal.role"): "1",
        t("signal.hope"): canary.hope,
        t("follow_up.code"): "<receipt>",
        t("follow_up.add_text"): canary.addition,
    }
    # signal → anonymous → (form) → follow-up → (read form) → add → (add form) → quit
    keyboard = Terminal(screen, ["3", "1", "1", "1", "quit"], fields)
    channel = ConsoleChannel(
        services.conversations, keyboard, screen, locale="en", conversation=lambda: conversation
    )
    await channel.run()
    shown = screen.getvalue()
    assert t("follow_up.added") in shown, shown[-2000:]
    canary.receipts.append(RECEIPT_SHAPE.findall(shown)[0])


async def through_teams(services: Services, canary: Canary) -> None:
    conversation, sender = f"teams-conv-{canary.tag}", f"aad-{canary.tag}-{secrets.token_hex(8)}"
    canary.ids += [conversation, sender]
    person = Person(services.conversations, Channel.TEAMS, conversation, sender)
    sent = await submit_signal(services, what=canary.what, person=person, hope=canary.hope)
    canary.receipts.append(sent.receipt)
    await add_to_thread(person, sent.receipt, canary.addition)


async def adviser_answers_all(services: Services, canary: Canary) -> None:
    desk = await adviser_in_teams(services, f"aad-adviser-{canary.tag}")
    canary.ids.append(desk.person.conversation)
    await desk.unlock()
    for signal_id in await signal_ids(services):
        await desk.write(signal_id, f"{canary.what} (adviser reply)")


# ---- where to look ------------------------------------------------------------------


def assert_no_canary(canaries: list[Canary], folder: Path, logs: pytest.LogCaptureFixture) -> None:
    assert_nowhere([s for c in canaries for s in c.secrets()], folder, logs)


# ---- the test ---------------------------------------------------------------------


async def test_nothing_a_reporter_wrote_or_is_called_leaves_the_seal(
    web_client: TestClient[Any, Any], settings: Settings, every_log: pytest.LogCaptureFixture
) -> None:
    app: web.Application = web_client.server.app  # type: ignore[assignment]
    services = app[SERVICES]
    web, terminal, teams = Canary("webchat"), Canary("console"), Canary("teams")
    await through_the_web_chat(web_client, web)
    await through_the_terminal(services, terminal)
    await through_teams(services, teams)
    await adviser_answers_all(services, teams)
    assert len(await signal_ids(services)) == 3
    canaries = [web, terminal, teams]
    names = {p.name for p, _ in files_under(settings.data_dir)}
    assert "meldwijzer.db-wal" in names, "read the write-ahead log as it is, not checkpointed"
    assert_no_canary(canaries, settings.data_dir, every_log)
    await web_client.close()  # the app's cleanup closes the engine
    assert_no_canary(canaries, settings.data_dir, every_log)
    assert every_log.records, "logs were captured"


def test_the_canary_check_can_fail(tmp_path: Path) -> None:
    """The search itself finds a canary in raw bytes, in any case."""
    canary = Canary("check")
    (tmp_path / "leak.bin").write_bytes(b"\x00junk" + canary.name.lower().encode() + b"\xff")
    (path, blob) = files_under(tmp_path)[0]
    with pytest.raises(AssertionError, match=r"found in leak\.bin"):
        assert_absent(canary.secrets(), path.name, blob)
