"""A pure test driver: events straight into the router, no database, no platform."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from bot.core import Channel, Incoming, Kind, Reply
from bot.router import Outcome, Router, Session
from dialogs.messages import Messages
from dialogs.registry import all_dialogs
from knowledge.base import KnowledgeBase


class Chat:
    """Keeps the session between turns like the conversation service does."""

    def __init__(self, router: Router, lang: str, channel: Channel) -> None:
        self.router = router
        self.channel = channel
        self.session = Session(lang=lang)
        self.last: Outcome | None = None

    def _send(self, **fields: object) -> tuple[Reply, ...]:
        event = Incoming(channel=self.channel, conversation="c-1", **fields)  # type: ignore[arg-type]
        self.last = self.router.route(event, self.session)
        if self.last.changed:
            self.session = self.last.session
        return self.last.replies

    def start(self) -> tuple[Reply, ...]:
        return self._send(kind=Kind.START)

    def say(self, text: str) -> tuple[Reply, ...]:
        return self._send(kind=Kind.TEXT, text=text)

    def press(self, action: str) -> tuple[Reply, ...]:
        return self._send(kind=Kind.ACTION, action=action)

    def submit(self, form: str, data: Mapping[str, str]) -> tuple[Reply, ...]:
        return self._send(kind=Kind.FORM, form=form, data=data)


def actions(replies: tuple[Reply, ...]) -> list[str]:
    return [button.action for reply in replies for button in reply.buttons]


def text_of(replies: tuple[Reply, ...]) -> str:
    return "\n".join(reply.text for reply in replies)


@pytest.fixture(scope="session")
def router(knowledge: KnowledgeBase) -> Router:
    return Router(knowledge, Messages.load(), all_dialogs(), max_chars=2000)


@pytest.fixture(params=["nl", "en"])
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def chat(router: Router, lang: str) -> Chat:
    return Chat(router, lang, Channel.WEBCHAT)
