"""The websocket dropped in the middle of a conversation: every reply once, none lost.

The server closes the bot's socket (with a close frame, or by cutting TCP) while a person is
talking to it. Resumed with the same connection id, the missed events are replayed; after a
server restart (a new connection id) the listener catches up over REST. Either way each
message is answered exactly once: the bot's posts are counted.
"""

from __future__ import annotations

import pytest

from .chat_person import Flow, Person, fake, flow, t, texts
from .running_app import connected, eventually, settled

__all__ = ["fake", "flow"]  # the fixtures, imported for pytest

WEBSOCKET = r"^/api/v4/websocket$"
QUESTION = "Wat zijn mijn mogelijkheden?"


def overviews(person: Person) -> int:
    """How many times the bot has answered the question (its answer names the options)."""
    prompt = t("nl", "options.overview_prompt")
    return sum(prompt in str(post["message"]) for post in person.bot_posts())


async def reconnected(flow: Flow, before: int) -> None:
    await eventually(lambda: flow.fake.connections_total > before, "a new connection")
    await connected(flow.client)


async def asked_once(person: Person) -> int:
    """Ask the question on a healthy socket; how many posts its answer is."""
    answered = await person.say(QUESTION)
    assert t("nl", "options.overview_prompt") in texts(answered)
    return len(answered)


@pytest.mark.parametrize("abrupt", [False, True], ids=["close-frame", "cut"])
async def test_a_resumed_socket_answers_what_was_said_in_the_gap_once(
    flow: Flow, abrupt: bool
) -> None:
    person = flow.person("sanne")
    await person.start()
    _, seen = await person.press("topic:bystander")
    assert t("nl", "bystander.seen_prompt") in texts(seen)
    size = await asked_once(person)

    posts, asked = len(person.bot_posts()), overviews(person)
    total = flow.fake.connections_total
    await flow.fake.user_posts(person.user, QUESTION)  # in flight: maybe read, maybe not
    flow.fake.fail_next("GET", WEBSOCKET, 503)  # the first reconnect finds the server busy
    await flow.fake.drop_sockets(abrupt=abrupt)
    await flow.fake.user_posts(person.user, QUESTION)  # in the gap
    await reconnected(flow, total)
    await eventually(lambda: overviews(person) >= asked + 2, "both answers")
    await settled(flow.client)

    assert overviews(person) == asked + 2
    assert len(person.bot_posts()) == posts + 2 * size
    # Resumed: no catch-up was needed, so none was made.
    assert not [r for r in flow.fake.requests if r.path == f"/api/v4/channels/{person.dm}/posts"]
    # The conversation goes on where it was.
    after = await person.say(QUESTION)
    assert len(after) == size
    assert flow.fake.sockets_open == 1


@pytest.mark.parametrize("abrupt", [False, True], ids=["close-frame", "cut"])
async def test_after_a_server_restart_the_catch_up_answers_the_gap_once_and_nothing_twice(
    flow: Flow, abrupt: bool
) -> None:
    person = flow.person("thijs")
    await person.start()
    size = await asked_once(person)
    posts, asked = len(person.bot_posts()), overviews(person)

    total = flow.fake.connections_total
    # A restart: the server forgets the connection, so the events of the gap are gone with
    # it and only GET /channels/{id}/posts?since= can find them. The catch-up also finds the
    # messages answered before the drop (its window reaches back): they are not answered again.
    flow.fake.forget_connections()
    flow.fake.fail_next("GET", WEBSOCKET, 503, times=2)
    await flow.fake.drop_sockets(abrupt=abrupt)
    await flow.fake.user_posts(person.user, QUESTION)  # in the gap, lost to the socket
    await reconnected(flow, total)
    await eventually(lambda: overviews(person) >= asked + 1, "the caught-up answer")
    await settled(flow.client)

    assert any(r.path == f"/api/v4/channels/{person.dm}/posts" for r in flow.fake.requests)
    assert overviews(person) == asked + 1
    assert len(person.bot_posts()) == posts + size, "nothing answered twice"
    after = await person.say(QUESTION)
    assert len(after) == size
    assert flow.fake.sockets_open == 1
