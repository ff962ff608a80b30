"""Bad input gets a clear answer in the person's language and changes nothing."""

from __future__ import annotations

import pytest

from tests.dialogs.conftest import Chat, actions, text_of


@pytest.fixture
def busy(chat: Chat) -> Chat:
    chat.press("topic:bystander")
    chat.press("bystander:seen:other")
    return chat


def _unchanged(chat: Chat) -> None:
    assert chat.last is not None and not chat.last.changed
    assert chat.session.state.dialog == "bystander" and chat.session.state.step == "danger"


def test_empty_text(busy: Chat) -> None:
    replies = busy.say("   \n\t ")
    _unchanged(busy)
    assert "topic:options" in actions(replies)


def test_only_control_characters_count_as_empty(busy: Chat) -> None:
    busy.say("\x00\x07\u202e\u200b")
    _unchanged(busy)


def test_too_long_says_the_limit(busy: Chat) -> None:
    replies = busy.say("a" * 2001)
    _unchanged(busy)
    assert "2000" in text_of(replies)


@pytest.mark.parametrize(
    "action",
    [
        "",
        "nope",
        "topic:nope",
        "bystander:d:dance",
        "options:route:nowhere",
        "lang:fr",
        "x" * 500,
        "menu:",
        "crisis:other",
    ],
)
def test_unknown_buttons(busy: Chat, action: str) -> None:
    replies = busy.press(action)
    _unchanged(busy)
    assert replies and replies[0].text


def test_unknown_form(busy: Chat) -> None:
    replies = busy.submit("bystander:nothing", {"a": "b"})
    _unchanged(busy)
    assert replies[0].text


def test_oversized_form(busy: Chat) -> None:
    busy.submit("bystander:x", {f"f{i}": "v" for i in range(100)})
    _unchanged(busy)


def test_control_characters_are_removed_from_questions(chat: Chat) -> None:
    chat.say("wat doet een\x00 vertrouwens\u202epersoon")
    assert chat.last is not None and chat.last.changed
