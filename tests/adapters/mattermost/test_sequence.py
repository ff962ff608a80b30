"""The event stream's order across reconnects, frame by frame (no network)."""

from __future__ import annotations

from typing import Any

from adapters.mattermost.frames import Resume
from adapters.mattermost.sequence import Event, EventOrder, Hello

CONN_A = "a" * 26
CONN_B = "b" * 26


def hello(connection_id: str, seq: int = 0) -> dict[str, Any]:
    return {"event": "hello", "data": {"connection_id": connection_id}, "seq": seq}


def posted(seq: int) -> dict[str, Any]:
    return {"event": "posted", "data": {"post": "{}"}, "broadcast": {}, "seq": seq}


def kinds(deliveries: list[Any]) -> list[Any]:
    return [
        ("hello", d.first, d.resumed) if isinstance(d, Hello) else ("event", d.frame["seq"])
        for d in deliveries
    ]


def started() -> EventOrder:
    order = EventOrder()
    order.connected()
    assert kinds(order.accept(hello(CONN_A))) == [("hello", True, False)]
    return order


def test_first_hello_then_events_in_order_and_the_resume_point_is_the_next_seq() -> None:
    order = started()
    assert kinds(order.accept(posted(1)) + order.accept(posted(2))) == [
        ("event", 1),
        ("event", 2),
    ]
    # sequence_number is the NEXT expected seq (last received + 1), as the web app sends it.
    assert order.resume() == Resume(CONN_A, 3)


def test_a_resume_the_server_answers_with_replayed_events_is_resumed() -> None:
    order = started()
    order.accept(posted(1))
    order.connected()
    assert kinds(order.accept(posted(2))) == [("hello", False, True), ("event", 2)]


def test_a_hello_with_the_same_id_is_resumed_and_does_not_move_the_counter() -> None:
    order = started()
    order.accept(posted(1))
    order.connected()
    assert kinds(order.accept(hello(CONN_A, seq=2))) == [("hello", False, True)]
    assert kinds(order.accept(posted(2))) == [("event", 2)]


def test_a_new_connection_id_after_a_previous_one_means_lost_events() -> None:
    order = started()
    order.accept(posted(1))
    order.connected()
    assert kinds(order.accept(hello(CONN_B))) == [("hello", False, False)]
    assert kinds(order.accept(posted(1))) == [("event", 1)]
    assert order.resume() == Resume(CONN_B, 2)


def test_a_gap_in_the_sequence_means_lost_events_and_the_event_is_still_delivered() -> None:
    order = started()
    order.accept(posted(1))
    assert kinds(order.accept(posted(5))) == [("hello", False, False), ("event", 5)]
    assert order.resume() == Resume(CONN_A, 6)


def test_an_event_replayed_twice_is_delivered_once() -> None:
    order = started()
    order.accept(posted(1))
    order.accept(posted(2))
    order.connected()
    assert kinds(order.accept(posted(1))) == [("hello", False, True)]
    assert kinds(order.accept(posted(2)) + order.accept(posted(3))) == [("event", 3)]


def test_rewind_to_the_last_handled_event_replays_the_rest_later() -> None:
    order = started()
    deliveries = order.accept(posted(1)) + order.accept(posted(2))
    handled = deliveries[0]
    assert isinstance(handled, Event)
    order.rewind(handled.position)
    assert order.resume() == Resume(CONN_A, 2)


def test_rewind_with_nothing_handled_starts_afresh() -> None:
    order = started()
    order.rewind(None)
    assert order.resume() is None
    assert kinds(order.accept(hello(CONN_B))) == [("hello", True, False)]


def test_frames_without_a_number_are_ignored() -> None:
    order = started()
    assert order.accept({"event": "posted"}) == []
    assert order.accept({"event": "hello", "seq": 0, "data": {}}) == []
